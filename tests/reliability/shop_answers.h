// Reading the engine's answers for the kill loop: what an answer means for
// the command that was sent, and the fields of the rows it carries.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "tests/reliability/shop_ledger.h"
#include "tests/support/http_client.h"

namespace orderly::testing {

enum class Answer {
  kAcked,    // 200/201/202: durable, its effects must be there
  kRefused,  // 4xx: it must have had no effect
  kInDoubt,  // 5xx: it may or may not have happened
  kGone,     // no answer: the server died (or was never reached)
};

inline Answer classify(const HttpResult& r) {
  if (r.status == 0)
    return Answer::kGone;
  if (r.status == 200 || r.status == 201 || r.status == 202)
    return Answer::kAcked;
  return r.status >= 500 ? Answer::kInDoubt : Answer::kRefused;
}

// X-Log-Position: the position of the command's last event.
inline uint64_t position_of(const HttpResult& r) {
  const std::string h = r.header("x-log-position");
  return h.empty() ? 0 : std::stoull(h);
}

// The row under `key` ({"order": {...}}), or null (a 202 answers
// {"id", "position"} when the read model had not caught up in time).
inline const boost::json::object* row_of(const boost::json::value& v, std::string_view key) {
  if (!v.is_object())
    return nullptr;
  auto it = v.as_object().find(key);
  return it != v.as_object().end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}
// Not from a temporary (r.json()): the row would dangle.
const boost::json::object* row_of(boost::json::value&&, std::string_view) = delete;

inline int64_t int_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().as_int64() : -1;
}

inline std::string string_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

// The id of the row under `key`, or of a 202's {"id"}.
inline std::string id_of(const boost::json::value& v, std::string_view key) {
  if (const boost::json::object* row = row_of(v, key))
    return string_field(*row, "id");
  return v.is_object() ? string_field(v.as_object(), "id") : "";
}

// Why an order row differs from what was placed: owner, lines (product,
// quantity, snapshotted price, line total) and total; "" when it does not.
inline std::string order_mismatch(const boost::json::object& row, const LedgerOrder& placed) {
  if (string_field(row, "user_id") != placed.user_id)
    return "user_id " + string_field(row, "user_id");
  if (int_field(row, "total_cents") != placed.total_cents) {
    return "total_cents " + std::to_string(int_field(row, "total_cents")) + " instead of " +
           std::to_string(placed.total_cents);
  }
  auto items = row.find("items");
  if (items == row.end() || !items->value().is_array() ||
      items->value().as_array().size() != placed.lines.size())
    return "its number of lines";
  const auto& arr = items->value().as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const LedgerLine& l = placed.lines[i];
    if (!arr[i].is_object())
      return "line " + std::to_string(i);
    const boost::json::object& line = arr[i].as_object();
    if (string_field(line, "product_id") != l.product_id ||
        int_field(line, "quantity") != l.quantity ||
        int_field(line, "unit_price_cents") != l.unit_price_cents ||
        int_field(line, "line_total_cents") != l.quantity * l.unit_price_cents)
      return "line " + std::to_string(i) + " " + boost::json::serialize(line);
  }
  return {};
}

}  // namespace orderly::testing
