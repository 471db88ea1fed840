#include "projections/catalog.h"
#include "core/text.h"

#include <algorithm>
#include <map>

#include "core/json_writer.h"
#include "core/schemas/order_events_generated.h"
#include "core/schemas/product_events_generated.h"

namespace orderly::projections {

namespace {

constexpr uint32_t kSnapshotFormat = 1;
// The least a snapshot element takes, for BinaryReader::count: a product is
// six strings (4-byte lengths), six 8-byte numbers and a flag; an order is
// its id, a flag and a line count; a line is a product id and a quantity.
constexpr size_t kProductBytes = 6 * 4 + 6 * 8 + 1;
constexpr size_t kOrderBytes = 16 + 1 + 4;
constexpr size_t kLineBytes = 16 + 8;

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

CatalogReadModel::Entry* CatalogReadModel::product(const Uuid& id) {
  auto it = slot_of_.find(id);
  return it == slot_of_.end() ? nullptr : by_slot_[it->second];
}

void CatalogReadModel::apply(const EventView& ev) {
  const bool product_stream = ev.stream().starts_with("product-");
  auto product_named = [&](const flatbuffers::String* id) { return product(fb_uuid(id)); };
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
        slot_of_[fb_uuid(e->product_id())] = n;
      }
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
        p->product.stock = e->stock();
        stamp(*p);
      }
      break;
    }
    case EventType::kOrderPlaced: {
      const auto* e = ev.as<events::OrderPlaced>();
      OpenOrder order;
      if (e->lines()) {
        order.lines.reserve(e->lines()->size());
        for (const auto* line : *e->lines()) {
          const Uuid pid = fb_uuid(line->product_id());
          order.lines.emplace_back(pid, line->quantity());
          if (Entry* p = product(pid))
            p->product.reserved += line->quantity();
        }
      }
      orders_[fb_uuid(e->order_id())] = std::move(order);
      break;
    }
    case EventType::kOrderConfirmed: {
      const Uuid id = fb_uuid(ev.as<events::OrderConfirmed>()->order_id());
      auto it = orders_.find(id);
      if (it == orders_.end() || it->second.confirmed)
        break;
      for (const auto& [pid, qty] : it->second.lines) {
        if (Entry* p = product(pid)) {
          p->product.reserved -= qty;  // the reservation becomes a sale
          p->product.stock -= qty;
        }
      }
      it->second.confirmed = true;
      break;
    }
    case EventType::kOrderCancelled: {
      const Uuid id = fb_uuid(ev.as<events::OrderCancelled>()->order_id());
      auto it = orders_.find(id);
      if (it == orders_.end())
        break;
      for (const auto& [pid, qty] : it->second.lines) {
        if (Entry* p = product(pid)) {
          if (it->second.confirmed) {
            p->product.stock += qty;  // sold units come back
          } else {
            p->product.reserved -= qty;
          }
        }
      }
      orders_.erase(it);
      break;
    }
    case EventType::kOrderShipped: {
      // Past shipping an order can no longer be cancelled: no stock effect left.
      orders_.erase(fb_uuid(ev.as<events::OrderShipped>()->order_id()));
      break;
    }
    default:
      break;
  }
}

Rows CatalogReadModel::rows() const {
  Rows out;
  out.reserve(by_slot_.size() + orders_.size());
  for (const Entry* e : by_slot_)
    out.emplace_back("p/" + e->product.id, product_row(e->product));
  for (const auto& [id, order] : orders_) {
    JsonWriter w(64 + 48 * order.lines.size());
    w.begin_object().field("confirmed", order.confirmed).key("lines").begin_array();
    for (const auto& [pid, qty] : order.lines)
      w.begin_array().value(pid).value(qty).end_array();
    w.end_array().end_object();
    out.emplace_back(order_key(id), w.take());
  }
  return out;
}

// Layout: format; products in slot order; open orders, each with its lines.
// The word index and slot_of_ are derived: load rebuilds them.
void CatalogReadModel::save(BinaryWriter& out) const {
  // One allocation for the millions of open orders: sizing it is a pass
  // over their headers, far cheaper than regrowing the output.
  size_t bytes = 4 + 4 + 4 + kOrderBytes * orders_.size();
  for (const Entry* e : by_slot_) {
    const CatalogProduct& p = e->product;
    bytes += kProductBytes + p.id.size() + p.sku.size() + p.name.size() + p.description.size() +
             p.currency.size() + p.category.size();
  }
  for (const auto& [id, order] : orders_)
    bytes += kLineBytes * order.lines.size();
  out.reserve(out.size() + bytes);

  out.u32(kSnapshotFormat);
  out.count(by_slot_.size());
  for (const Entry* e : by_slot_)
    save_product(out, e->product);
  out.count(orders_.size());
  for (const auto& [id, order] : orders_) {
    out.uuid(id);
    out.boolean(order.confirmed);
    out.count(order.lines.size());
    for (const auto& [pid, qty] : order.lines) {
      out.uuid(pid);
      out.i64(qty);
    }
  }
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
  e.product = std::move(p);
  by_slot_.push_back(&e);
  // The binary id as ProductCreated computes it (fb_uuid); in slot order, a
  // later product sharing it (malformed ids are all nil) takes it over, as
  // in the fold.
  slot_of_[Uuid::parse(e.product.id).value_or(Uuid{})] = e.slot;
  index(e);  // the entry is at its final address
  return true;
}

bool CatalogReadModel::load_products(BinaryReader& in) {
  const size_t n = in.count(kProductBytes);
  products_.reserve(n);
  by_slot_.reserve(n);
  slot_of_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CatalogProduct p = load_product(in);
    if (!in.ok() || !add_product(std::move(p)))
      return false;  // damaged, or an id twice
  }
  return in.ok();
}

bool CatalogReadModel::load_orders(BinaryReader& in) {
  const size_t n = in.count(kOrderBytes);
  orders_.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    // Read straight into the map's slot: no temporary order to move.
    const auto [at, fresh] = orders_.try_emplace(in.uuid());
    if (!fresh)
      return false;  // an order twice
    OpenOrder& order = at->second;
    order.confirmed = in.boolean();
    const size_t lines = in.count(kLineBytes);
    order.lines.reserve(lines);
    for (size_t j = 0; j < lines; ++j) {
      const Uuid pid = in.uuid();  // sequenced: argument order is unspecified
      const int64_t qty = in.i64();
      order.lines.emplace_back(pid, qty);
    }
  }
  return in.ok();
}

void CatalogReadModel::clear() {
  products_.clear();
  by_slot_.clear();
  words_.clear();
  slot_of_.clear();
  orders_.clear();
}

std::optional<CatalogProduct> CatalogReadModel::get(std::string_view id) const {
  std::shared_lock lock(mutex());
  auto it = products_.find(std::string(id));
  if (it == products_.end())
    return std::nullopt;
  return it->second.product;
}

CatalogPage CatalogReadModel::list(const CatalogQuery& q) const {
  const std::vector<std::string> words = tokenize(q.q);
  const std::string category = ascii_lower(q.category);
  struct Hit {
    const CatalogProduct* p;
    int score;
  };
  std::vector<Hit> hits;
  {
    std::shared_lock lock(mutex());
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
        if (!match || p.discontinued)
          continue;
        if (!category.empty() && ascii_lower(p.category) != category)
          continue;
        if (q.min_price_cents && p.price_cents < *q.min_price_cents)
          continue;
        if (q.max_price_cents && p.price_cents > *q.max_price_cents)
          continue;
        hits.push_back({&p, score});
      }
    } else {
      hits.reserve(products_.size());
      for (const auto& [id, e] : products_) {
        const CatalogProduct& p = e.product;
        if (p.discontinued)
          continue;
        if (!category.empty() && ascii_lower(p.category) != category)
          continue;
        if (q.min_price_cents && p.price_cents < *q.min_price_cents)
          continue;
        if (q.max_price_cents && p.price_cents > *q.max_price_cents)
          continue;
        hits.push_back({&p, 0});
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
      page.items.push_back(*hits[i].p);
    return page;
  }
}

std::vector<CategoryCount> CatalogReadModel::categories() const {
  std::map<std::string, size_t> counts;
  {
    std::shared_lock lock(mutex());
    for (const auto& [id, e] : products_) {
      if (!e.product.discontinued)
        ++counts[e.product.category];
    }
  }
  std::vector<CategoryCount> out;
  for (auto& [name, n] : counts)
    out.push_back({name, n});
  return out;
}

std::vector<CatalogProduct> CatalogReadModel::low_stock(int64_t threshold, size_t limit) const {
  std::vector<CatalogProduct> out;
  {
    std::shared_lock lock(mutex());
    for (const auto& [id, e] : products_) {
      if (!e.product.discontinued && e.product.available() <= threshold)
        out.push_back(e.product);
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
