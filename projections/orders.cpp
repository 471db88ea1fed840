#include "projections/orders.h"
#include "core/text.h"
#include "projections/wide_cents.h"

#include <algorithm>
#include <random>

#include "core/json_writer.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/payment_events_generated.h"
#include "projections/payment_status.h"

namespace orderly::projections {

namespace {

// 2: orders and lines as record arrays, names interned. 3: refunds per order.
// 4: and the shipping addresses (an order record names its own). 5: and
//    its currency. 6: an address may be structured (kStructuredAddress).
//    7: and the payment shown with each order (payment_of_).
//    A snapshot of another format is refused: the model is folded anew.
constexpr uint32_t kSnapshotFormat = 7;

// A structured shipping address (OrderPlaced.shipping) among the address
// bytes: this byte first (never an inline address's: the writer refuses
// control characters in text), then its fields, each ended by kFieldEnd.
constexpr char kStructuredAddress = '\x01';
constexpr char kFieldEnd = '\x1f';

std::string encode_shipping(const events::ShippingAddress& a) {
  std::string out(1, kStructuredAddress);
  for (const auto* f : {a.address_id(), a.name(), a.line1(), a.line2(), a.city(), a.postal_code(),
                        a.country(), a.phone()}) {
    out += fb_view(f);
    out += kFieldEnd;
  }
  return out;
}

std::optional<Address> decode_shipping(std::string_view bytes) {
  if (bytes.empty() || bytes[0] != kStructuredAddress)
    return std::nullopt;
  bytes.remove_prefix(1);
  Address a;
  std::string id;
  for (std::string* f :
       {&id, &a.name, &a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.phone}) {
    const size_t end = bytes.find(kFieldEnd);
    *f = std::string(bytes.substr(0, end));
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
  }
  a.address_id = Uuid::parse(id).value_or(Uuid{});
  return a;
}

// A record's currency: three capitals, or three zeros (none).
bool valid_currency(const char (&c)[3]) {
  const bool none = c[0] == 0 && c[1] == 0 && c[2] == 0;
  return none || is_currency_code(std::string_view(c, 3));
}
constexpr size_t kRefundBytes = 16 + 8;
constexpr size_t kOrderPaymentBytes = 16 + 16 + 8 + 1 + 1;

}  // namespace

OrdersReadModel::Stored* OrdersReadModel::find(const Uuid& id) {
  const uint32_t i = seq_of_.find(id);
  return i == OrderIndex::kNone ? nullptr : &by_seq_[i];
}

const OrdersReadModel::Stored* OrdersReadModel::find(const Uuid& id) const {
  return const_cast<OrdersReadModel*>(this)->find(id);
}

void OrdersReadModel::add_to_user(const Uuid& user, uint64_t seq) {
  std::vector<uint64_t>& seqs = by_user_[user];
  if (seqs.empty() || seqs.back() < seq) {
    seqs.push_back(seq);  // the usual case: placements arrive in order
  } else {
    seqs.insert(std::upper_bound(seqs.begin(), seqs.end(), seq), seq);
  }
}

void OrdersReadModel::remove_from_user(const Uuid& user, uint64_t seq) {
  auto it = by_user_.find(user);
  if (it == by_user_.end())
    return;
  std::vector<uint64_t>& seqs = it->second;
  auto at = std::lower_bound(seqs.begin(), seqs.end(), seq);
  if (at != seqs.end() && *at == seq)
    seqs.erase(at);
  if (seqs.empty())
    by_user_.erase(it);
}

void OrdersReadModel::touch(const Uuid& user, uint64_t position) {
  if (lists_deferred_)
    return;
  changed_at_[user] = position;
  changed_any_ = position;
}

void OrdersReadModel::new_epoch() {
  std::random_device random;
  epoch_ = (uint64_t{random()} << 32) ^ random();
  changed_at_.clear();
  changed_any_ = 0;
}

void OrdersReadModel::apply(const EventView& ev) {
  if (epoch_ == 0)
    new_epoch();  // the first event of a new model
  auto status_change = [&](const flatbuffers::String* id, OrderStatus to) REQUIRES(mutex_) {
    const uint8_t status = byte_of(to);
    const uint32_t i = seq_of_.find(fb_uuid(id));
    if (i == OrderIndex::kNone)
      return;
    Stored& o = by_seq_[i];
    touch(o.user_id, ev.position());
    const uint64_t seq = uint64_t{i} + 1;
    if (!lists_deferred_) {
      by_status_[o.status].erase(seq);
      by_status_[status].insert(seq);
    }
    o.status = status;
    o.updated_at = ev.time_us();
    o.version = static_cast<uint32_t>(ev.version());
  };
  switch (ev.type()) {
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      const Uuid id = fb_uuid(e->order_id());
      const Uuid user = fb_uuid(e->user_id());
      uint32_t i = seq_of_.find(id);
      const bool fresh = i == OrderIndex::kNone;
      if (fresh) {
        i = static_cast<uint32_t>(by_seq_.size());
        seq_of_.insert(id, i);
      }
      const uint64_t seq = uint64_t{i} + 1;
      if (!fresh)
        touch(by_seq_[seq - 1].user_id, ev.position());  // placed again: it may leave a list
      touch(user, ev.position());
      if (fresh) {
        by_seq_.emplace_back();
        ++count_;
        if (!lists_deferred_)
          add_to_user(user, seq);
      } else if (!lists_deferred_) {  // placed again: replace, and move it if another user placed
                                      // it
        const Stored& old = by_seq_[seq - 1];
        by_status_[old.status].erase(seq);
        if (old.user_id != user) {
          remove_from_user(old.user_id, seq);
          add_to_user(user, seq);
        }
      }
      Stored& o = by_seq_[seq - 1];
      o.id = id;
      o.user_id = user;
      o.status = byte_of(OrderStatus::kPending);
      o.total_cents = e->total_cents();
      o.created_at = o.updated_at = ev.time_us();
      o.version = static_cast<uint32_t>(ev.version());
      // Placed again: the new lines go at the end, the old ones stay unused.
      o.first_line = static_cast<uint32_t>(lines_.size());
      o.line_count = 0;
      if (e->lines()) {
        for (const auto* l : *e->lines()) {
          lines_.push_back({fb_uuid(l->product_id()), l->unit_price_cents(), l->quantity(),
                            l->line_total_cents(), names_.intern(fb_view(l->name()))});
          ++o.line_count;
        }
      }
      // A verified event may still hold odd text: only a code is kept.
      const std::string_view currency = fb_view(e->currency());
      std::fill(std::begin(o.currency), std::end(o.currency), 0);
      if (is_currency_code(currency))
        std::copy(currency.begin(), currency.end(), o.currency);
      // Placed again: the new address goes at the end too.
      const std::string structured = e->shipping() ? encode_shipping(*e->shipping()) : "";
      const std::string_view address =
          e->shipping() ? std::string_view(structured) : fb_view(e->shipping_address());
      o.address_at = addresses_.size();
      o.address_size = static_cast<uint32_t>(address.size());
      addresses_.insert(addresses_.end(), address.begin(), address.end());
      if (!lists_deferred_)
        by_status_[byte_of(OrderStatus::kPending)].insert(seq);
      break;
    }
    case EventType::kOrderConfirmed:
      status_change(ev.as<events::OrderConfirmed>()->order_id(), OrderStatus::kConfirmed);
      break;
    case EventType::kOrderShipped:
      status_change(ev.as<events::OrderShipped>()->order_id(), OrderStatus::kShipped);
      break;
    case EventType::kOrderDelivered:
      status_change(ev.as<events::OrderDelivered>()->order_id(), OrderStatus::kDelivered);
      break;
    case EventType::kOrderCancelled:
      status_change(ev.as<events::OrderCancelled>()->order_id(), OrderStatus::kCancelled);
      break;
    case EventType::kPaymentRefunded: {
      // Few orders are refunded: a side table, not a field of every order.
      const auto* e = ev.as<events::PaymentRefunded>();
      const Uuid order = fb_uuid(e->order_id());
      // order_not_payable: money for an order another payment paid (or
      // that was cancelled): what the customer spent on it is unchanged.
      if (find(order) != nullptr && fb_view(e->reason()) != "order_not_payable")
        refunded_[order] += e->amount_cents();
      apply_payment(ev);
      break;
    }
    case EventType::kPaymentCreated:
    case EventType::kPaymentProcessing:
    case EventType::kPaymentActionRequired:
    case EventType::kPaymentSucceeded:
    case EventType::kPaymentFailed:
    case EventType::kPaymentCanceled:
    case EventType::kPaymentDisputed:
      apply_payment(ev);
      break;
    default:
      break;
  }
}

// An order can have several payments (one declined, then another; a late
// capture refunded because another paid first): it shows the one that
// captured its money, else the latest one made, submitted or captured.
void OrdersReadModel::apply_payment(const EventView& ev) {
  struct Seen {
    const flatbuffers::String *order, *payment;
    std::string_view status;  // empty: no change of status
    bool takes_over = false;  // may become the payment shown
  };
  Seen s{};
  int64_t amount = 0, refunded_total = 0;
  switch (ev.type()) {
    case EventType::kPaymentCreated: {
      const auto* e = ev.as<events::PaymentCreated>();
      s = {e->order_id(), e->payment_id(), "requires_confirmation", true};
      amount = e->amount_cents();
      break;
    }
    case EventType::kPaymentProcessing: {
      const auto* e = ev.as<events::PaymentProcessing>();
      s = {e->order_id(), e->payment_id(), "processing", true};
      break;
    }
    case EventType::kPaymentActionRequired: {
      const auto* e = ev.as<events::PaymentActionRequired>();
      s = {e->order_id(), e->payment_id(), "requires_action", true};
      break;
    }
    case EventType::kPaymentSucceeded: {
      const auto* e = ev.as<events::PaymentSucceeded>();
      s = {e->order_id(), e->payment_id(), "succeeded", true};
      break;
    }
    case EventType::kPaymentFailed: {
      const auto* e = ev.as<events::PaymentFailed>();
      s = {e->order_id(), e->payment_id(), e->retryable() ? "requires_payment_method" : "failed",
           false};
      break;
    }
    case EventType::kPaymentCanceled: {
      const auto* e = ev.as<events::PaymentCanceled>();
      s = {e->order_id(), e->payment_id(), "canceled", false};
      break;
    }
    case EventType::kPaymentRefunded: {
      const auto* e = ev.as<events::PaymentRefunded>();
      s = {e->order_id(), e->payment_id(), "refunded", false};
      refunded_total = e->refunded_total_cents();
      break;
    }
    case EventType::kPaymentDisputed: {
      const auto* e = ev.as<events::PaymentDisputed>();
      s = {e->order_id(), e->payment_id(), "", false};
      break;
    }
    default:
      return;
  }
  const Uuid order = fb_uuid(s.order), payment = fb_uuid(s.payment);
  if (find(order) == nullptr)
    return;
  touch(find(order)->user_id, ev.position());  // the payment shown may change
  auto [it, fresh] = payment_of_.try_emplace(order);
  OrderPayment& shown = it->second;
  if (!fresh && shown.payment != payment) {
    if (!s.takes_over || payment_captured(kPaymentStatuses[shown.status]))
      return;
    shown = OrderPayment{};
  }
  if (shown.payment != payment) {
    shown.payment = payment;
    // Made before this model knew (cannot happen from a whole log): the
    // order's total is the payment's amount.
    shown.amount_cents =
        ev.type() == EventType::kPaymentCreated ? amount : find(order)->total_cents;
  }
  if (ev.type() == EventType::kPaymentDisputed)
    shown.disputed = true;
  else if (ev.type() == EventType::kPaymentRefunded)
    shown.status = payment_status_index(refunded_status(refunded_total, shown.amount_cents));
  else
    shown.status = payment_status_index(s.status);
}

std::string OrdersReadModel::json(const Stored& o, uint64_t seq) const {
  JsonWriter w(256 + 128 * o.line_count);
  w.begin_object()
      .field("id", o.id)
      .field("user_id", o.user_id)
      .field("status", order_status_name(static_cast<OrderStatus>(o.status)))
      .key("items")
      .begin_array();
  for (const Line& l : lines_of(o)) {
    w.begin_object()
        .field("product_id", l.product_id)
        .field("name", names_[l.name])
        .field("unit_price_cents", l.unit_price_cents)
        .field("quantity", l.quantity)
        .field("line_total_cents", l.line_total_cents)
        .end_object();
  }
  w.end_array()
      .field("shipping_address", address_of(o))
      .field("currency", std::string_view(o.currency, o.currency[0] ? 3 : 0))
      .field("total_cents", o.total_cents)
      .field("created_at", o.created_at)
      .field("updated_at", o.updated_at)
      .field("version", uint64_t{o.version})
      .field("seq", seq)
      .end_object();
  return w.take();
}

Rows OrdersReadModel::rows() const {
  Rows out;
  out.reserve(by_seq_.size() + 1);
  for (uint64_t seq = 1; seq <= by_seq_.size(); ++seq) {
    const Stored& o = by_seq_[seq - 1];
    std::string key = "o/";
    o.id.append_to(key);
    out.emplace_back(std::move(key), json(o, seq));
  }
  if (!by_seq_.empty())
    out.emplace_back("next_seq", std::to_string(by_seq_.size() + 1));
  for (const auto& [id, cents] : refunded_) {
    std::string key = "r/";
    id.append_to(key);
    out.emplace_back(std::move(key), std::to_string(cents));
  }
  for (const auto& [id, p] : payment_of_) {
    std::string key = "y/";
    id.append_to(key);
    JsonWriter w;
    w.begin_object()
        .field("payment_id", p.payment)
        .field("amount_cents", p.amount_cents)
        .field("status", kPaymentStatuses[p.status])
        .field("disputed", p.disputed)
        .end_object();
    out.emplace_back(std::move(key), w.take());
  }
  return out;
}

// Layout: format, the number of users (a reserve hint), the line names,
// then the orders in seq order (the seq is the position), all lines and all
// shipping addresses, each array as its records' bytes, then the refunds.
// The indexes are derived: load() rebuilds them.
void OrdersReadModel::save(BinaryWriter& out) const {
  size_t bytes =
      64 + by_seq_.size() * sizeof(Stored) + lines_.size() * sizeof(Line) + addresses_.size();
  for (uint32_t i = 0; i < names_.size(); ++i)
    bytes += 4 + names_[i].size();
  out.reserve(out.size() + bytes);  // one allocation: growing copies it all
  out.u32(kSnapshotFormat);
  out.count(by_user_.size());
  out.count(names_.size());
  for (uint32_t i = 0; i < names_.size(); ++i)
    out.bytes(names_[i]);
  out.pod_array(std::span<const Stored>(by_seq_));
  out.pod_array(std::span<const Line>(lines_));
  out.pod_array(std::span<const char>(addresses_));
  out.count(refunded_.size());
  for (const auto& [id, cents] : refunded_) {
    out.uuid(id);
    out.i64(cents);
  }
  out.count(payment_of_.size());
  for (const auto& [id, p] : payment_of_) {
    out.uuid(id);
    out.uuid(p.payment);
    out.i64(p.amount_cents);
    out.u8(p.status);
    out.boolean(p.disputed);
  }
}

Status OrdersReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat)
    in.fail();
  const size_t users = in.count(0);
  const size_t names = in.count(4);
  for (size_t i = 0; i < names && in.ok(); ++i)
    names_.intern(in.bytes());
  if (names_.size() != names)  // a name twice: damage
    in.fail();
  // Every slot holds an order: apply() never leaves one free, so a slot
  // with a nil id is an order placed with an unparsable id, as folded.
  in.pod_array(by_seq_);
  in.pod_array(lines_);
  in.pod_array(addresses_);
  // The bytes are from disk: every index they hold must point in range.
  for (const Stored& o : by_seq_) {
    if (!order_status_from_byte(o.status) || o.first_line > lines_.size() ||
        o.line_count > lines_.size() - o.first_line || o.address_at > addresses_.size() ||
        o.address_size > addresses_.size() - o.address_at || !valid_currency(o.currency)) {
      in.fail();
      break;
    }
  }
  for (const Line& l : lines_) {
    if (l.name >= names_.size()) {
      in.fail();
      break;
    }
  }
  if (!in.ok() || users > by_seq_.size() || !index_all(users))
    in.fail();
  const size_t refunds = in.count(kRefundBytes);
  for (size_t i = 0; i < refunds && in.ok(); ++i) {
    const Uuid id = in.uuid();
    const int64_t cents = in.i64();
    const Stored* o = find(id);
    // Refunds of orders it has, never more than their total, each once.
    if (o == nullptr || cents <= 0 || cents > o->total_cents ||
        !refunded_.emplace(id, cents).second)
      in.fail();
  }
  const size_t payments = in.count(kOrderPaymentBytes);
  for (size_t i = 0; i < payments && in.ok(); ++i) {
    const Uuid id = in.uuid();
    OrderPayment p;
    p.payment = in.uuid();
    p.amount_cents = in.i64();
    p.status = in.u8();
    p.disputed = in.boolean();
    // Payments of orders it has, with a status it knows, one per order.
    if (find(id) == nullptr || p.status >= kPaymentStatusCount ||
        !payment_of_.emplace(id, p).second)
      in.fail();
  }
  Status status = in.finish("snapshot of read model orders");
  if (!status.is_ok())
    clear();
  return status;
}

bool OrdersReadModel::index_all(size_t users) {
  if (by_seq_.size() >= OrderIndex::kNone)
    return false;
  seq_of_.reserve(by_seq_.size());
  by_user_.reserve(users);
  for (uint64_t seq = 1; seq <= by_seq_.size(); ++seq) {
    // Placement order is nearly id order (UUIDv7): mostly appends.
    if (!seq_of_.insert(by_seq_[seq - 1].id, static_cast<uint32_t>(seq - 1)))
      return false;
  }
  count_ = by_seq_.size();
  index_users_and_statuses(users);
  return true;
}

void OrdersReadModel::index_users_and_statuses(size_t users) {
  by_user_.clear();
  by_user_.reserve(users);
  for (auto& s : by_status_)
    s.clear();
  for (uint64_t seq = 1; seq <= by_seq_.size(); ++seq) {
    const Stored& o = by_seq_[seq - 1];
    by_user_[o.user_id].push_back(seq);  // seqs ascend: the lists stay sorted
    by_status_[o.status].insert(by_status_[o.status].end(), seq);  // appends in O(1)
  }
}

void OrdersReadModel::expect_events(uint64_t events) {
  by_seq_.reserve(events);  // an order is at least one event
  lines_.reserve(events);
  seq_of_.reserve(events);
  // Nobody queries a model folding from scratch: its per-user and
  // per-status lists are built once at the end, in one pass over the
  // records, rather than updated at random for every event.
  lists_deferred_ = true;
}

void OrdersReadModel::finish_fold() {
  if (!lists_deferred_)
    return;
  lists_deferred_ = false;
  index_users_and_statuses(0);
  new_epoch();  // changes were not recorded one by one
}

void OrdersReadModel::clear() {
  refunded_.clear();
  payment_of_.clear();
  by_seq_.clear();
  lines_.clear();
  addresses_.clear();
  names_.clear();
  count_ = 0;
  lists_deferred_ = false;
  seq_of_.clear();
  by_user_.clear();
  for (auto& s : by_status_)
    s.clear();
  new_epoch();
}

OrderRow OrdersReadModel::row(const Stored& o, uint64_t seq) const {
  OrderRow r;
  r.id = o.id.to_string();
  r.user_id = o.user_id.to_string();
  r.status = order_status_name(static_cast<OrderStatus>(o.status));
  r.items.reserve(o.line_count);
  for (const Line& l : lines_of(o)) {
    r.items.push_back({l.product_id.to_string(), std::string(names_[l.name]), l.unit_price_cents,
                       l.quantity, l.line_total_cents});
  }
  if (o.address_size > 0) {
    r.shipping = decode_shipping(address_of(o));
    if (!r.shipping)
      r.shipping_address = std::string(address_of(o));
  }
  if (o.currency[0] != 0)
    r.currency.assign(o.currency, 3);
  r.total_cents = o.total_cents;
  r.created_at = o.created_at;
  r.updated_at = o.updated_at;
  r.version = o.version;
  r.seq = seq;
  if (auto p = payment_of_.find(o.id); p != payment_of_.end()) {
    r.payment_status = kPaymentStatuses[p->second.status];
    r.disputed = p->second.disputed;
  }
  return r;
}

std::optional<OrderRow> OrdersReadModel::get(std::string_view id) const {
  const auto uuid = Uuid::parse(id);
  if (!uuid)
    return std::nullopt;
  ReaderLock lock(mutex_);
  const uint32_t i = seq_of_.find(*uuid);
  if (i == OrderIndex::kNone)
    return std::nullopt;
  return row(by_seq_[i], uint64_t{i} + 1);
}

OrderPage OrdersReadModel::list(std::string_view user_id, std::string_view status, int page,
                                int per_page, ListVersion* as_of) const {
  OrderPage out = OrderPage::of(page, per_page);
  if (as_of)
    *as_of = {};  // an answer refused before reading: always the same empty page
  std::optional<uint8_t> wanted;
  if (!status.empty()) {
    if (auto parsed = parse_order_status(status))
      wanted = byte_of(*parsed);
    if (!wanted)
      return out;  // no order has an unknown status
  }
  std::optional<Uuid> user;
  if (!user_id.empty()) {
    user = Uuid::parse(user_id);
    if (!user)
      return out;
  }
  ReaderLock lock(mutex_);
  if (as_of) {
    auto changed = user ? changed_at_.find(*user) : changed_at_.end();
    *as_of = {epoch_, !user ? changed_any_ : changed != changed_at_.end() ? changed->second : 0};
  }
  auto resolve = [&](uint64_t seq) {
    mutex_.assert_reader_held();  // called back under the caller's lock
    return row(by_seq_[seq - 1], seq);
  };
  if (user) {
    auto it = by_user_.find(*user);
    if (it == by_user_.end())
      return out;
    const std::vector<uint64_t>& mine = it->second;
    if (!wanted) {
      out.fill(mine.rbegin(), mine.rend(), mine.size(), resolve);
      return out;
    }
    // A user's orders are few: filter them by status, newest first.
    std::vector<uint64_t> matching;
    for (auto s = mine.rbegin(); s != mine.rend(); ++s) {
      if (by_seq_[*s - 1].status == *wanted)
        matching.push_back(*s);
    }
    out.fill(matching.begin(), matching.end(), matching.size(), resolve);
  } else if (wanted) {
    const auto& seqs = by_status_[*wanted];
    out.fill(seqs.rbegin(), seqs.rend(), seqs.size(), resolve);
  } else {
    // Every order: slots are in placement order (a nil id, an order placed
    // with an unparsable id, is skipped).
    std::vector<uint64_t> newest;
    const size_t want = out.offset() + static_cast<size_t>(out.per_page);
    for (uint64_t seq = by_seq_.size(); seq >= 1 && newest.size() < want; --seq) {
      if (!by_seq_[seq - 1].id.is_nil())
        newest.push_back(seq);
    }
    out.fill(newest.begin(), newest.end(), count_, resolve);
  }
  return out;
}

OrderStats OrdersReadModel::stats(std::string_view user_id) const {
  OrderStats s;
  const auto user = Uuid::parse(user_id);
  if (!user)
    return s;
  ReaderLock lock(mutex_);
  auto it = by_user_.find(*user);
  if (it == by_user_.end())
    return s;
  size_t* counts[] = {&s.pending_orders, &s.confirmed_orders, &s.shipped_orders,
                      &s.completed_orders, &s.cancelled_orders};
  WideCents spent = 0;  // exact however many orders; saturated when shown
  for (uint64_t seq : it->second) {
    const Stored& o = by_seq_[seq - 1];
    ++s.total_orders;
    ++*counts[o.status];
    if (is_paid(static_cast<OrderStatus>(o.status))) {
      auto r = refunded_.find(o.id);
      spent += static_cast<WideCents>(o.total_cents) - (r == refunded_.end() ? 0 : r->second);
    }
  }
  s.total_spent_cents = saturated(spent);
  return s;
}

}  // namespace orderly::projections
