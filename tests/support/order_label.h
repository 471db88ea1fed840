// How the web pages and the emails name an order: "#" and the last 8 hex
// digits of its id, upper case (shortId in api/web/dom.js).
#pragma once

#include <cctype>
#include <string>

namespace orderly::testing {

inline std::string order_label(const std::string& order_id) {
  std::string label = "#" + order_id.substr(order_id.size() - 8);
  for (char& c : label)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return label;
}

}  // namespace orderly::testing
