// Product: the catalog entry and its stock.
//
// Invariant: 0 <= reserved <= stock, so available = stock - reserved >= 0.
// Reservations are not product events: an order's OrderPlaced reserves its
// lines, OrderConfirmed commits them (they leave stock), OrderCancelled
// releases them (or restocks them if they had been committed). One event per
// decision keeps a 3-line order at one log entry; the rules are here.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/category.h"
#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/input_limits.h"
#include "commands/uuid_map.h"
#include "core/status.h"

namespace orderly::events {
struct ProductCreated;
struct ProductUpdated;
struct ProductPriceChanged;
struct StockChanged;
struct ProductImageAdded;
struct ProductImageChanged;
struct ProductImagesReordered;
struct ProductImageRemoved;
}  // namespace orderly::events

namespace orderly::commands {

struct ProductImageRef {
  Uuid id;
  std::string original_hash;  // the same original is not added twice
};

struct ProductState {
  std::string name;  // snapshotted into orders, with the price
  std::string sku;
  std::string currency;  // orders refuse a product in another than the shop's
  int64_t price_cents = 0;
  int64_t stock = 0;
  int64_t reserved = 0;
  uint64_t version = 0;
  bool discontinued = false;
  Uuid category;  // category_id(slug) (core/category.h)
  std::vector<ProductImageRef> images;

  int64_t available() const { return stock - reserved; }
};

using ProductMap = BigUuidMap<ProductState>;

// --- decide: validate and emit; no state is changed here ---
// `existing` is null when no product has that id; `sku_taken` tells whether
// another product already uses the command's SKU.
// An empty `currency` in the command means the shop's; another is refused.
Status decide_create_product(const ProductState* existing, bool sku_taken,
                             std::string_view shop_currency, const Categories& categories,
                             const CreateProduct& c, const CommandMeta& meta, EventSink& out);
Status decide_update_product(const ProductState* p, const Categories& categories,
                             const UpdateProduct& c, const CommandMeta& meta, EventSink& out);
Status decide_add_product_image(const ProductState* p, const AddProductImage& c,
                                const CommandMeta& meta, EventSink& out);
Status decide_change_product_image(const ProductState* p, const ChangeProductImage& c,
                                   const CommandMeta& meta, EventSink& out);
Status decide_remove_product_image(const ProductState* p, const RemoveProductImage& c,
                                   const CommandMeta& meta, EventSink& out);
Status decide_discontinue_product(const ProductState* p, const DiscontinueProduct& c,
                                  const CommandMeta& meta, EventSink& out);
Status decide_set_stock(const ProductState* p, const SetStock& c, const CommandMeta& meta,
                        EventSink& out);
Status decide_adjust_stock(const ProductState* p, const AdjustStock& c, const CommandMeta& meta,
                           EventSink& out);

// Whether `quantity` more units can be reserved; the reason when not.
Status check_reservable(const ProductState* p, int64_t quantity);

// --- evolve: assign only, never validate ---
void evolve(ProductState& p, const events::ProductCreated& e);
void evolve(ProductState& p, const events::ProductUpdated& e);
void evolve(ProductState& p, const events::ProductPriceChanged& e);
void evolve_discontinued(ProductState& p);
void evolve(ProductState& p, const events::StockChanged& e);
void evolve(ProductState& p, const events::ProductImageAdded& e);
void evolve(ProductState& p, const events::ProductImagesReordered& e);
void evolve(ProductState& p, const events::ProductImageRemoved& e);
// The order side of stock (see the header comment).
void reserve(ProductState& p, int64_t quantity);
void release(ProductState& p, int64_t quantity);
void commit_reservation(ProductState& p, int64_t quantity);
void restock(ProductState& p, int64_t quantity);

}  // namespace orderly::commands
