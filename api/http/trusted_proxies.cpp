#include "api/http/trusted_proxies.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>

#include "core/text.h"

namespace orderly::api::http {

namespace {

struct Address {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};

// An IPv4 or IPv6 address in text; an IPv4-mapped IPv6 one is IPv4.
std::optional<Address> parse_address(std::string_view text) {
  if (text.empty() || text.size() > 45)
    return std::nullopt;
  const std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1)
    return a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1)
    return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    std::memset(a.bytes.data() + 4, 0, 12);
    return a;
  }
  a.v6 = true;
  return a;
}

std::string to_text(const Address& a) {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), out, sizeof out);
  return out;
}

// A node of a forwarding chain: "192.0.2.60", "192.0.2.60:4711",
// "[2001:db8::17]:4711", "2001:db8::17", optionally quoted.
std::optional<Address> parse_node(std::string_view node) {
  node = trim_ows(node);
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"')
    node = node.substr(1, node.size() - 2);
  if (node.starts_with('[')) {
    const size_t close = node.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    return parse_address(node.substr(1, close - 1));
  }
  const size_t colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos)
    node = node.substr(0, colon);  // IPv4 with a port
  return parse_address(node);
}

// The chain of client addresses the proxies reported, left (the first) to
// right (the nearest); nullopt for a node that is not an address
// ("unknown", an obfuscated "_hidden" name, garbage).
std::vector<std::optional<Address>> forwarded_chain(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::optional<Address>> chain;
  bool standard = false;
  for (const auto& [name, value] : headers) {
    if (name != "forwarded")
      continue;
    standard = true;
    // Elements by ',', pairs by ';': for=...;proto=...;by=...
    std::string_view list = value;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      std::string_view element = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      while (!element.empty()) {
        const size_t semi = element.find(';');
        const std::string_view pair = trim_ows(element.substr(0, semi));
        element = semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
        const size_t eq = pair.find('=');
        if (eq != std::string_view::npos && ascii_iequals(trim_ows(pair.substr(0, eq)), "for"))
          chain.push_back(parse_node(pair.substr(eq + 1)));
      }
    }
  }
  if (standard)
    return chain;
  for (const auto& [name, value] : headers) {
    if (name != "x-forwarded-for")
      continue;
    std::string_view list = value;
    while (true) {
      const size_t comma = list.find(',');
      chain.push_back(parse_node(list.substr(0, comma)));
      if (comma == std::string_view::npos)
        break;
      list.remove_prefix(comma + 1);
    }
  }
  return chain;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& cidrs) {
  TrustedProxies out;
  for (const std::string& text : cidrs) {
    const std::string_view cidr = trim_ows(text);
    if (cidr.empty())
      continue;
    const size_t slash = cidr.find('/');
    const auto address = parse_address(cidr.substr(0, slash));
    if (!address)
      return Status::invalid_argument("--trusted-proxy: not an IP address or CIDR: " + text);
    Range r;
    r.v6 = address->v6;
    r.bytes = address->bytes;
    r.prefix = r.v6 ? 128 : 32;
    if (slash != std::string_view::npos) {
      const std::string_view bits = cidr.substr(slash + 1);
      int prefix = -1;
      const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || prefix < 0 ||
          prefix > r.prefix)
        return Status::invalid_argument("--trusted-proxy: bad prefix length in " + text);
      r.prefix = prefix;
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool TrustedProxies::contains(std::string_view text) const {
  if (ranges_.empty())
    return false;
  const auto a = parse_address(text);
  if (!a)
    return false;
  for (const Range& r : ranges_) {
    if (r.v6 != a->v6)
      continue;
    const int whole = r.prefix / 8, rest = r.prefix % 8;
    if (std::memcmp(r.bytes.data(), a->bytes.data(), static_cast<size_t>(whole)) != 0)
      continue;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    if (rest == 0 || (r.bytes[static_cast<size_t>(whole)] & mask) ==
                         (a->bytes[static_cast<size_t>(whole)] & mask))
      return true;
  }
  return false;
}

std::string TrustedProxies::client_of(
    const std::string& peer,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  if (!contains(peer))
    return peer;
  const auto chain = forwarded_chain(headers);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    // A node that is no address: what lies left of it cannot be checked,
    // and the proxy that wrote it stands for the client.
    if (!*it)
      return peer;
    std::string address = to_text(**it);
    if (!contains(address))
      return address;
  }
  // Proxies all the way: the first of them is as near to a client as we know.
  return chain.empty() ? peer : to_text(*chain.front());
}

}  // namespace orderly::api::http
