#include "api/cli/demo_catalog.h"

#include "core/ids.h"

namespace orderly::cli {

namespace {

struct DemoProduct {
  const char *name, *category, *description;
  int64_t price_cents, stock;
};

constexpr DemoProduct kDemo[] = {
    {"Espresso cup", "kitchen", "A thick-walled porcelain cup for a double espresso", 1250, 120},
    {"Moka pot", "kitchen", "Six-cup aluminium stovetop coffee maker", 3490, 40},
    {"Burr grinder", "kitchen", "Conical burr coffee grinder with 40 settings", 8900, 15},
    {"Pour-over kettle", "kitchen", "Gooseneck kettle, 1 litre, stainless steel", 4500, 25},
    {"Tea tin", "kitchen", "Airtight tin for loose-leaf tea, 250 g", 990, 200},
    {"Chef's knife", "kitchen", "20 cm stainless steel chef's knife", 5900, 30},
    {"Linen apron", "kitchen", "Washed linen apron with two pockets", 3200, 60},
    {"Watering can", "garden", "Two-litre galvanised watering can", 2700, 35},
    {"Pruning shears", "garden", "Bypass pruning shears for branches up to 2 cm", 2150, 50},
    {"Terracotta pot", "garden", "Hand-thrown terracotta pot, 20 cm", 1400, 80},
    {"Seed starter kit", "garden", "Tray, lid and 24 biodegradable cells", 1850, 45},
    {"Garden gloves", "garden", "Leather-palm gloves, medium", 1600, 70},
    {"Reading lamp", "home", "Brass desk lamp with a linen shade", 7400, 12},
    {"Wool throw", "home", "Merino wool throw, 130 x 170 cm", 9800, 18},
    {"Scented candle", "home", "Soy wax candle, cedar and smoke, 40 hours", 2200, 90},
    {"Wall clock", "home", "Silent quartz wall clock, 30 cm, oak", 4600, 20},
    {"Notebook", "stationery", "A5 dot-grid notebook, 192 pages", 1500, 150},
    {"Fountain pen", "stationery", "Steel nib fountain pen with converter", 3800, 40},
    {"Ink bottle", "stationery", "Blue-black fountain pen ink, 50 ml", 1200, 100},
    {"Desk organiser", "stationery", "Walnut desk tray with three compartments", 4200, 3},
};

}  // namespace

Result<size_t> create_demo_catalog(commands::CommandProcessor& processor) {
  commands::CommandMeta admin;
  admin.role = commands::Role::kEngine;
  size_t n = 0;
  for (const DemoProduct& d : kDemo) {
    commands::CreateProduct c;
    c.product_id = *Uuid::parse(new_uuid_v7());
    c.sku = "DEMO-" + std::to_string(++n);
    c.name = d.name;
    c.category = d.category;
    c.description = d.description;
    c.price_cents = d.price_cents;
    c.stock = d.stock;
    auto r = processor.execute(c, admin);
    if (!r)
      return r.status();
  }
  return n;
}

}  // namespace orderly::cli
