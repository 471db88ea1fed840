// The carts read model: GET /api/cart answers from it. Each line keeps the
// unit price it was added at (the price the customer agreed to); names and
// current prices are joined from the catalog at query time, so the cart can
// show a price that changed since.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <string>
#include <utility>
#include <vector>

#include "core/uuid.h"
#include "projections/projection.h"

namespace orderly::projections {

struct CartLine {
  std::string product_id;
  int64_t quantity = 0;
  int64_t unit_price_cents = -1;  // when added; -1: added before carts kept prices
};

class CartsReadModel final : public Projection {
 public:
  std::string_view name() const override { return "carts"; }
  void apply(const EventView& event) override REQUIRES(mutex_);
  Rows rows() const override REQUIRES_SHARED(mutex_);
  void save(BinaryWriter& out) const override REQUIRES_SHARED(mutex_);
  Status load(BinaryReader& in) override REQUIRES(mutex_);
  void clear() override REQUIRES(mutex_);

  // The user's lines in the order they were first added (empty: no cart).
  std::vector<CartLine> cart(std::string_view user_id) const;

 private:
  struct Line {
    Uuid product;
    int64_t quantity = 0, unit_price_cents = -1;
  };
  using Lines = std::vector<Line>;
  absl::flat_hash_map<Uuid, Lines, UuidHash> carts_ GUARDED_BY(mutex_);  // no empty carts
};

}  // namespace orderly::projections
