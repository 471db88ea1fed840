#include "api/rest/call.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/rest/canonical_json.h"
#include "api/rest/problem.h"
#include "core/digest.h"
#include "core/ids.h"
#include "core/text.h"

namespace orderly::api::rest {

namespace json = boost::json;

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      // Exactly two hex digits: from_chars alone would also take "%-1".
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
        return std::nullopt;
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec != std::errc() || p != s.data() + i + 3)
        return std::nullopt;
      out.push_back(static_cast<char>(v));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> Call::query(std::string_view name) const {
  std::string_view q = request.query;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (amp == std::string_view::npos)
      break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Result<std::optional<int64_t>> Call::query_int(std::string_view name) const {
  auto v = query(name);
  if (!v)
    return std::optional<int64_t>();
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size())
    return Status::invalid_field(std::string(name), "must be an integer");
  return std::optional<int64_t>(n);
}

Result<Call::PageQuery> Call::page_query() const {
  auto page = query_int("page");
  if (!page)
    return page.status();
  auto per_page = query_int("per_page");
  if (!per_page)
    return per_page.status();
  PageQuery q;
  q.page = static_cast<int>(std::clamp<int64_t>(page->value_or(1), 1, 1'000'000));
  q.per_page = static_cast<int>(std::clamp<int64_t>(per_page->value_or(20), 1, 100));
  return q;
}

Result<std::optional<uint32_t>> Call::if_match() const {
  const bool sent = std::any_of(request.headers.begin(), request.headers.end(),
                                [](const auto& h) { return h.first == "if-match"; });
  if (!sent)
    return std::optional<uint32_t>();
  std::string_view v = request.header("if-match");
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  if (v == "*")
    return std::optional<uint32_t>();
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
    // A GET's tag is "<version>-<digest of the body>" (conditional_get.h):
    // the version is what a change is conditional on.
    const size_t dash = v.find('-');
    if (dash != std::string_view::npos &&
        std::all_of(v.begin() + static_cast<std::ptrdiff_t>(dash) + 1, v.end(),
                    [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }))
      v = v.substr(0, dash);
  }
  uint32_t version = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
    return Status::invalid_field(
        "If-Match",
        "must be one ETag this API sent (\"3\" or \"3-<digest>\"), a bare version (3) or *");
  }
  return std::optional<uint32_t>(version);
}

std::string request_id_of(const http::Request& req) {
  const std::string_view given = req.header("x-request-id");
  if (!given.empty() && given.size() <= 128 &&
      std::all_of(given.begin(), given.end(), [](char c) { return c > 32 && c < 127; })) {
    return std::string(given);
  }
  return new_uuid_v7();
}

RequestTrace request_trace_of(const http::Request& req) {
  // More than one traceparent is as none (the spec: ignore it).
  const auto traceparents = std::count_if(req.headers.begin(), req.headers.end(),
                                          [](const auto& h) { return h.first == "traceparent"; });
  return trace_of(traceparents == 1 ? req.header("traceparent") : "", req.header("tracestate"));
}

std::string etag_of(uint64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

std::optional<json::object> Call::json_body() const {
  const std::string_view type = request.header("content-type");
  // Media types compare case-insensitively (RFC 9110 §8.3.1):
  // "Application/JSON; Charset=UTF-8" is JSON.
  const std::string_view media = trim_ows(type.substr(0, type.find(';')));
  const bool is_json = ascii_iequals(media, "application/json") ||
                       (media.size() >= 17 && ascii_iequals(media.substr(0, 12), "application/") &&
                        ascii_iequals(media.substr(media.size() - 5), "+json"));
  if (!is_json) {
    answer(problem(415, "unsupported_media_type",
                   "send the body as application/json (got " +
                       (type.empty() ? std::string("no Content-Type") : std::string(type)) + ")"));
    return std::nullopt;
  }
  json::stream_parser parser;
  boost::system::error_code ec;
  const size_t used = parser.write_some(request.body.data(), request.body.size(), ec);
  if (!ec)
    parser.finish(ec);
  if (ec) {
    answer(problem(400, "malformed_json",
                   "the body is not valid JSON at byte " +
                       std::to_string(ec ? used : request.body.size()) + ": " + ec.message()));
    return std::nullopt;
  }
  json::value v = parser.release();
  if (!v.is_object()) {
    answer(problem(422, "validation_failed", "the body must be a JSON object"));
    return std::nullopt;
  }
  return std::move(v.as_object());
}

namespace {
// The first 64 bits of the text's 128-bit digest.
uint64_t fingerprint64(const std::string& text) {
  return std::stoull(digest128_hex(text).substr(0, 16), nullptr, 16);
}
}  // namespace

commands::CommandMeta Call::meta() const {
  commands::CommandMeta m;
  if (who) {
    m.actor = who->user_id;
    m.role = who->role;
  }
  m.correlation_id = trace.trace_id;
  const std::string_view key = request.header("idempotency-key");
  if (!key.empty()) {
    // Anonymous callers share one scope in the writer: their keys are made
    // distinct by the client address.
    m.idempotency_key = who ? std::string(key) : request.remote_address + "/" + std::string(key);
    // The body's meaning, not its spelling: a retry re-serialised with other
    // whitespace or key order is the same request. Logs written before hold
    // the bytes' hash: kept as the legacy fingerprint, so their keys still
    // answer the same retry.
    const std::string head = request.method + " " + request.path + "\n";
    const auto canonical = canonical_json(request.body);
    m.request_fingerprint = fingerprint64(head + canonical.value_or(request.body));
    m.legacy_request_fingerprint = fingerprint64(head + request.body);
  }
  return m;
}

std::optional<commands::CommandMeta> Call::meta_with_if_match() const {
  auto expected = if_match();
  if (!expected) {
    fail(expected.status());
    return std::nullopt;
  }
  commands::CommandMeta m = meta();
  m.expected_version = *expected;
  return m;
}

Result<std::string> websocket_token(const http::Request& req) {
  Call probe;
  probe.request = req;
  std::string token = probe.query("access_token").value_or("");
  const std::string_view auth = req.header("authorization");
  if (token.empty() && (auth.starts_with("Bearer ") || auth.starts_with("bearer ")))
    token = std::string(auth.substr(7));
  if (token.empty())
    return Status::unauthorized("send the access token as ?access_token= or Authorization");
  // A JWT is base64url parts and dots; anything else (a CR or LF above all,
  // which a percent-decoded query can hold) is refused before it is passed on.
  const bool jwt_alphabet = std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
  if (!jwt_alphabet || token.size() > 4096)
    return Status::unauthorized("the access token is not a JWT");
  return token;
}

bool websocket_token_sent(const http::Request& req) {
  Call probe;
  probe.request = req;
  return !probe.query("access_token").value_or("").empty() || !req.header("authorization").empty();
}

bool wants_all_events(const http::Request& req) {
  Call probe;
  probe.request = req;
  return probe.query("scope").value_or("") == "all";
}

void Call::fail(const Status& st) const {
  answer(problem_from(st));
}

}  // namespace orderly::api::rest
