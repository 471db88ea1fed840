#include "projections/catalog.h"
#include "core/text.h"

#include <algorithm>
#include <array>
#include <map>

#include "core/category.h"
#include "core/json_writer.h"
#include "core/schemas/category_events_generated.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/product_events_generated.h"

namespace orderly::projections {

namespace {

// 2: order records and lines as record arrays.
// 3: a product's category slug and images; the categories (issue 22).
constexpr uint32_t kSnapshotFormat = 3;
// The least a saved product takes, for BinaryReader::count: seven strings
// (4-byte lengths), six 8-byte numbers, a flag and an image count.
constexpr size_t kProductBytes = 7 * 4 + 6 * 8 + 1 + 4;
constexpr size_t kImageFileBytes = 2 * 4 + 8;
constexpr size_t kImageBytes = 2 * 4 + 2 * 8 + 3 * kImageFileBytes;
constexpr size_t kCategoryBytes = 3 * 4;

void image_file_json(JsonWriter& w, std::string_view key, const CatalogImageFile& f) {
  w.key(key)
      .begin_object()
      .field("hash", f.hash)
      .field("ext", f.ext)
      .field("bytes", f.bytes)
      .end_object();
}

void save_image_file(BinaryWriter& out, const CatalogImageFile& f) {
  out.bytes(f.hash);
  out.bytes(f.ext);
  out.i64(f.bytes);
}

CatalogImageFile load_image_file(BinaryReader& in) {
  CatalogImageFile f;
  f.hash = in.bytes();
  f.ext = in.bytes();
  f.bytes = in.i64();
  return f;
}

CatalogImageFile image_file_of(const events::ImageFile* f) {
  if (f == nullptr)
    return {};
  return {fb_string(f->hash()), fb_string(f->ext()), f->bytes()};
}

std::string product_row(const CatalogProduct& p) {
  JsonWriter w;
  w.begin_object()
      .field("id", p.id)
      .field("sku", p.sku)
      .field("name", p.name)
      .field("description", p.description)
      .field("currency", p.currency)
      .field("category", p.category)
      .field("category_slug", p.category_slug)
      .field("price_cents", p.price_cents)
      .field("stock", p.stock)
      .field("reserved", p.reserved)
      .field("discontinued", p.discontinued)
      .field("created_at", p.created_at)
      .field("updated_at", p.updated_at)
      .field("version", p.version)
      .key("images")
      .begin_array();
  for (const CatalogImage& i : p.images) {
    w.begin_object()
        .field("id", i.id)
        .field("alt", i.alt)
        .field("width", i.width)
        .field("height", i.height);
    image_file_json(w, "original", i.original);
    image_file_json(w, "thumb", i.thumb);
    image_file_json(w, "medium", i.medium);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string order_key(const Uuid& id) {
  std::string key = "o/";
  id.append_to(key);
  return key;
}

void save_product(BinaryWriter& out, const CatalogProduct& p) {
  out.bytes(p.id);
  out.bytes(p.sku);
  out.bytes(p.name);
  out.bytes(p.description);
  out.bytes(p.currency);
  out.bytes(p.category);
  out.i64(p.price_cents);
  out.i64(p.stock);
  out.i64(p.reserved);
  out.boolean(p.discontinued);
  out.i64(p.created_at);
  out.i64(p.updated_at);
  out.u64(p.version);
  out.bytes(p.category_slug);
  out.count(p.images.size());
  for (const CatalogImage& i : p.images) {
    out.bytes(i.id);
    out.bytes(i.alt);
    out.i64(i.width);
    out.i64(i.height);
    save_image_file(out, i.original);
    save_image_file(out, i.thumb);
    save_image_file(out, i.medium);
  }
}

CatalogProduct load_product(BinaryReader& in) {
  CatalogProduct p;
  p.id = in.bytes();
  p.sku = in.bytes();
  p.name = in.bytes();
  p.description = in.bytes();
  p.currency = in.bytes();
  p.category = in.bytes();
  p.price_cents = in.i64();
  p.stock = in.i64();
  p.reserved = in.i64();
  p.discontinued = in.boolean();
  p.created_at = in.i64();
  p.updated_at = in.i64();
  p.version = in.u64();
  p.category_slug = in.bytes();
  p.images.resize(in.count(kImageBytes));
  for (CatalogImage& i : p.images) {
    i.id = in.bytes();
    i.alt = in.bytes();
    i.width = static_cast<int32_t>(in.i64());
    i.height = static_cast<int32_t>(in.i64());
    i.original = load_image_file(in);
    i.thumb = load_image_file(in);
    i.medium = load_image_file(in);
  }
  return p;
}

// The first 16 bytes of `name` as two big-endian numbers, zero-padded.
void name_head(std::string_view name, uint64_t (&out)[2]) {
  for (size_t half = 0; half < 2; ++half) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) {
      const size_t at = half * 8 + i;
      v = (v << 8) | (at < name.size() ? static_cast<unsigned char>(name[at]) : 0u);
    }
    out[half] = v;
  }
}

}  // namespace

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> words;
  std::string w;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      w.push_back(static_cast<char>(std::tolower(u)));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty())
    words.push_back(std::move(w));
  return words;
}

void CatalogReadModel::index(Entry& e) {
  unindex(e);
  e.name_words = tokenize(e.product.name);
  e.category_words = tokenize(e.product.category);
  e.description_words = tokenize(e.product.description);
  const std::vector<std::string>* fields[] = {&e.name_words, &e.category_words,
                                              &e.description_words};
  for (uint8_t f = 0; f < 3; ++f) {
    const auto bit = static_cast<uint8_t>(1u << f);
    for (const auto& w : *fields[f]) {
      std::vector<Posting>& list = words_[w];
      if (list.empty() || list.back().slot < e.slot) {
        list.push_back({e.slot, bit});  // the usual case: products come in slot order
        continue;
      }
      auto at = std::lower_bound(list.begin(), list.end(), e.slot,
                                 [](const Posting& p, uint32_t slot) { return p.slot < slot; });
      if (at != list.end() && at->slot == e.slot)
        at->fields |= bit;
      else
        list.insert(at, {e.slot, bit});
    }
  }
}

void CatalogReadModel::unindex(const Entry& e) {
  for (const auto* words : {&e.name_words, &e.category_words, &e.description_words}) {
    for (const auto& w : *words) {
      auto it = words_.find(w);
      if (it == words_.end())
        continue;
      std::vector<Posting>& list = it->second;
      auto at = std::lower_bound(list.begin(), list.end(), e.slot,
                                 [](const Posting& p, uint32_t slot) { return p.slot < slot; });
      if (at != list.end() && at->slot == e.slot)
        list.erase(at);
      if (list.empty())
        words_.erase(it);
    }
  }
}

void CatalogReadModel::refresh_key(const Entry& e) {
  if (keys_.size() <= e.slot)
    keys_.resize(e.slot + 1);
  SortKey& k = keys_[e.slot];
  name_head(e.product.name, k.name_head);
  k.price_cents = e.product.price_cents;
  k.created_at = e.product.created_at;
  k.discontinued = e.product.discontinued;
}

bool CatalogReadModel::listed(uint32_t slot, const std::string& category,
                              const CatalogQuery& q) const {
  const SortKey& k = keys_[slot];
  if (q.status != ProductStatusFilter::kAll &&
      k.discontinued != (q.status == ProductStatusFilter::kDiscontinued))
    return false;
  if (q.min_price_cents && k.price_cents < *q.min_price_cents)
    return false;
  if (q.max_price_cents && k.price_cents > *q.max_price_cents)
    return false;
  if (!category.empty()) {
    const CatalogProduct& p = by_slot_[slot]->product;
    if (p.category_slug != category && ascii_lower(p.category) != category)
      return false;
  }
  return true;
}

CatalogProduct CatalogReadModel::with_stock(const Entry& e) const {
  CatalogProduct p = e.product;
  p.stock = stock_[e.slot].stock;
  p.reserved = stock_[e.slot].reserved;
  return p;
}

uint32_t CatalogReadModel::slot_of(const Uuid& id) const {
  if (slot_table_.empty())
    return kNoSlot;
  const size_t mask = slot_table_.size() - 1;
  for (size_t i = UuidHash{}(id)&mask;; i = (i + 1) & mask) {
    const uint32_t entry = slot_table_[i];
    if (entry == 0)
      return kNoSlot;
    if (stock_[entry - 1].id == id)
      return entry - 1;
  }
}

void CatalogReadModel::name_slot(const Uuid& id, uint32_t slot) {
  stock_[slot].id = id;
  if ((named_ + 1) * 2 <= slot_table_.size()) {
    insert_slot(slot);
    return;
  }
  // Grown (at most half full), then filled again in slot order: where two
  // slots share an id the later one wins, as it did when it was named.
  slot_table_.assign(std::max<size_t>(64, slot_table_.size() * 2), 0);
  named_ = 0;
  for (uint32_t s = 0; s < stock_.size(); ++s)
    insert_slot(s);  // (every slot is named as soon as it is made)
}

void CatalogReadModel::insert_slot(uint32_t slot) {
  const Uuid& id = stock_[slot].id;
  const size_t mask = slot_table_.size() - 1;
  for (size_t i = UuidHash{}(id)&mask;; i = (i + 1) & mask) {
    uint32_t& entry = slot_table_[i];
    if (entry == 0) {
      entry = slot + 1;
      ++named_;
      return;
    }
    if (stock_[entry - 1].id == id) {
      entry = slot + 1;  // taken over
      return;
    }
  }
}

CatalogReadModel::Entry* CatalogReadModel::product(const Uuid& id) {
  const uint32_t slot = slot_of(id);
  return slot == kNoSlot ? nullptr : by_slot_[slot];
}

void CatalogReadModel::apply(const EventView& ev) {
  const bool product_stream = ev.stream().starts_with("product-");
  auto product_named = [&](const flatbuffers::String* id)
                           REQUIRES(mutex_) { return product(fb_uuid(id)); };
  auto stamp = [&](Entry& e) REQUIRES(mutex_) {
    e.product.updated_at = ev.time_us();
    if (product_stream)
      e.product.version = ev.version();
    refresh_key(e);  // every change of a product is stamped
  };
  switch (ev.type()) {
    case EventType::kProductCreated: {
      const auto* e = ev.as<events::ProductCreated>();
      Entry entry;
      CatalogProduct& p = entry.product;
      p.id = fb_string(e->product_id());
      p.sku = fb_string(e->sku());
      p.name = fb_string(e->name());
      p.description = fb_string(e->description());
      p.currency = fb_string(e->currency());
      p.category_slug = category_of(e->category_slug(), e->category());
      p.category = categories_.find(p.category_slug)->second.name;
      p.price_cents = e->price_cents();
      p.stock = e->stock();
      p.created_at = ev.time_us();
      const std::string id = p.id;
      auto [slot, fresh] = products_.try_emplace(id);
      Entry& stored = slot->second;
      const uint32_t n = fresh ? static_cast<uint32_t>(by_slot_.size()) : stored.slot;
      if (!fresh)
        count_in_category(stored.product, -1);
      count_in_category(p, 1);
      unindex(stored);
      stored = std::move(entry);
      stored.slot = n;
      if (fresh) {
        by_slot_.push_back(&stored);
        stock_.emplace_back();
        name_slot(fb_uuid(e->product_id()), n);
      }
      stock_[n].stock = e->stock();
      stock_[n].reserved = 0;
      index(stored);  // after it has its final address
      stamp(stored);
      break;
    }
    case EventType::kProductUpdated: {
      const auto* e = ev.as<events::ProductUpdated>();
      if (Entry* p = product_named(e->product_id())) {
        if (e->name())
          p->product.name = e->name()->str();
        if (e->description())
          p->product.description = e->description()->str();
        if (e->category()) {
          count_in_category(p->product, -1);
          p->product.category_slug = category_of(e->category_slug(), e->category());
          p->product.category = categories_.find(p->product.category_slug)->second.name;
          count_in_category(p->product, 1);
        }
        index(*p);
        stamp(*p);
      }
      break;
    }
    case EventType::kProductPriceChanged: {
      const auto* e = ev.as<events::ProductPriceChanged>();
      if (Entry* p = product_named(e->product_id())) {
        p->product.price_cents = e->price_cents();
        stamp(*p);
      }
      break;
    }
    case EventType::kProductDiscontinued:
      if (Entry* p = product_named(ev.as<events::ProductDiscontinued>()->product_id())) {
        count_in_category(p->product, -1);
        p->product.discontinued = true;
        stamp(*p);
      }
      break;
    case EventType::kProductImageAdded: {
      const auto* e = ev.as<events::ProductImageAdded>();
      if (Entry* p = product_named(e->product_id())) {
        p->product.images.push_back({fb_string(e->image_id()), fb_string(e->alt()), e->width(),
                                     e->height(), image_file_of(e->original()),
                                     image_file_of(e->thumb()), image_file_of(e->medium())});
        stamp(*p);
      }
      break;
    }
    case EventType::kProductImageChanged: {
      const auto* e = ev.as<events::ProductImageChanged>();
      if (Entry* p = product_named(e->product_id())) {
        for (CatalogImage& i : p->product.images) {
          if (i.id == fb_string(e->image_id()) && e->alt())
            i.alt = e->alt()->str();
        }
        stamp(*p);
      }
      break;
    }
    case EventType::kProductImagesReordered: {
      const auto* e = ev.as<events::ProductImagesReordered>();
      if (Entry* p = product_named(e->product_id())) {
        auto& images = p->product.images;
        std::vector<CatalogImage> ordered;
        std::vector<bool> taken(images.size(), false);
        if (e->image_ids()) {
          for (const auto* id : *e->image_ids()) {
            for (size_t i = 0; i < images.size(); ++i) {
              if (!taken[i] && images[i].id == id->string_view()) {
                taken[i] = true;
                ordered.push_back(std::move(images[i]));
                break;
              }
            }
          }
        }
        for (size_t i = 0; i < images.size(); ++i) {
          if (!taken[i])
            ordered.push_back(std::move(images[i]));
        }
        images = std::move(ordered);
        stamp(*p);
      }
      break;
    }
    case EventType::kProductImageRemoved: {
      const auto* e = ev.as<events::ProductImageRemoved>();
      if (Entry* p = product_named(e->product_id())) {
        const std::string id = fb_string(e->image_id());
        std::erase_if(p->product.images, [&](const CatalogImage& i) { return i.id == id; });
        stamp(*p);
      }
      break;
    }
    case EventType::kCategoryCreated: {
      const auto* e = ev.as<events::CategoryCreated>();
      const std::string slug = fb_string(e->slug());
      auto [it, fresh] = categories_.try_emplace(slug);
      it->second.slug = slug;
      it->second.description = fb_string(e->description());
      if (fresh)
        it->second.name = fb_string(e->name());  // no product names it yet
      else
        rename_category(slug, fb_string(e->name()));
      break;
    }
    case EventType::kCategoryChanged: {
      const auto* e = ev.as<events::CategoryChanged>();
      auto it = categories_.find(fb_string(e->slug()));
      if (it == categories_.end())
        break;
      if (e->description())
        it->second.description = e->description()->str();
      if (e->name())
        rename_category(it->first, e->name()->str());
      break;
    }
    case EventType::kCategoryDeleted:
      // Its products (all discontinued: commands/category.h) keep the name.
      categories_.erase(fb_string(ev.as<events::CategoryDeleted>()->slug()));
      break;
    case EventType::kStockChanged: {
      const auto* e = ev.as<events::StockChanged>();
      if (Entry* p = product_named(e->product_id())) {
        stock_[p->slot].stock = e->stock();
        stamp(*p);
      }
      break;
    }
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      // Placed again while open: the new lines replace the old ones, as a
      // new placement.
      OpenOrder& order = orders_.place(fb_uuid(e->order_id()));
      if (e->lines()) {
        for (const auto* line : *e->lines()) {
          // A product the catalog does not know reserved nothing here, so
          // there is nothing to sell or release later either.
          const uint32_t slot = slot_of(fb_uuid(line->product_id()));
          if (slot == kNoSlot)
            continue;
          stock_[slot].reserved += line->quantity();
          orders_.add_line(order, {slot, 0, line->quantity()});
        }
      }
      break;
    }
    case EventType::kOrderConfirmed: {
      OpenOrder* order = orders_.find(fb_uuid(ev.as<events::OrderConfirmed>()->order_id()));
      if (order == nullptr || order->confirmed)
        break;
      for (const OrderLine& line : orders_.lines_of(*order)) {
        StockLevel& level = stock_[line.product_slot];
        level.reserved -= line.quantity;  // the reservation becomes a sale
        level.stock -= line.quantity;
      }
      order->confirmed = 1;
      break;
    }
    case EventType::kOrderCancelled: {
      OpenOrder* order = orders_.find(fb_uuid(ev.as<events::OrderCancelled>()->order_id()));
      if (order == nullptr)
        break;
      for (const OrderLine& line : orders_.lines_of(*order)) {
        StockLevel& level = stock_[line.product_slot];
        if (order->confirmed) {
          level.stock += line.quantity;  // sold units come back
        } else {
          level.reserved -= line.quantity;
        }
      }
      orders_.close(*order);
      break;
    }
    case EventType::kOrderShipped: {
      // Past shipping an order can no longer be cancelled: no stock effect left.
      if (OpenOrder* order = orders_.find(fb_uuid(ev.as<events::OrderShipped>()->order_id())))
        orders_.close(*order);
      break;
    }
    default:
      break;
  }
}

std::string CatalogReadModel::category_of(const flatbuffers::String* slug,
                                          const flatbuffers::String* name) {
  const std::string text = fb_string(name);
  std::string key = product_category_slug(
      slug ? slug->string_view() : "", text, [this](std::string_view at) REQUIRES(mutex_) {
        auto it = categories_.find(at);
        return it == categories_.end() ? std::nullopt : std::optional<std::string>(it->second.name);
      });
  auto [it, fresh] = categories_.try_emplace(key);
  if (fresh) {
    it->second.slug = key;
    it->second.name = text;
  }
  return key;
}

void CatalogReadModel::count_in_category(const CatalogProduct& p, int delta) {
  if (p.discontinued)
    return;
  auto it = categories_.find(p.category_slug);
  if (it != categories_.end())
    it->second.product_count += static_cast<size_t>(static_cast<int64_t>(delta));
}

// A rare admin action: every product of the category takes the new name
// (and is indexed under it).
void CatalogReadModel::rename_category(const std::string& slug, const std::string& name) {
  auto it = categories_.find(slug);
  if (it == categories_.end() || it->second.name == name)
    return;
  it->second.name = name;
  for (Entry* e : by_slot_) {
    if (e->product.category_slug == slug) {
      e->product.category = name;
      index(*e);
    }
  }
}

Rows CatalogReadModel::rows() const {
  Rows out;
  out.reserve(by_slot_.size() + orders_.live());
  for (const Entry* e : by_slot_)
    out.emplace_back("p/" + e->product.id, product_row(with_stock(*e)));
  orders_.for_each_live([&](const OpenOrder& order) {
    mutex_.assert_reader_held();  // called back under the caller's lock
    JsonWriter w(64 + 48 * order.line_count);
    w.begin_object().field("confirmed", order.confirmed != 0).key("lines").begin_array();
    for (const OrderLine& line : orders_.lines_of(order))
      w.begin_array()
          .value(by_slot_[line.product_slot]->product.id)
          .value(line.quantity)
          .end_array();
    w.end_array().end_object();
    out.emplace_back(order_key(order.id), w.take());
  });
  for (const auto& [slug, c] : categories_) {
    JsonWriter w;
    w.begin_object()
        .field("name", c.name)
        .field("description", c.description)
        .field("product_count", static_cast<uint64_t>(c.product_count))
        .end_object();
    out.emplace_back("c/" + slug, w.take());
  }
  return out;
}

// Layout: format; products in slot order; then the order records and their
// lines, each array as its records' bytes (closed records included: fewer
// than half, see close_order). The word index, the slot table and the order index
// are derived: load rebuilds them.
void CatalogReadModel::save(BinaryWriter& out) const {
  size_t bytes = 64 + orders_.saved_bytes();
  for (const Entry* e : by_slot_) {
    const CatalogProduct& p = e->product;
    bytes += kProductBytes + p.id.size() + p.sku.size() + p.name.size() + p.description.size() +
             p.currency.size() + p.category.size() + p.category_slug.size() +
             p.images.size() * (kImageBytes + 256);
  }
  out.reserve(out.size() + bytes);  // one allocation: growing copies it all
  out.u32(kSnapshotFormat);
  out.count(by_slot_.size());
  for (const Entry* e : by_slot_)
    save_product(out, with_stock(*e));
  orders_.save(out);
  out.count(categories_.size());
  for (const auto& [slug, c] : categories_) {
    out.bytes(c.slug);
    out.bytes(c.name);
    out.bytes(c.description);
  }
}

Status CatalogReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat || !load_products(in) || !load_orders(in) || !load_categories(in))
    in.fail();
  Status status = in.finish("snapshot of read model catalog");
  if (!status)
    clear();  // never half a state
  return status;
}

bool CatalogReadModel::add_product(CatalogProduct p) {
  const auto [at, fresh] = products_.try_emplace(p.id);
  if (!fresh)
    return false;
  Entry& e = at->second;
  e.slot = static_cast<uint32_t>(by_slot_.size());
  stock_.push_back({Uuid{}, p.stock, p.reserved});
  e.product = std::move(p);
  by_slot_.push_back(&e);
  // The binary id as ProductCreated computes it (fb_uuid); in slot order, a
  // later product sharing it (malformed ids are all nil) takes it over, as
  // in the fold.
  name_slot(Uuid::parse(e.product.id).value_or(Uuid{}), e.slot);
  index(e);  // the entry is at its final address
  refresh_key(e);
  return true;
}

bool CatalogReadModel::load_products(BinaryReader& in) {
  const size_t n = in.count(kProductBytes);
  products_.reserve(n);
  by_slot_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CatalogProduct p = load_product(in);
    if (!in.ok() || !add_product(std::move(p)))
      return false;  // damaged, or an id twice
  }
  return in.ok();
}

bool CatalogReadModel::load_orders(BinaryReader& in) {
  if (!orders_.load(in))
    return false;
  // The records are bytes from disk: the catalog's own fields too.
  for (const OrderLine& line : orders_.lines()) {
    if (line.product_slot >= by_slot_.size())
      return false;
  }
  for (const OpenOrder& o : orders_.records()) {
    if (o.confirmed > 1)
      return false;
  }
  return true;
}

bool CatalogReadModel::load_categories(BinaryReader& in) {
  const size_t n = in.count(kCategoryBytes);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    CategoryRow c;
    c.slug = in.bytes();
    c.name = in.bytes();
    c.description = in.bytes();
    std::string slug = c.slug;
    if (!categories_.emplace(std::move(slug), std::move(c)).second)
      return false;
  }
  // Derived: the counts of active products.
  for (const Entry* e : by_slot_)
    count_in_category(e->product, 1);
  return in.ok();
}

void CatalogReadModel::expect_events(uint64_t events) {
  orders_.reserve(events);  // an order is at least one event
}

void CatalogReadModel::clear() {
  products_.clear();
  by_slot_.clear();
  words_.clear();
  keys_.clear();
  slot_table_.clear();
  named_ = 0;
  stock_.clear();
  orders_.clear();
  categories_.clear();
}

std::optional<CatalogProduct> CatalogReadModel::get(std::string_view id) const {
  ReaderLock lock(mutex_);
  auto it = products_.find(std::string(id));
  if (it == products_.end())
    return std::nullopt;
  return with_stock(it->second);
}

namespace {

// The first entry of the ascending `list` at or after `from` whose slot is
// at least `slot` (galloping: a short list steps through a long one in
// O(short * log(long / short))).
template <typename P>
const P* seek(const P* from, const P* end, uint32_t slot) {
  size_t step = 1;
  const P* lo = from;
  while (step < static_cast<size_t>(end - lo) && lo[step].slot < slot) {
    lo += step;
    step *= 2;
  }
  const size_t span = std::min(step + 1, static_cast<size_t>(end - lo));
  return std::lower_bound(lo, lo + span, slot, [](const P& p, uint32_t s) { return p.slot < s; });
}

// The weight of a word's best field among `fields`: name 3, category 2,
// description 1 (a table: no branch on the data).
int weight_of(uint8_t fields) {
  static constexpr int kWeight[8] = {1, 3, 2, 3, 1, 3, 2, 3};
  return kWeight[fields & 7];
}

}  // namespace

void CatalogReadModel::search(const std::vector<std::string>& words, std::vector<Hit>& out) const {
  out.clear();
  // Per query word, its products ascending by slot with the weight of the
  // word's best field there. A word that is the prefix of one indexed word
  // reads that word's postings in place; of several (e.g. "grind" for
  // "grinder" and "grinding"), they are merged into scratch (per thread:
  // a query allocates nothing once warm).
  struct Weighted {
    uint32_t slot;
    int weight;
  };
  struct List {
    const Posting* postings = nullptr;  // in place, or
    size_t merged = SIZE_MAX;           // index into `scratch`
    size_t size = 0;
  };
  thread_local std::vector<std::vector<Weighted>> scratch;
  thread_local std::vector<int> best;  // by slot, 0 when not set
  const size_t n_words = std::min<size_t>(words.size(), 32);
  if (scratch.size() < n_words)
    scratch.resize(n_words);
  std::array<List, 32> lists;
  for (size_t i = 0; i < n_words; ++i) {
    auto first = words_.lower_bound(words[i]);
    auto last = first;
    size_t indexed = 0;
    while (last != words_.end() && last->first.starts_with(words[i])) {
      ++last;
      ++indexed;
    }
    if (indexed == 0)
      return;  // a word nothing holds: no product matches them all
    if (indexed == 1) {
      lists[i] = {first->second.data(), SIZE_MAX, first->second.size()};
      continue;
    }
    if (best.size() < by_slot_.size())
      best.resize(by_slot_.size());
    std::vector<Weighted>& merged = scratch[i];
    merged.clear();
    for (auto it = first; it != last; ++it) {
      for (const Posting& p : it->second) {
        int& b = best[p.slot];
        if (b == 0)
          merged.push_back({p.slot, 0});
        b = std::max(b, weight_of(p.fields));
      }
    }
    std::sort(merged.begin(), merged.end(),
              [](const Weighted& x, const Weighted& y) { return x.slot < y.slot; });
    for (Weighted& w : merged) {
      w.weight = best[w.slot];
      best[w.slot] = 0;
    }
    lists[i] = {nullptr, i, merged.size()};
  }
  // Intersect, shortest list first: the candidates only shrink.
  std::array<size_t, 32> order;
  for (size_t i = 0; i < n_words; ++i)
    order[i] = i;
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_words),
            [&](size_t x, size_t y) { return lists[x].size < lists[y].size; });
  const List& shortest = lists[order[0]];
  out.resize(shortest.size);
  if (shortest.postings != nullptr) {
    for (size_t j = 0; j < shortest.size; ++j)
      out[j] = {shortest.postings[j].slot, weight_of(shortest.postings[j].fields)};
  } else {
    const std::vector<Weighted>& m = scratch[shortest.merged];
    for (size_t j = 0; j < m.size(); ++j)
      out[j] = {m[j].slot, m[j].weight};
  }
  thread_local std::vector<Hit> next;
  for (size_t o = 1; o < n_words && !out.empty(); ++o) {
    const List& l = lists[order[o]];
    // Lists of a similar length (common words: thousands each) are merged
    // without branches to mispredict; a much longer one is galloped through.
    auto keep = [&](const auto* begin, const auto* end, auto weight) {
      const size_t n = out.size(), m = static_cast<size_t>(end - begin);
      next.resize(n);
      size_t kept = 0;
      if (m <= 16 * n) {
        for (size_t i = 0, j = 0; i < n && j < m;) {
          const uint32_t a = out[i].slot, b = begin[j].slot;
          next[kept] = {a, out[i].score + weight(begin[j])};
          kept += a == b;
          i += a <= b;
          j += b <= a;
        }
      } else {
        const auto* at = begin;
        for (const Hit& h : out) {
          at = seek(at, end, h.slot);
          if (at == end)
            break;
          if (at->slot == h.slot)
            next[kept++] = {h.slot, h.score + weight(*at)};
        }
      }
      next.resize(kept);
      out.swap(next);
    };
    if (l.postings != nullptr) {
      keep(l.postings, l.postings + l.size, [](const Posting& p) { return weight_of(p.fields); });
    } else {
      const std::vector<Weighted>& m = scratch[l.merged];
      keep(m.data(), m.data() + m.size(), [](const Weighted& w) { return w.weight; });
    }
  }
}

CatalogPage CatalogReadModel::list(const CatalogQuery& q) const {
  const std::vector<std::string> words = tokenize(q.q);
  const std::string category = ascii_lower(q.category);
  thread_local std::vector<Hit> hits;  // per thread: a query allocates nothing once warm
  CatalogPage page = CatalogPage::of(q.page, q.per_page);
  ReaderLock lock(mutex_);
  // With words: scored straight from the index. A word's best field counts
  // (name 3, category 2, description 1); every query word must match.
  if (!words.empty()) {
    search(words, hits);
    std::erase_if(hits, [&](const Hit& h) {
      mutex_.assert_reader_held();  // called back under this function's lock
      return !listed(h.slot, category, q);
    });
  } else {
    hits.clear();
    hits.reserve(by_slot_.size());
    for (uint32_t slot = 0; slot < by_slot_.size(); ++slot) {
      if (listed(slot, category, q))
        hits.push_back({slot, 0});
    }
  }
  const std::string sort = !q.sort.empty() ? q.sort : words.empty() ? "-created_at" : "relevance";
  // Comparisons read the compact keys; names and ids only on ties.
  const SortKey* keys = keys_.data();
  auto by_name = [&](const Hit& a, const Hit& b) {
    mutex_.assert_reader_held();  // called back under this function's lock
    const SortKey& ka = keys[a.slot];
    const SortKey& kb = keys[b.slot];
    if (ka.name_head[0] != kb.name_head[0])
      return ka.name_head[0] < kb.name_head[0];
    if (ka.name_head[1] != kb.name_head[1])
      return ka.name_head[1] < kb.name_head[1];
    const CatalogProduct& pa = by_slot_[a.slot]->product;
    const CatalogProduct& pb = by_slot_[b.slot]->product;
    return pa.name != pb.name ? pa.name < pb.name : pa.id < pb.id;
  };
  page.total = hits.size();
  const size_t begin = std::min(hits.size(), page.offset());
  const size_t end = std::min(hits.size(), begin + static_cast<size_t>(page.per_page));
  // Concrete comparators (no std::function): the sort inlines them.
  auto top = [&](auto less) {
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                      less);
  };
  if (sort == "price") {
    top([&](const Hit& a, const Hit& b) {
      const int64_t pa = keys[a.slot].price_cents, pb = keys[b.slot].price_cents;
      return pa != pb ? pa < pb : by_name(a, b);
    });
  } else if (sort == "-price") {
    top([&](const Hit& a, const Hit& b) {
      const int64_t pa = keys[a.slot].price_cents, pb = keys[b.slot].price_cents;
      return pa != pb ? pa > pb : by_name(a, b);
    });
  } else if (sort == "name") {
    top(by_name);
  } else if (sort == "relevance") {
    top([&](const Hit& a, const Hit& b) {
      return a.score != b.score ? a.score > b.score : by_name(a, b);
    });
  } else {  // -created_at (ids are time-ordered, so they break ties in the same order)
    top([&](const Hit& a, const Hit& b) {
      mutex_.assert_reader_held();  // called back under this function's lock
      const TimestampUs ta = keys[a.slot].created_at, tb = keys[b.slot].created_at;
      return ta != tb ? ta > tb : by_slot_[a.slot]->product.id > by_slot_[b.slot]->product.id;
    });
  }
  page.items.reserve(end - begin);
  for (size_t i = begin; i < end; ++i)
    page.items.push_back(with_stock(*by_slot_[hits[i].slot]));
  return page;
}

std::vector<CategoryRow> CatalogReadModel::categories() const {
  std::vector<CategoryRow> out;
  {
    ReaderLock lock(mutex_);
    out.reserve(categories_.size());
    for (const auto& [slug, c] : categories_)
      out.push_back(c);
  }
  std::sort(out.begin(), out.end(), [](const CategoryRow& a, const CategoryRow& b) {
    return a.name != b.name ? a.name < b.name : a.slug < b.slug;
  });
  return out;
}

std::optional<CategoryRow> CatalogReadModel::category(std::string_view slug) const {
  ReaderLock lock(mutex_);
  auto it = categories_.find(slug);
  if (it == categories_.end())
    return std::nullopt;
  return it->second;
}

std::vector<CatalogProduct> CatalogReadModel::low_stock(int64_t threshold, size_t limit) const {
  std::vector<CatalogProduct> out;
  {
    ReaderLock lock(mutex_);
    for (const auto& [id, e] : products_) {
      if (!e.product.discontinued && stock_[e.slot].stock - stock_[e.slot].reserved <= threshold)
        out.push_back(with_stock(e));
    }
  }
  std::sort(out.begin(), out.end(), [](const CatalogProduct& a, const CatalogProduct& b) {
    return a.available() != b.available() ? a.available() < b.available() : a.name < b.name;
  });
  if (out.size() > limit)
    out.resize(limit);
  return out;
}

}  // namespace orderly::projections
