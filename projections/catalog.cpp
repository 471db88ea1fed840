#include "projections/catalog.h"
#include "core/text.h"

#include <algorithm>
#include <map>

#include "core/json_writer.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/product_events_generated.h"

namespace orderly::projections {

namespace {

// 2: order records and lines as record arrays.
constexpr uint32_t kSnapshotFormat = 2;
// The least a saved product takes, for BinaryReader::count: six strings
// (4-byte lengths), six 8-byte numbers and a flag.
constexpr size_t kProductBytes = 6 * 4 + 6 * 8 + 1;

std::string product_row(const CatalogProduct& p) {
  JsonWriter w;
  w.begin_object()
      .field("id", p.id)
      .field("sku", p.sku)
      .field("name", p.name)
      .field("description", p.description)
      .field("currency", p.currency)
      .field("category", p.category)
      .field("price_cents", p.price_cents)
      .field("stock", p.stock)
      .field("reserved", p.reserved)
      .field("discontinued", p.discontinued)
      .field("created_at", p.created_at)
      .field("updated_at", p.updated_at)
      .field("version", p.version)
      .end_object();
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
  return p;
}

// Whether a query lists `p`: of the status it asks for, in its category
// (`category` lower-cased; "" any) and within its price bounds.
bool listed(const CatalogProduct& p, const std::string& category, const CatalogQuery& q) {
  if (q.status != ProductStatusFilter::kAll &&
      p.discontinued != (q.status == ProductStatusFilter::kDiscontinued))
    return false;
  if (!category.empty() && ascii_lower(p.category) != category)
    return false;
  if (q.min_price_cents && p.price_cents < *q.min_price_cents)
    return false;
  if (q.max_price_cents && p.price_cents > *q.max_price_cents)
    return false;
  return true;
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
    for (const auto& w : *fields[f])
      words_[w][&e] |= static_cast<uint8_t>(1u << f);
  }
}

void CatalogReadModel::unindex(const Entry& e) {
  for (const auto* words : {&e.name_words, &e.category_words, &e.description_words}) {
    for (const auto& w : *words) {
      auto it = words_.find(w);
      if (it == words_.end())
        continue;
      it->second.erase(&e);
      if (it->second.empty())
        words_.erase(it);
    }
  }
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
  auto stamp = [&](Entry& e) {
    e.product.updated_at = ev.time_us();
    if (product_stream)
      e.product.version = ev.version();
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
      p.category = fb_string(e->category());
      p.price_cents = e->price_cents();
      p.stock = e->stock();
      p.created_at = ev.time_us();
      const std::string id = p.id;
      auto [slot, fresh] = products_.try_emplace(id);
      Entry& stored = slot->second;
      const uint32_t n = fresh ? static_cast<uint32_t>(by_slot_.size()) : stored.slot;
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
        if (e->category())
          p->product.category = e->category()->str();
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
        p->product.discontinued = true;
        stamp(*p);
      }
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
             p.currency.size() + p.category.size();
  }
  out.reserve(out.size() + bytes);  // one allocation: growing copies it all
  out.u32(kSnapshotFormat);
  out.count(by_slot_.size());
  for (const Entry* e : by_slot_)
    save_product(out, with_stock(*e));
  orders_.save(out);
}

Status CatalogReadModel::load(BinaryReader& in) {
  clear();
  if (in.u32() != kSnapshotFormat || !load_products(in) || !load_orders(in))
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

void CatalogReadModel::expect_events(uint64_t events) {
  orders_.reserve(events);  // an order is at least one event
}

void CatalogReadModel::clear() {
  products_.clear();
  by_slot_.clear();
  words_.clear();
  slot_table_.clear();
  named_ = 0;
  stock_.clear();
  orders_.clear();
}

std::optional<CatalogProduct> CatalogReadModel::get(std::string_view id) const {
  ReaderLock lock(mutex_);
  auto it = products_.find(std::string(id));
  if (it == products_.end())
    return std::nullopt;
  return with_stock(it->second);
}

CatalogPage CatalogReadModel::list(const CatalogQuery& q) const {
  const std::vector<std::string> words = tokenize(q.q);
  const std::string category = ascii_lower(q.category);
  struct Hit {
    const CatalogProduct* p;
    int score;
    uint32_t slot;
  };
  std::vector<Hit> hits;
  {
    ReaderLock lock(mutex_);
    // With words: score straight from the index. A word's best field counts
    // (name 3, category 2, description 1); every query word must match.
    if (!words.empty()) {
      // Per-thread scratch, indexed by product slot: a query allocates
      // nothing, however fragmented the heap of a big engine is.
      thread_local std::vector<uint32_t> matched;  // bit i: query word i matched
      thread_local std::vector<int> total, best;
      thread_local std::vector<uint32_t> seen, this_word;
      if (matched.size() < by_slot_.size()) {
        matched.resize(by_slot_.size());
        total.resize(by_slot_.size());
        best.resize(by_slot_.size());
      }
      seen.clear();
      const size_t n_words = std::min<size_t>(words.size(), 32);
      for (size_t i = 0; i < n_words; ++i) {
        const uint32_t before = (1u << i) - 1;  // every earlier word matched
        this_word.clear();
        for (auto it = words_.lower_bound(words[i]);
             it != words_.end() && it->first.starts_with(words[i]); ++it) {
          for (const auto& [entry, fields] : it->second) {
            const uint32_t k = entry->slot;
            if (matched[k] != before)
              continue;
            const int weight = (fields & 1) ? 3 : (fields & 2) ? 2 : 1;
            if (best[k] == 0)
              this_word.push_back(k);
            best[k] = std::max(best[k], weight);
          }
        }
        for (uint32_t k : this_word) {
          if (i == 0)
            seen.push_back(k);
          matched[k] |= 1u << i;
          total[k] += best[k];
          best[k] = 0;
        }
      }
      const uint32_t all = n_words == 32 ? 0xffffffffu : (1u << n_words) - 1;
      hits.reserve(seen.size());
      for (uint32_t k : seen) {
        const CatalogProduct& p = by_slot_[k]->product;
        const bool match = matched[k] == all;
        const int score = total[k];
        matched[k] = 0;
        total[k] = 0;
        if (match && listed(p, category, q))
          hits.push_back({&p, score, k});
      }
    } else {
      hits.reserve(products_.size());
      for (const auto& [id, e] : products_) {
        if (listed(e.product, category, q))
          hits.push_back({&e.product, 0, e.slot});
      }
    }
    const std::string sort = !q.sort.empty() ? q.sort : words.empty() ? "-created_at" : "relevance";
    auto by_name = [](const Hit& a, const Hit& b) {
      return a.p->name != b.p->name ? a.p->name < b.p->name : a.p->id < b.p->id;
    };
    CatalogPage page = CatalogPage::of(q.page, q.per_page);
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
        return a.p->price_cents != b.p->price_cents ? a.p->price_cents < b.p->price_cents
                                                    : by_name(a, b);
      });
    } else if (sort == "-price") {
      top([&](const Hit& a, const Hit& b) {
        return a.p->price_cents != b.p->price_cents ? a.p->price_cents > b.p->price_cents
                                                    : by_name(a, b);
      });
    } else if (sort == "name") {
      top(by_name);
    } else if (sort == "relevance") {
      top([&](const Hit& a, const Hit& b) {
        return a.score != b.score ? a.score > b.score : by_name(a, b);
      });
    } else {  // -created_at (ids are time-ordered, so they break ties in the same order)
      top([](const Hit& a, const Hit& b) {
        return a.p->created_at != b.p->created_at ? a.p->created_at > b.p->created_at
                                                  : a.p->id > b.p->id;
      });
    }
    for (size_t i = begin; i < end; ++i)
      page.items.push_back(with_stock(*by_slot_[hits[i].slot]));
    return page;
  }
}

std::vector<CategoryCount> CatalogReadModel::categories() const {
  std::map<std::string, size_t> counts;
  {
    ReaderLock lock(mutex_);
    for (const auto& [id, e] : products_) {
      if (!e.product.discontinued)
        ++counts[e.product.category];
    }
  }
  std::vector<CategoryCount> out;
  out.reserve(counts.size());
  for (auto& [name, n] : counts)
    out.push_back({name, n});
  return out;
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
