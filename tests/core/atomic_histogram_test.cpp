#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/atomic_histogram.h"

namespace orderly {
namespace {

// The value of one series line ("name{...} value") in rendered text.
std::string series(const std::string& text, const std::string& key) {
  const size_t at = text.find("\n" + key + " ");
  if (at == std::string::npos)
    return "<missing " + key + ">";
  const size_t start = at + key.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

TEST_CASE("atomic histogram: cumulative buckets, sum in seconds, count") {
  AtomicHistogram h;
  h.observe_micros(50);          // <= 0.0001
  h.observe_micros(100);         // exactly on a bound: counted in it (le is <=)
  h.observe_micros(1'500);       // <= 0.0025
  h.observe_micros(20'000'000);  // above every bound
  std::string out;
  h.render(out, "orderly_test_seconds", "A test.");
  CAPTURE(out);
  CHECK(out.rfind("# HELP orderly_test_seconds A test.\n# TYPE orderly_test_seconds histogram\n",
                  0) == 0);
  CHECK(series(out, "orderly_test_seconds_bucket{le=\"0.0001\"}") == "2");
  CHECK(series(out, "orderly_test_seconds_bucket{le=\"0.001\"}") == "2");
  CHECK(series(out, "orderly_test_seconds_bucket{le=\"0.0025\"}") == "3");
  CHECK(series(out, "orderly_test_seconds_bucket{le=\"10\"}") == "3");
  CHECK(series(out, "orderly_test_seconds_bucket{le=\"+Inf\"}") == "4");
  CHECK(series(out, "orderly_test_seconds_count") == "4");
  CHECK(series(out, "orderly_test_seconds_sum") == "20.001650");
  CHECK(h.count() == 4);
}

TEST_CASE("atomic histogram: observations from many threads are all counted") {
  AtomicHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10'000; ++i)
        h.observe_micros(static_cast<uint64_t>(t * 1000 + i % 7));
    });
  }
  for (auto& th : threads)
    th.join();
  CHECK(h.count() == 40'000);
  std::string out;
  h.render(out, "x", "y");
  CHECK(series(out, "x_bucket{le=\"+Inf\"}") == "40000");
}

TEST_CASE("atomic histogram: an empty one renders zeros") {
  AtomicHistogram h;
  std::string out;
  h.render(out, "e", "empty");
  CHECK(series(out, "e_count") == "0");
  CHECK(series(out, "e_sum") == "0.000000");
  CHECK(series(out, "e_bucket{le=\"+Inf\"}") == "0");
}

}  // namespace
}  // namespace orderly
