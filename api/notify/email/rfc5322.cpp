#include "api/notify/email/rfc5322.h"

#include <cstdio>
#include <ctime>
#include <vector>

namespace orderly::api::notify::email {

namespace {

constexpr size_t kFoldAt = 78;       // RFC 5322 2.1.1: SHOULD not exceed 78
constexpr size_t kMaxLine = 998;     // RFC 5322 2.1.1: MUST not exceed 998
constexpr size_t kEncodedLine = 76;  // RFC 2047 2: a line with encoded words
constexpr size_t kQpLine = 76;       // RFC 2045 6.7 (5): encoded lines
constexpr const char* kHex = "0123456789ABCDEF";

bool is_domain(std::string_view d) {
  if (d.empty() || d.front() == '.' || d.back() == '.' || d.find("..") != std::string_view::npos)
    return false;
  for (char c : d) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok)
      return false;
  }
  return true;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size())
      n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < in.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

bool is_ascii_text(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x7f || (u < 0x20 && c != '\t'))
      return false;
  }
  return true;
}

// Folds an ASCII value: a CRLF goes before a space where the line would
// grow past 78 characters (a word longer than that stays whole).
std::string fold_ascii(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  size_t line = out.size();
  // Pieces: the first, then each space with the characters up to the next.
  size_t i = 0;
  for (bool first = true;; first = false) {
    size_t next = value.find(' ', i + 1);
    if (next == std::string_view::npos)
      next = value.size();
    const std::string_view piece = value.substr(i, next - i);
    if (!first && piece.size() > 1 && line + piece.size() > kFoldAt) {
      out += "\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
    if (next >= value.size())
      break;
    i = next;
  }
  return out + "\r\n";
}

// RFC 2047 encoded words ("=?utf-8?B?...?="), each holding whole UTF-8
// characters, one per line after the first.
std::string encoded_words(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  size_t room = kEncodedLine - out.size();
  while (!value.empty()) {
    const size_t overhead = 12;  // =?utf-8?B? and ?=
    size_t bytes = room > overhead ? (room - overhead) / 4 * 3 : 3;
    if (bytes >= value.size()) {
      bytes = value.size();
    } else {
      // Back off to the start of a character (never past the first byte).
      while (bytes > 1 && (static_cast<unsigned char>(value[bytes]) & 0xC0) == 0x80)
        --bytes;
    }
    out += "=?utf-8?B?" + base64(value.substr(0, bytes)) + "?=";
    value.remove_prefix(bytes);
    if (!value.empty()) {
      out += "\r\n ";
      room = kEncodedLine - 1;
    }
  }
  return out + "\r\n";
}

}  // namespace

std::string rfc5322_date(int64_t unix_us) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = static_cast<std::time_t>(
      unix_us >= 0 ? unix_us / 1'000'000 : -((-unix_us + 999'999) / 1'000'000));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string rfc5322_message_id(std::string_view local, std::string_view mail_from) {
  const size_t at = mail_from.rfind('@');
  std::string_view domain = at == std::string_view::npos ? "" : mail_from.substr(at + 1);
  if (!domain.empty() && domain.back() == '>')
    domain.remove_suffix(1);
  if (!is_domain(domain))
    domain = "orderly.invalid";
  std::string id = "<";
  id += local;
  id += "@";
  id += domain;
  return id + ">";
}

std::string header_field(std::string_view name, std::string_view raw) {
  std::string value(raw);
  for (char& c : value) {
    if (c == '\r' || c == '\n')
      c = ' ';
  }
  if (is_ascii_text(value))
    return fold_ascii(name, value);
  return encoded_words(name, value);
}

EncodedBody encode_body(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  bool plain = true;
  for (auto line : lines)
    plain = plain && line.size() <= kMaxLine && is_ascii_text(line);
  EncodedBody body{plain ? "7bit" : "quoted-printable", {}};
  for (size_t n = 0; n < lines.size(); ++n) {
    if (n > 0)
      body.text += "\r\n";
    if (plain) {
      body.text += lines[n];
      continue;
    }
    const std::string_view line = lines[n];
    size_t width = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const auto u = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      std::string token;
      // Printable bytes but '=' stand as they are, and so does whitespace
      // except at a line's end (there it is encoded).
      const bool plain = (u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !last);
      if (plain) {
        token = std::string(1, line[i]);
      } else {
        token = {'=', kHex[u >> 4], kHex[u & 15]};
      }
      // A soft line break ("=") ends a line that would grow past 76.
      if (width + token.size() > kQpLine - 1) {
        body.text += "=\r\n";
        width = 0;
      }
      body.text += token;
      width += token.size();
    }
  }
  return body;
}

}  // namespace orderly::api::notify::email
