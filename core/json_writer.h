// Appends JSON to one string without temporaries: read-model rows are
// written millions of times per rebuild, and building them from
// concatenated std::strings cost more than folding the events.
//
//   JsonWriter w;
//   w.begin_object().field("id", id).field("total_cents", 1250).end_object();
//   std::string row = w.take();
//
// Commas are placed by looking at the last byte written, so callers never
// track "first element" flags.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/uuid.h"

namespace orderly {

class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve = 256) { out_.reserve(reserve); }

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k) {
    separate();
    out_ += '"';
    out_ += k;  // keys are our own identifiers: nothing to escape
    out_ += "\":";
    after_key_ = true;
    return *this;
  }

  JsonWriter& value(std::string_view s) {
    separate();
    append_quoted(s);
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const Uuid& u) {
    separate();
    out_ += '"';
    u.append_to(out_);
    out_ += '"';
    return *this;
  }
  JsonWriter& value(bool b) {
    separate();
    out_ += b ? "true" : "false";
    return *this;
  }
  JsonWriter& value(int64_t n) { return number(n); }
  JsonWriter& value(uint64_t n) { return number(n); }
  JsonWriter& value(int n) { return number(static_cast<int64_t>(n)); }

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    return key(k).value(v);
  }

  std::string take() { return std::move(out_); }
  const std::string& str() const { return out_; }

  // `s` as a JSON string literal appended to `out`, quotes included.
  static void append_quoted(std::string& out, std::string_view s);

 private:
  JsonWriter& open(char c) {
    separate();
    out_ += c;
    return *this;
  }
  JsonWriter& close(char c) {
    out_ += c;
    return *this;
  }
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!out_.empty() && out_.back() != '{' && out_.back() != '[')
      out_ += ',';
  }
  template <typename N>
  JsonWriter& number(N n) {
    separate();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, end);
    return *this;
  }
  void append_quoted(std::string_view s) { append_quoted(out_, s); }

  std::string out_;
  bool after_key_ = false;
};

inline void JsonWriter::append_quoted(std::string& out, std::string_view s) {
  out += '"';
  size_t plain = 0;  // the run of bytes that need no escape, copied at once
  auto flush = [&](size_t i) {
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    flush(i);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

}  // namespace orderly
