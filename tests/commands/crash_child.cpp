// The processor crash test's victim: runs the real single writer and keeps
// placing (and sometimes confirming) orders for one product from several
// threads, printing one line per acknowledged command:
//   "placed <order id>" / "confirmed <order id>"
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "commands/processor.h"
#include "core/ids.h"

using namespace orderly;
using namespace orderly::commands;

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  auto store = eventstore::EventStore::open(argv[1]);
  if (!store)
    return 3;
  auto processor = CommandProcessor::start(**store);
  if (!processor)
    return 3;
  const Uuid product = *Uuid::parse("0192f0c1-7e4a-7000-8000-00000000c0de");
  CommandMeta admin;
  admin.role = Role::kAdmin;
  CreateProduct create;
  create.product_id = product;
  create.sku = "CRASH-1";
  create.name = "Crash cup";
  create.category = "test";
  create.price_cents = 100;
  create.stock = 1'000'000;
  (void)(*processor)->execute(create, admin);  // already exists after the first run
  std::mutex out;
  auto say = [&](const char* what, const Uuid& id) {
    char line[80];
    const int n = std::snprintf(line, sizeof line, "%s %s\n", what, id.to_string().c_str());
    std::lock_guard lock(out);
    if (write(STDOUT_FILENO, line, static_cast<size_t>(n)) != n)
      _exit(5);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t + getpid()));
      CommandMeta user;
      user.actor = *Uuid::parse(new_uuid_v7());
      for (;;) {
        PlaceOrder place;
        place.order_id = *Uuid::parse(new_uuid_v7());
        place.items = {{product, 1 + static_cast<int64_t>(rng() % 3)}};
        if (!(*processor)->execute(place, user).is_ok())
          _exit(4);
        say("placed", place.order_id);
        if (rng() % 2 == 0) {
          if (!(*processor)
                   ->execute(ChangeOrderStatus{place.order_id, OrderStatus::kConfirmed}, admin)
                   .is_ok())
            _exit(4);
          say("confirmed", place.order_id);
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();
}
