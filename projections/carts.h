// The carts read model: GET /api/cart answers from it (names and current
// prices are joined from the catalog at query time, as a shop shows them).
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
};

class CartsReadModel final : public Projection {
 public:
  std::string_view name() const override { return "carts"; }
  void apply(const EventView& event) override;
  Rows rows() const override;
  void save(BinaryWriter& out) const override;
  Status load(BinaryReader& in) override;
  void clear() override;

  // The user's lines in the order they were first added (empty: no cart).
  std::vector<CartLine> cart(std::string_view user_id) const;

 private:
  using Lines = std::vector<std::pair<Uuid, int64_t>>;
  absl::flat_hash_map<Uuid, Lines, UuidHash> carts_;  // no empty carts
};

}  // namespace orderly::projections
