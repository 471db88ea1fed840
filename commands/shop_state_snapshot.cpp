#include "commands/shop_state_snapshot.h"

#include "core/text.h"

#include <algorithm>
#include <string>
#include <vector>

namespace orderly::commands {

namespace {

// --- the smallest encoding of each record ---
// BinaryReader::count refuses a count whose records could not fit in the
// bytes left, so a damaged count fails before it reserves anything.
constexpr size_t kU8 = 1;
constexpr size_t kU32 = 4;
constexpr size_t kU64 = 8;
constexpr size_t kUuid = 16;
constexpr size_t kBytes = 4;  // an empty string: its length
constexpr size_t kCount = 4;  // an empty container: its count

constexpr size_t kLineMin = kUuid + kU64;
constexpr size_t kExpiryMin = kU64 + kUuid;
// Map entries, key included.
constexpr size_t kIndexEntryMin = kBytes + kUuid;  // skus, usernames, emails
constexpr size_t kUuidPairMin = kUuid + kUuid;     // open_payment_by_order
constexpr size_t kTokenMin = kUuid + kUuid + kBytes + kU64 + kU8;
constexpr size_t kFamilyMin = kUuid + kUuid + kU64 + kU8 + kCount;
constexpr size_t kCartLineMin = kUuid + 2 * kU64;
constexpr size_t kProductMin = kUuid + 3 * kBytes + 4 * kU64 + kU8 + kUuid + kCount;
constexpr size_t kImageRefMin = kUuid + kBytes;
constexpr size_t kCategoryMin = kUuid + 3 * kBytes + kU32 + kU8;
constexpr size_t kOrderMin = kUuid + 2 * kUuid + 3 * kU64 + kCount + kU32 + kU8;
constexpr size_t kCartMin = kUuid + kCount + kU32;
constexpr size_t kRefundMin = kBytes + kU64 + kBytes + kU8;
constexpr size_t kPaymentMin = kUuid + 2 * kUuid + 3 * kU64 + 2 * kU32 + 4 * kU8 + kCount;
constexpr size_t kProviderEventMin = kUuid + kUuid + kU32;
constexpr size_t kPendingMin = kUuid + 2 * kBytes + kU64;
constexpr size_t kUserMin = kUuid + 3 * kBytes + kU32 + 2 * kCount + kBytes + 2 * kU8 + kBytes +
                            2 * kPendingMin + 2 * kCount;
constexpr size_t kAddressMin = kUuid + 7 * kBytes + kU8;
constexpr size_t kNotificationMin = kUuid + kUuid + 2 * kU32 + kU8;

// --- the expiry queue ---
// std::priority_queue cannot be iterated, but its heap array is the
// protected member `c`. Saving that array as is and loading it back as is
// costs one linear pass each way and restores the very same heap; copying
// and popping would copy every entry and pay log n per entry on both sides.
// `&ExpiryAccess::c` names the base's member (a pointer to a member of the
// queue itself), so it is applied to a plain queue: no downcast.
using ExpiryQueue = decltype(ShopState::expiries);
using ExpiryHeap = ExpiryQueue::container_type;

struct ExpiryAccess : ExpiryQueue {
  static constexpr ExpiryHeap ExpiryQueue::*kHeap = &ExpiryAccess::c;
};

// --- leaves ---

void put_key(BinaryWriter& out, const Uuid& key) {
  out.uuid(key);
}
void put_key(BinaryWriter& out, const std::string& key) {
  out.bytes(key);
}
void get_key(BinaryReader& in, Uuid& key) {
  key = in.uuid();
}
void get_key(BinaryReader& in, std::string& key) {
  key = in.bytes();
}

void put_uuid(BinaryWriter& out, const Uuid& v) {
  out.uuid(v);
}
void get_uuid(BinaryReader& in, Uuid& v) {
  v = in.uuid();
}

// An enum stored as its byte; a byte past `last` is damage. Callers pass
// the last enumerator: a new one goes there, with a new kSnapshotFormat.
template <typename E>
E get_enum(BinaryReader& in, E last) {
  const uint8_t v = in.u8();
  if (v > static_cast<uint8_t>(last)) {
    in.fail();
    return E{};
  }
  return static_cast<E>(v);
}
template <typename E>
void put_enum(BinaryWriter& out, E v) {
  out.u8(static_cast<uint8_t>(v));
}

void put_lines(BinaryWriter& out, const std::vector<OrderItem>& lines) {
  out.count(lines.size());
  for (const OrderItem& l : lines) {
    out.uuid(l.product_id);
    out.i64(l.quantity);
  }
}
void get_lines(BinaryReader& in, std::vector<OrderItem>& lines) {
  const size_t n = in.count(kLineMin);
  lines.reserve(n);  // the one allocation an order or cart needs
  for (size_t i = 0; i < n; ++i) {
    OrderItem& l = lines.emplace_back();
    l.product_id = in.uuid();
    l.quantity = in.i64();
  }
}

void put_cart_lines(BinaryWriter& out, const std::vector<CartLine>& lines) {
  out.count(lines.size());
  for (const CartLine& l : lines) {
    out.uuid(l.product_id);
    out.i64(l.quantity);
    out.i64(l.unit_price_cents);
  }
}
void get_cart_lines(BinaryReader& in, std::vector<CartLine>& lines) {
  const size_t n = in.count(kCartLineMin);
  lines.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CartLine& l = lines.emplace_back();
    l.product_id = in.uuid();
    l.quantity = in.i64();
    l.unit_price_cents = in.i64();
  }
}

// --- containers: a count, then key and value of each entry ---

// Order and cart lines live in their own allocations, made in log order,
// while a map is walked in hash order: each visit is a cache miss, most of
// the time of a save. Touching them a few entries ahead overlaps the misses.
constexpr int kPrefetchAhead = 16;
template <typename V>
void prefetch(const V&) {}
void prefetch(const OrderState& o) {
  __builtin_prefetch(o.lines.data());
}
void prefetch(const CartState& c) {
  __builtin_prefetch(c.lines.data());
}

template <typename Map, typename PutValue>
void put_map(BinaryWriter& out, const Map& map, PutValue put_value) {
  out.count(map.size());
  auto ahead = map.begin();
  for (int i = 0; i < kPrefetchAhead && ahead != map.end(); ++i)
    ++ahead;
  for (const auto& [key, value] : map) {
    if (ahead != map.end()) {
      prefetch(ahead->second);
      ++ahead;
    }
    put_key(out, key);
    put_value(out, value);
  }
}

// Reserves once for the whole map (ShardedMap spreads it over its shards),
// then fills each value in place. A key seen twice is damage.
template <typename Map, typename GetValue>
void get_map(BinaryReader& in, size_t min_entry, Map& map, GetValue get_value) {
  const size_t n = in.count(min_entry);
  map.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    typename Map::key_type key;
    get_key(in, key);
    auto [it, fresh] = map.try_emplace(std::move(key));
    if (!fresh) {
      in.fail();
      return;
    }
    get_value(in, it->second);
  }
}

void put_expiries(BinaryWriter& out, const ExpiryQueue& queue) {
  const ExpiryHeap& heap = queue.*ExpiryAccess::kHeap;
  out.count(heap.size());
  for (const auto& [at, id] : heap) {
    out.i64(at);
    out.uuid(id);
  }
}
// The array comes back in the order it was saved, so it is a heap unless
// the bytes are damaged; a damaged one would pop orders out of time order.
void get_expiries(BinaryReader& in, ExpiryQueue& queue) {
  ExpiryHeap& heap = queue.*ExpiryAccess::kHeap;
  heap.clear();
  const size_t n = in.count(kExpiryMin);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    const TimestampUs at = in.i64();
    heap.emplace_back(at, in.uuid());
  }
  if (!std::is_heap(heap.begin(), heap.end(), ExpiryQueue::value_compare{}))
    in.fail();
}

// --- aggregates, field by field in declaration order ---

void put_product(BinaryWriter& out, const ProductState& p) {
  out.bytes(p.name);
  out.bytes(p.sku);
  out.bytes(p.currency);
  out.i64(p.price_cents);
  out.i64(p.stock);
  out.i64(p.reserved);
  out.u64(p.version);
  out.boolean(p.discontinued);
  out.uuid(p.category);
  out.count(p.images.size());
  for (const ProductImageRef& i : p.images) {
    out.uuid(i.id);
    out.bytes(i.original_hash);
  }
}
void get_product(BinaryReader& in, ProductState& p) {
  p.name = in.bytes();
  p.sku = in.bytes();
  p.currency = in.bytes();
  p.price_cents = in.i64();
  p.stock = in.i64();
  p.reserved = in.i64();
  p.version = in.u64();
  p.discontinued = in.boolean();
  p.category = in.uuid();
  const size_t images = in.count(kImageRefMin);
  p.images.resize(images);
  for (ProductImageRef& i : p.images) {
    i.id = in.uuid();
    i.original_hash = in.bytes();
  }
}

// A category's active_products is not saved: load_state recounts it.
void put_category(BinaryWriter& out, const CategoryState& c) {
  out.bytes(c.slug);
  out.bytes(c.name);
  out.bytes(c.description);
  out.u32(c.version);
  out.boolean(c.exists);
}
void get_category(BinaryReader& in, CategoryState& c) {
  c.slug = in.bytes();
  c.name = in.bytes();
  c.description = in.bytes();
  c.version = in.u32();
  c.exists = in.boolean();
}

void put_order(BinaryWriter& out, const OrderState& o) {
  out.uuid(o.user_id);
  out.uuid(o.paid_by);
  out.i64(o.total_cents);
  out.i64(o.expires_at);
  out.i64(o.placed_at);
  put_lines(out, o.lines);
  out.u32(o.version);
  put_enum(out, o.status);
}
void get_order(BinaryReader& in, OrderState& o) {
  o.user_id = in.uuid();
  o.paid_by = in.uuid();
  o.total_cents = in.i64();
  o.expires_at = in.i64();
  o.placed_at = in.i64();
  get_lines(in, o.lines);
  o.version = in.u32();
  o.status = get_enum(in, OrderStatus::kCancelled);
}

void put_cart(BinaryWriter& out, const CartState& c) {
  put_cart_lines(out, c.lines);
  out.u32(c.version);
}
void get_cart(BinaryReader& in, CartState& c) {
  get_cart_lines(in, c.lines);
  c.version = in.u32();
}

void put_payment(BinaryWriter& out, const PaymentState& p) {
  out.uuid(p.order_id);
  out.uuid(p.user_id);
  out.i64(p.amount_cents);
  out.i64(p.refunded_cents);
  out.i64(p.pending_refund_cents);
  out.u32(p.version);
  out.u32(p.attempts);
  put_enum(out, p.status);
  put_enum(out, p.method);
  out.u8(p.via_provider ? 1 : 0);
  out.u8(p.disputed ? 1 : 0);
  out.count(p.refunds.size());
  for (const RefundState& r : p.refunds) {
    out.bytes(r.id);
    out.i64(r.amount_cents);
    out.bytes(r.reason);
    put_enum(out, r.status);
  }
}
void get_payment(BinaryReader& in, PaymentState& p) {
  p.order_id = in.uuid();
  p.user_id = in.uuid();
  p.amount_cents = in.i64();
  p.refunded_cents = in.i64();
  p.pending_refund_cents = in.i64();
  p.version = in.u32();
  p.attempts = in.u32();
  p.status = get_enum(in, PaymentStatus::kCanceled);
  p.method = get_enum(in, PaymentMethod::kCashOnDelivery);
  p.via_provider = in.u8() != 0;
  p.disputed = in.u8() != 0;
  const size_t n = in.count(kRefundMin);
  p.refunds.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    RefundState& r = p.refunds.emplace_back();
    r.id = in.bytes();
    r.amount_cents = in.i64();
    r.reason = in.bytes();
    r.status = get_enum(in, RefundStatus::kFailed);
  }
}

void put_provider_event(BinaryWriter& out, const ShopState::ProviderEvent& e) {
  out.uuid(e.payment_id);
  out.u32(e.version);
}
void get_provider_event(BinaryReader& in, ShopState::ProviderEvent& e) {
  e.payment_id = in.uuid();
  e.version = in.u32();
}

void put_token(BinaryWriter& out, const RefreshTokenState& t) {
  out.uuid(t.family_id);
  out.bytes(t.token_hash);
  out.i64(t.expires_at);
  put_enum(out, t.status);
}
void get_token(BinaryReader& in, RefreshTokenState& t) {
  t.family_id = in.uuid();
  t.token_hash = in.bytes();
  t.expires_at = in.i64();
  t.status = get_enum(in, TokenStatus::kRevoked);
}

void put_family(BinaryWriter& out, const RefreshFamilyState& f) {
  out.uuid(f.current);
  out.i64(f.expires_at);
  out.u8(f.revoked ? 1 : 0);
  out.count(f.rotated.size());
  for (const Uuid& t : f.rotated)
    out.uuid(t);
}
void get_family(BinaryReader& in, RefreshFamilyState& f) {
  f.current = in.uuid();
  f.expires_at = in.i64();
  const uint8_t revoked = in.u8();
  if (revoked > 1)
    in.fail();
  f.revoked = revoked == 1;
  const size_t n = in.count(kUuid);
  f.rotated.reserve(n);
  for (size_t i = 0; i < n; ++i)
    f.rotated.push_back(in.uuid());
}

void put_pending(BinaryWriter& out, const PendingToken& t) {
  out.uuid(t.token_id);
  out.bytes(t.token_hash);
  out.bytes(t.email);
  out.i64(t.expires_at);
}
void get_pending(BinaryReader& in, PendingToken& t) {
  t.token_id = in.uuid();
  t.token_hash = in.bytes();
  t.email = in.bytes();
  t.expires_at = in.i64();
}

void put_address(BinaryWriter& out, const Address& a) {
  out.uuid(a.address_id);
  for (const std::string* f :
       {&a.name, &a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.phone})
    out.bytes(*f);
  out.boolean(a.is_default);
}
void get_address(BinaryReader& in, Address& a) {
  a.address_id = in.uuid();
  for (std::string* f :
       {&a.name, &a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.phone})
    *f = in.bytes();
  a.is_default = in.boolean();
}

void put_user(BinaryWriter& out, const UserState& u) {
  out.bytes(u.username);
  out.bytes(u.email);
  out.bytes(u.role);
  out.u32(u.version);
  put_map(out, u.tokens, put_token);
  put_map(out, u.families, put_family);
  out.bytes(u.display_name);
  out.boolean(u.email_verified);
  put_enum(out, u.status);
  out.bytes(u.password_digest);
  put_pending(out, u.verification);
  put_pending(out, u.reset);
  out.count(u.identities.size());
  for (const Identity& i : u.identities) {
    out.bytes(i.issuer);
    out.bytes(i.subject);
  }
  out.count(u.addresses.size());
  for (const Address& a : u.addresses)
    put_address(out, a);
}
void get_user(BinaryReader& in, UserState& u) {
  u.username = in.bytes();
  u.email = in.bytes();
  u.role = in.bytes();
  u.version = in.u32();
  get_map(in, kTokenMin, u.tokens, get_token);
  get_map(in, kFamilyMin, u.families, get_family);
  u.display_name = in.bytes();
  u.email_verified = in.boolean();
  u.status = get_enum(in, UserStatus::kClosed);
  u.password_digest = in.bytes();
  get_pending(in, u.verification);
  get_pending(in, u.reset);
  const size_t identities = in.count(2 * kBytes);
  for (size_t i = 0; i < identities && in.ok(); ++i) {
    Identity id;
    id.issuer = in.bytes();
    id.subject = in.bytes();
    u.identities.push_back(std::move(id));
  }
  const size_t addresses = in.count(kAddressMin);
  for (size_t i = 0; i < addresses && in.ok(); ++i)
    get_address(in, u.addresses.emplace_back());
}

void put_notification(BinaryWriter& out, const NotificationState& n) {
  out.uuid(n.user_id);
  out.u32(n.attempts);
  out.u32(n.version);
  put_enum(out, n.status);
}
void get_notification(BinaryReader& in, NotificationState& n) {
  n.user_id = in.uuid();
  n.attempts = in.u32();
  n.version = in.u32();
  n.status = get_enum(in, NotificationStatus::kFailed);
}

// About the encoded size, so the output is allocated once rather than
// doubled (and copied) at hundreds of megabytes, ending up to twice as big
// as needed. Order lines and refresh tokens vary and can be most of it, so
// they are counted (sizes kept in the map slots: no line or token is read);
// strings are guessed.
size_t size_hint(const ShopState& s) {
  constexpr size_t kStringGuess = 32;
  size_t lines = 0;
  for (const auto& [id, o] : s.orders)
    lines += o.lines.size();
  for (const auto& [id, c] : s.carts)
    lines += c.lines.size();
  size_t tokens = 0;
  size_t families = 0;
  for (const auto& [id, u] : s.users) {
    tokens += u.tokens.size();
    families += u.families.size();
  }
  const size_t records =
      s.products.size() * (kProductMin + 2 * kStringGuess) + s.orders.size() * kOrderMin +
      s.expiries.size() * kExpiryMin + s.carts.size() * kCartMin + s.payments.size() * kPaymentMin +
      s.open_payment_by_order.size() * kUuidPairMin + s.provider_events.size() * kProviderEventMin +
      s.users.size() * (kUserMin + 3 * kStringGuess) + s.notifications.size() * kNotificationMin +
      (s.skus.size() + s.usernames.size() + s.emails.size()) * (kIndexEntryMin + kStringGuess);
  return records + lines * kLineMin + tokens * (kTokenMin + kStringGuess) + families * kFamilyMin;
}

}  // namespace

void save_state(const ShopState& s, BinaryWriter& out) {
  out.reserve(out.size() + kU32 + kU64 + size_hint(s));
  out.u32(kSnapshotFormat);
  out.u64(s.position);
  put_map(out, s.products, put_product);
  put_map(out, s.skus, put_uuid);
  put_map(out, s.orders, put_order);
  put_expiries(out, s.expiries);
  put_map(out, s.carts, put_cart);
  put_map(out, s.payments, put_payment);
  put_map(out, s.open_payment_by_order, put_uuid);
  put_map(out, s.users, put_user);
  put_map(out, s.usernames, put_uuid);
  put_map(out, s.emails, put_uuid);
  put_map(out, s.notifications, put_notification);
  put_map(out, s.categories.by_id, put_category);
  put_map(out, s.provider_events, put_provider_event);
}

Status load_state(BinaryReader& in, ShopState& s) {
  constexpr std::string_view kWhat = "snapshot of the writer state";
  s = ShopState{};
  if (in.u32() != kSnapshotFormat) {
    in.fail();
    return in.finish(kWhat);
  }
  s.position = in.u64();
  get_map(in, kProductMin, s.products, get_product);
  get_map(in, kIndexEntryMin, s.skus, get_uuid);
  get_map(in, kOrderMin, s.orders, get_order);
  get_expiries(in, s.expiries);
  get_map(in, kCartMin, s.carts, get_cart);
  get_map(in, kPaymentMin, s.payments, get_payment);
  get_map(in, kUuidPairMin, s.open_payment_by_order, get_uuid);
  get_map(in, kUserMin, s.users, get_user);
  get_map(in, kIndexEntryMin, s.usernames, get_uuid);
  get_map(in, kIndexEntryMin, s.emails, get_uuid);
  get_map(in, kNotificationMin, s.notifications, get_notification);
  get_map(in, kCategoryMin, s.categories.by_id, get_category);
  get_map(in, kProviderEventMin, s.provider_events, get_provider_event);
  // Derived (shop_state.h): the names index and the counts of active products.
  for (const auto& [id, c] : s.categories.by_id) {
    if (c.exists)
      s.categories.by_name[ascii_lower(c.name)] = id;
  }
  for (const auto& [id, p] : s.products) {
    if (!p.discontinued)
      ++s.categories.by_id[p.category].active_products;
  }
  for (const auto& [id, u] : s.users) {
    s.refresh_tokens += u.tokens.size();
    // Derived indexes (shop_state.h): a closed account holds none.
    if (u.status == UserStatus::kClosed)
      continue;
    s.active_admins += u.role == "admin" && u.status == UserStatus::kActive;
    for (const Identity& i : u.identities)
      s.identities[identity_key(i.issuer, i.subject)] = id;
  }
  rebuild_holds(s);  // derived from the orders, not saved
  // What follows belongs to the caller (the processor's idempotency keys).
  if (!in.ok())
    return Status::corruption(std::string(kWhat) + " is damaged or of another format");
  return Status::ok();
}

}  // namespace orderly::commands
