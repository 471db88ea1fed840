// The account emails as a test reads them: a message's body decoded from
// quoted-printable (long link lines are soft-wrapped), the token of the
// link to a page (#/verify-email, #/reset-password), and the messages to
// one recipient with one subject.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

namespace orderly::testing {

// The messages an outbox directory holds (`<id>.eml`; `.tmp` files half
// written are not counted).
inline size_t eml_files(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec))
    n += f.path().extension() == ".eml";
  return n;
}

// The texts of the messages an outbox directory holds, read as they are now:
// a missing directory is none, and a file renamed or removed between the
// listing and the reading is skipped.
inline std::vector<std::string> eml_texts(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".eml")
      continue;
    std::ifstream in(f.path(), std::ios::binary);
    if (in)
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// `text` with quoted-printable soft breaks removed and =XX decoded (enough
// for the quoted-printable parts this server writes; a 7bit part may not
// survive it: "token=01..." reads as =01, so callers look at both forms).
inline std::string qp_decoded(const std::string& text) {
  std::string out;
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;
    } else if (text[i] == '=' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
               hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The token of the first link to `<public-url>/#/<page>?token=...`; "" when none.
inline std::string link_token(const std::string& message, const std::string& page) {
  const std::regex link("#/" + page + R"(\?token=([A-Za-z0-9._-]+))");
  std::smatch m;
  if (std::regex_search(message, m, link))
    return m[1].str();
  const std::string decoded = qp_decoded(message);
  return std::regex_search(decoded, m, link) ? m[1].str() : "";
}

// The messages to `to` whose text, as is or decoded, holds `needle`.
inline std::vector<std::string> messages_to(const std::vector<std::string>& messages,
                                            const std::string& to, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    const bool holds =
        m.find(needle) != std::string::npos || qp_decoded(m).find(needle) != std::string::npos;
    if (m.find("To: " + to) != std::string::npos && holds)
      out.push_back(m);
  }
  return out;
}

}  // namespace orderly::testing
