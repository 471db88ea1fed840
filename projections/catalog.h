// The catalog read model: what GET /api/products, /api/products/{id} and
// /api/categories answer from.
//
// Stock follows the product events and the order events that reserve,
// sell and release it (commands/product.h), so `reserved` and `available`
// are exact as of the model's position. Search is tokenised and
// case-insensitive: every query word must prefix-match a word of the name,
// category or description; name matches rank above category matches above
// description matches.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/uuid.h"
#include "projections/order_records.h"
#include "projections/page.h"
#include "projections/projection.h"

namespace orderly::projections {

// One stored file of an image ("<hash>.<ext>" in the image store).
struct CatalogImageFile {
  std::string hash, ext;
  int64_t bytes = 0;
  std::string name() const { return hash + "." + ext; }
  bool operator==(const CatalogImageFile&) const = default;
};

struct CatalogImage {
  std::string id, alt;
  int32_t width = 0, height = 0;
  CatalogImageFile original, thumb, medium;
  bool operator==(const CatalogImage&) const = default;
};

struct CatalogProduct {
  // `category` is its category's name now (renames follow), `category_slug`
  // its key (core/category.h).
  std::string id, sku, name, description, currency, category, category_slug;
  std::vector<CatalogImage> images;  // in the order shown
  int64_t price_cents = 0;
  int64_t stock = 0;
  int64_t reserved = 0;
  bool discontinued = false;
  TimestampUs created_at = 0;
  TimestampUs updated_at = 0;
  uint64_t version = 0;
  int64_t available() const { return stock - reserved; }
};

// Which products a list shows: the storefront's active ones by default;
// discontinued ones (and both) are for admins (GET /api/products?status=).
enum class ProductStatusFilter { kActive, kDiscontinued, kAll };

struct CatalogQuery {
  ProductStatusFilter status = ProductStatusFilter::kActive;
  std::string category;  // a slug, or a name (case-insensitive)
  std::optional<int64_t> min_price_cents, max_price_cents;
  std::string q;     // search words
  std::string sort;  // "price" | "-price" | "name" | "-created_at"; default: relevance with q, else
                     // -created_at
  int page = 1;
  int per_page = 20;
};

using CatalogPage = Page<CatalogProduct>;

// A category and how many active products it has.
struct CategoryRow {
  std::string slug, name, description;
  size_t product_count = 0;
  bool operator==(const CategoryRow&) const = default;
};

// Splits into lower-case words of letters and digits (ASCII folded; other
// UTF-8 bytes are kept as word characters).
std::vector<std::string> tokenize(std::string_view text);

class CatalogReadModel final : public Projection {
 public:
  std::string_view name() const override { return "catalog"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);
  void expect_events(uint64_t events) override REQUIRES(mutex_);

  // Queries (take the shared lock themselves). Discontinued products are
  // found by id, and listed only when the query's status asks for them.
  std::optional<CatalogProduct> get(std::string_view id) const;
  CatalogPage list(const CatalogQuery& query) const;
  // Every category, by name (then slug).
  std::vector<CategoryRow> categories() const;
  std::optional<CategoryRow> category(std::string_view slug) const;
  // Active products with at most `threshold` available, fewest first (the
  // dashboard's low stock).
  std::vector<CatalogProduct> low_stock(int64_t threshold, size_t limit) const;

 private:
  // An order whose stock effects are not over yet, as a plain record (a
  // rebuild folds millions: no allocation per order, and the snapshot is
  // the records' bytes). Its lines name products by slot.
  struct OpenOrder {
    Uuid id;
    uint32_t first_line = 0, line_count = 0;  // see OrderRecords
    uint8_t confirmed = 0;
    uint8_t live = 1;  // 0: cancelled or shipped
    uint8_t unused[6] = {};
  };
  struct OrderLine {
    uint32_t product_slot = 0;
    uint32_t unused = 0;
    int64_t quantity = 0;
  };
  struct StockLevel {
    Uuid id;  // the binary id order events name the product by
    int64_t stock = 0, reserved = 0;
  };
  struct Entry {
    uint32_t slot = 0;       // dense number, for per-query scratch arrays
    CatalogProduct product;  // its stock and reserved are in stock_[slot]
    std::vector<std::string> name_words, category_words, description_words;
  };
  // What lists filter and sort on, by slot, apart from the entries: a
  // search compares hundreds of hits, and reaching each one's entry (and
  // its name's heap block) was two cache misses a comparison.
  struct SortKey {
    // The name's first 16 bytes, big-endian, zero-padded: keys that differ
    // order as the names do; equal keys fall back to the names.
    uint64_t name_head[2] = {};
    int64_t price_cents = 0;
    TimestampUs created_at = 0;
    bool discontinued = false;
  };
  // A word's products, ascending by slot, with the fields it occurs in
  // (kInName | kInCategory | kInDescription).
  struct Posting {
    uint32_t slot = 0;
    uint8_t fields = 0;
  };
  void refresh_key(const Entry& e) REQUIRES(mutex_);
  // Whether a list shows the product in `slot` (see CatalogQuery); `category`
  // lower-cased, "" for any.
  bool listed(uint32_t slot, const std::string& category, const CatalogQuery& q) const
      REQUIRES_SHARED(mutex_);
  // The products matching every word (a prefix of a word of the name,
  // category or description), with their scores, ascending by slot, into
  // `out` (cleared first).
  struct Hit {
    uint32_t slot;
    int score;
  };
  void search(const std::vector<std::string>& words, std::vector<Hit>& out) const
      REQUIRES_SHARED(mutex_);
  void index(Entry& e) REQUIRES(mutex_);
  void unindex(const Entry& e) REQUIRES(mutex_);
  Entry* product(const Uuid& id) REQUIRES(mutex_);
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  // The slot of the product named by binary `id`, or kNoSlot.
  uint32_t slot_of(const Uuid& id) const REQUIRES_SHARED(mutex_);
  // Makes `id` name `slot` (REQUIRES: slot < stock_.size()); a later
  // product with the same binary id (malformed ids are all nil) takes it over.
  void name_slot(const Uuid& id, uint32_t slot) REQUIRES(mutex_);
  void insert_slot(uint32_t slot) REQUIRES(mutex_);
  // The product as queries and snapshots show it: with its stock levels.
  CatalogProduct with_stock(const Entry& e) const REQUIRES_SHARED(mutex_);
  // Adds a product under the next slot (load: the snapshot lists them in
  // slot order). False when its id is already there.
  bool add_product(CatalogProduct p) REQUIRES(mutex_);
  bool load_products(BinaryReader& in) REQUIRES(mutex_);
  bool load_categories(BinaryReader& in) REQUIRES(mutex_);
  // The category a product event names (slug, else slugify(name): logs
  // from before categories were things), made when no event made it.
  std::string category_of(const flatbuffers::String* slug, const flatbuffers::String* name)
      REQUIRES(mutex_);
  void count_in_category(const CatalogProduct& p, int delta) REQUIRES(mutex_);
  void rename_category(const std::string& slug, const std::string& name) REQUIRES(mutex_);
  bool load_orders(BinaryReader& in) REQUIRES(mutex_);

  std::unordered_map<std::string, Entry> products_ GUARDED_BY(mutex_);
  std::vector<Entry*> by_slot_ GUARDED_BY(mutex_);  // products are never erased
  // Stock levels by slot, apart from the entries: every order event touches
  // them, and 32 bytes a product stay in cache where whole entries do not.
  std::vector<StockLevel> stock_ GUARDED_BY(mutex_);
  std::vector<SortKey> keys_ GUARDED_BY(mutex_);  // by slot
  // Every word of every product -> the products holding it, by slot: a
  // query word is a prefix range of this sorted map, so search never scans
  // all products. A posting says in which fields the word occurs, so a
  // search scores products straight from the index. Postings are sorted
  // slot arrays: a search of several words intersects them, starting from
  // the shortest, in a few microseconds where probing a hash map per
  // posting of a common word (thousands of them) took tens.
  std::map<std::string, std::vector<Posting>, std::less<>> words_ GUARDED_BY(mutex_);
  // Order events name products by binary id: one lookup per line, in an
  // open-addressing table of slot + 1 (0: empty) whose ids are checked in
  // stock_[slot], the line the event updates anyway. At 4 bytes an entry the
  // table stays in cache where a map of 24-byte entries did not.
  std::vector<uint32_t> slot_table_ GUARDED_BY(mutex_);
  size_t named_ GUARDED_BY(mutex_) = 0;                           // entries in slot_table_
  OrderRecords<OpenOrder, OrderLine> orders_ GUARDED_BY(mutex_);  // open orders
  // By slug. product_count is derived from the products (recounted at load).
  std::map<std::string, CategoryRow, std::less<>> categories_ GUARDED_BY(mutex_);
};

}  // namespace orderly::projections
