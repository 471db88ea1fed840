// GET /api/payments's query string (api/rest/requests/payment_list.h): the
// shown statuses, ids, and from/to as the analytics routes take them, every
// wrong parameter named.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "api/rest/requests/payment_list.h"

using namespace orderly;
using namespace orderly::api::rest::requests;

namespace {

QueryParam params(std::map<std::string, std::string> m) {
  return [m = std::move(m)](std::string_view name) -> std::optional<std::string> {
    auto it = m.find(std::string(name));
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::vector<std::string> fields_of(const Status& st) {
  std::vector<std::string> out;
  for (const auto& f : st.fields())
    out.push_back(f.field);
  return out;
}

constexpr const char* kId = "0192f0c1-7e4a-7000-8000-000000000001";

}  // namespace

TEST_CASE("payment list query: filters, dates or date-times, every wrong one named") {
  auto none = payment_list_query_from(params({}));
  REQUIRE(none.is_ok());
  CHECK(none->status.empty());
  CHECK_FALSE(none->from);
  CHECK_FALSE(none->to);

  auto q = payment_list_query_from(params({{"status", "partially_refunded"},
                                           {"order_id", kId},
                                           {"user_id", kId},
                                           {"from", "2026-11-21"},
                                           {"to", "2026-11-21T12:00:00+02:00"}}));
  REQUIRE(q.is_ok());
  CHECK(q->status == "partially_refunded");
  CHECK(q->order_id == kId);
  CHECK(q->user_id == kId);
  CHECK(*q->from == 1'795'219'200'000'000LL);                   // 2026-11-21T00:00:00Z
  CHECK(*q->to == 1'795'219'200'000'000LL + 36'000'000'000LL);  // 10:00Z
  for (const char* s : {"requires_payment_method", "requires_confirmation", "requires_action",
                        "processing", "succeeded", "failed", "canceled", "refunded"})
    CHECK(payment_list_query_from(params({{"status", s}})).is_ok());

  auto bad = payment_list_query_from(params({{"status", "paid"},
                                             {"order_id", "42"},
                                             {"user_id", "me"},
                                             {"from", "yesterday"},
                                             {"to", "2026-13-01"}}));
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK(fields_of(bad.status()) ==
        std::vector<std::string>{"status", "order_id", "user_id", "from", "to"});
  auto backwards = payment_list_query_from(params({{"from", "2026-11-22"}, {"to", "2026-11-21"}}));
  REQUIRE_FALSE(backwards.is_ok());
  CHECK(fields_of(backwards.status()) == std::vector<std::string>{"to"});
}
