#include "projections/registry.h"

#include "projections/carts.h"
#include "projections/catalog.h"
#include "projections/notifications.h"
#include "projections/orders.h"
#include "projections/payments.h"
#include "projections/stats.h"
#include "projections/users.h"

namespace orderly::projections {

std::vector<std::unique_ptr<Projection>> all_read_models() {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<CatalogReadModel>());
  out.push_back(std::make_unique<OrdersReadModel>());
  out.push_back(std::make_unique<UsersReadModel>());
  out.push_back(std::make_unique<NotificationsReadModel>());
  out.push_back(std::make_unique<StatsReadModel>());
  out.push_back(std::make_unique<CartsReadModel>());
  out.push_back(std::make_unique<PaymentsReadModel>());
  return out;
}

std::vector<std::shared_ptr<Projection>> all_read_models_shared() {
  std::vector<std::shared_ptr<Projection>> out;
  for (auto& m : all_read_models())
    out.push_back(std::move(m));
  return out;
}

std::unique_ptr<Projection> make_read_model(std::string_view name) {
  for (auto& m : all_read_models()) {
    if (m->name() == name)
      return std::move(m);
  }
  return nullptr;
}

}  // namespace orderly::projections
