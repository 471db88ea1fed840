// The crash test's victim: appends in a loop from several threads and prints
// one line per acknowledged append:  "<first> <last> <thread> <i>".
// Each append is atomic across two streams: order-<t>-<i> (2 events, new) and
// product-<t> (1 event, expected version i), so after any crash the product
// stream's version equals the number of that thread's orders.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/store.h"
#include "tests/support/sample_events.h"

using namespace orderly;
using namespace orderly::eventstore;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR THREADS\n", argv[0]);
    return 2;
  }
  auto opened = EventStore::open(argv[1]);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    return 3;
  }
  EventStore& store = **opened;
  std::mutex out_mu;
  std::vector<std::thread> threads;
  const int n = std::stoi(argv[2]);
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      const std::string product = "product-" + std::to_string(t);
      uint64_t i = *store.stream_version(product);  // resume where the last run died
      testing::EventBatch order, reserve;
      order.add(EventType::kOrderPlaced, testing::order_placed("o", "u", 2));
      order.add(EventType::kOrderConfirmed, testing::order_confirmed("o"));
      reserve.add(EventType::kStockReserved, testing::order_confirmed("o"));  // any valid table
      for (;; ++i) {
        const std::string stream = "order-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string command = "c-" + std::to_string(t) + "-" + std::to_string(i);
        const StreamWrite writes[] = {{stream, ExpectedVersion::no_stream(), order.span()},
                                      {product, ExpectedVersion::exact(i), reserve.span()}};
        auto r = store.append(AppendRequest{writes, command, 0});
        if (!r) {
          std::fprintf(stderr, "append: %s\n", r.status().to_string().c_str());
          _exit(4);
        }
        char line[96];
        const int len = std::snprintf(line, sizeof line, "%llu %llu %d %llu\n",
                                      static_cast<unsigned long long>(r->first_position),
                                      static_cast<unsigned long long>(r->last_position), t,
                                      static_cast<unsigned long long>(i));
        std::lock_guard lock(out_mu);
        if (write(STDOUT_FILENO, line, static_cast<size_t>(len)) != len)
          _exit(5);
      }
    });
  }
  for (auto& th : threads)
    th.join();
}
