#include "api/rest/canonical_json.h"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

namespace orderly::api::rest {

namespace json = boost::json;

namespace {

void write_canonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const json::object& o = v.get_object();
      std::vector<const json::key_value_pair*> fields;
      fields.reserve(o.size());
      for (const auto& kv : o)
        fields.push_back(&kv);
      std::sort(fields.begin(), fields.end(),
                [](const auto* a, const auto* b) { return a->key() < b->key(); });
      out.push_back('{');
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0)
          out.push_back(',');
        out += json::serialize(json::string(fields[i]->key()));
        out.push_back(':');
        write_canonical(fields[i]->value(), out);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      const json::array& a = v.get_array();
      out.push_back('[');
      for (size_t i = 0; i < a.size(); ++i) {
        if (i > 0)
          out.push_back(',');
        write_canonical(a[i], out);
      }
      out.push_back(']');
      return;
    }
    default:
      out += json::serialize(v);
      return;
  }
}

}  // namespace

std::optional<std::string> canonical_json(std::string_view body) {
  boost::system::error_code ec;
  // The same limits as the request parser (Call::json_body): what it takes
  // is what is fingerprinted.
  const json::value v = json::parse(body, ec);
  if (ec)
    return std::nullopt;
  std::string out;
  out.reserve(body.size());
  write_canonical(v, out);
  return out;
}

}  // namespace orderly::api::rest
