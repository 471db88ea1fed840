// The HTTP request path before any handler: raw bytes from a socket through
// Beast's request parser, with the server's limits, into the API's Request
// (as api/http/server.cpp builds it: absolute-form targets, RFC 9112
// framing, the client behind a trusted proxy), then what every request meets:
// routing over the contract's route table, the Authorization header's JWT,
// the WebSocket token, query strings and paging, the JSON body reader and
// the Idempotency-Key fingerprint. Up to 8 pipelined requests per input.
//
// Properties: nothing crashes; a matched route has the request's method,
// the path's segment count and a non-empty decoded value for each
// {parameter}; a refusal is problem+json; paging stays in its bounds; a JWT
// is accepted only when it is HS256, unexpired and of a known role, and a
// token that was accepted stops being accepted once any byte of its
// signature changes.
#include <sodium.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <set>
#include <string>

#include "api/auth/jwt.h"
#include "api/http/request_head.h"
#include "api/http/trusted_proxies.h"
#include "api/rest/call.h"
#include "api/rest/problem.h"
#include "api/rest/requests/analytics.h"
#include "api/rest/router.h"
#include "commands/validation.h"
#include "core/clock.h"
#include "tests/fuzz/fuzz_check.h"

extern const char kEmbedded_openapi_json[];

using namespace orderly;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// The seeds' tokens are signed with this secret (make_seeds.cpp).
constexpr std::string_view kSecret = "fuzz-secret-fuzz-secret-fuzz-secret!";
constexpr int64_t kNowS = 1795255200;  // 2026-11-21T10:00:00Z

// ServerOptions' defaults (api/http/server.h).
constexpr size_t kBodyLimit = 1 << 20;
constexpr uint32_t kHeaderLimit = 16 << 10;

// Every route of the contract, from the OpenAPI document (which
// tests/api/rest/routes/openapi_test.cpp proves equal to the router's table).
const api::rest::Router& router() {
  static const api::rest::Router r = [] {
    api::rest::Router r;
    const auto spec = json::parse(kEmbedded_openapi_json).as_object();
    for (const auto& path : spec.at("paths").as_object()) {
      for (const auto& op : path.value().as_object()) {
        std::string method(op.key());
        for (char& c : method)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        r.add(method, std::string(path.key()), api::rest::Access::kAnyone,
              [](const api::rest::CallPtr&) {});
      }
    }
    FUZZ_CHECK(r.routes().size() > 30, "the OpenAPI document lists the routes");
    return r;
  }();
  return r;
}

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = path.find('/', i);
    const std::string_view s = path.substr(i, j == std::string_view::npos ? j : j - i);
    if (!s.empty())
      out.emplace_back(s);
    i = j == std::string_view::npos ? path.size() : j + 1;
  }
  return out;
}

void check_problem(const api::http::Response& r) {
  if (!commands::is_clean_text(r.body))
    return;  // a detail that quotes bytes of the request that are not UTF-8
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  FUZZ_CHECK(!ec && v.is_object() && v.as_object().contains("code"), r.body);
  FUZZ_CHECK(r.status >= 400 && r.status < 600, r.body);
}

void check_routing(const api::http::Request& req) {
  const auto match = router().match(req.method, req.path);
  if (!match.route) {
    // What Api::handle answers then.
    if (!match.allow.empty())
      check_problem(api::rest::problem(405, "method_not_allowed",
                                       req.method + " is not allowed on " + req.path));
    else
      check_problem(api::rest::problem(404, "not_found", "no route " + req.path));
    return;
  }
  FUZZ_CHECK(match.route->method == req.method, req.method);
  const auto path = segments(req.path);
  FUZZ_CHECK(path.size() == match.route->segments.size(), req.path);
  size_t named = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& s = match.route->segments[i];
    if (s.front() == '{') {
      ++named;
      const auto it = match.params.find(std::string_view(s).substr(1, s.size() - 2));
      FUZZ_CHECK(it != match.params.end() && !it->second.empty(), req.path);
    } else {
      FUZZ_CHECK(s == path[i], req.path);
    }
  }
  FUZZ_CHECK(match.params.size() == named, req.path);
}

std::string hmac_sha256(std::string_view data) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(kSecret.data()),
                              kSecret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

void check_accepted(const api::auth::AccessClaims& c, std::string_view token) {
  FUZZ_CHECK(c.exp > kNowS, std::string(token));
  FUZZ_CHECK(c.role == "customer" || c.role == "admin", std::string(token));
  const auto header = api::auth::from_base64url(token.substr(0, token.find('.')));
  FUZZ_CHECK(header.has_value(), std::string(token));
  boost::system::error_code ec;
  const auto h = json::parse(*header, ec);
  FUZZ_CHECK(!ec && h.is_object() && h.as_object().at("alg") == "HS256", *header);
}

// The bearer token as given, then the same header and claims signed with the
// right secret: the claims parser sees hostile JSON only past a valid
// signature, which mutations alone never produce.
void check_jwt(std::string_view token) {
  if (auto c = api::auth::verify_jwt(token, kSecret, kNowS); c.is_ok()) {
    check_accepted(*c, token);
    // The signature's first character carries 6 whole bits (the last one
    // carries padding bits too).
    std::string forged(token);
    char& flip = forged[forged.rfind('.') + 1];
    flip = flip == 'A' ? 'B' : 'A';
    FUZZ_CHECK(!api::auth::verify_jwt(forged, kSecret, kNowS).is_ok(), forged);
  }
  const size_t dot = token.rfind('.');
  if (dot == std::string_view::npos)
    return;
  const std::string resigned(std::string(token.substr(0, dot)) + "." +
                             api::auth::base64url(hmac_sha256(token.substr(0, dot))));
  if (auto c = api::auth::verify_jwt(resigned, kSecret, kNowS); c.is_ok())
    check_accepted(*c, resigned);
}

// Percent-decoding accepts exactly '%' followed by two hex digits.
void check_percent_decoding(std::string_view raw) {
  if (!api::rest::percent_decode(raw, true))
    return;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%') {
      FUZZ_CHECK(i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
                     std::isxdigit(static_cast<unsigned char>(raw[i + 2])),
                 std::string(raw));
      i += 2;
    }
  }
}

// The analytics endpoints' query strings (from, to, limit, by, interval): a
// window of at least one day and at most the interval's bound, a limit in
// 1..100, or a 422 problem naming a parameter.
void check_analytics_windows(const api::rest::Call& call) {
  namespace rq = api::rest::requests;
  const rq::QueryParam param = [&call](std::string_view name) { return call.query(name); };
  const TimestampUs now = now_us();
  auto in_bounds = [&](const rq::DayWindow& w, int64_t max_days) {
    const int64_t days = w.to_day - w.from_day;
    FUZZ_CHECK(days >= 1 && days <= max_days, call.request.query);
  };
  if (auto q = rq::revenue_query_from(param, now); q.is_ok())
    in_bounds(q->window, rq::max_window_days(q->interval));
  else
    check_problem(api::rest::problem_from(q.status()));
  if (auto q = rq::popular_query_from(param, now); q.is_ok()) {
    in_bounds(q->window, rq::kMaxRankingDays);
    FUZZ_CHECK(q->limit >= 1 && q->limit <= rq::kMaxLimit, call.request.query);
  } else {
    check_problem(api::rest::problem_from(q.status()));
  }
  if (auto q = rq::trending_query_from(param, now); q.is_ok())
    in_bounds(q->window, rq::kMaxRankingDays);
  else
    check_problem(api::rest::problem_from(q.status()));
}

void check_call(const api::http::Request& req) {
  check_percent_decoding(req.query);
  check_percent_decoding(req.path);
  api::rest::Call call;
  call.request = req;
  std::optional<api::http::Response> answered;
  call.respond = [&](api::http::Response r) { answered = std::move(r); };

  if (auto page = call.page_query(); page.is_ok()) {
    FUZZ_CHECK(page->page >= 1 && page->page <= 1'000'000, req.query);
    FUZZ_CHECK(page->per_page >= 1 && page->per_page <= 100, req.query);
  } else {
    check_problem(api::rest::problem_from(page.status()));
  }
  // The query parameters the handlers read.
  for (const char* name :
       {"min_price_cents", "max_price_cents", "from_position", "limit", "at_version"}) {
    if (auto n = call.query_int(name); !n.is_ok())
      check_problem(api::rest::problem_from(n.status()));
  }
  for (const char* name : {"q", "category", "sort", "status", "user_id", "stream", "type"})
    (void)call.query(name);
  if (auto t = call.query("at_time"))
    (void)parse_rfc3339(*t);
  check_analytics_windows(call);

  if (auto token = api::rest::websocket_token(req); token.is_ok()) {
    FUZZ_CHECK(!token->empty() && token->size() <= 4096, *token);
    FUZZ_CHECK(token->find_first_of("\r\n ") == std::string::npos, *token);
    check_jwt(*token);
  }
  (void)api::rest::wants_all_events(req);

  const std::string_view auth = req.header("authorization");
  if (auth.starts_with("Bearer ") || auth.starts_with("bearer "))
    check_jwt(auth.substr(7));

  (void)call.meta();  // Idempotency-Key and the request's fingerprint
  if (!req.body.empty() || req.method == "POST") {
    const auto body = call.json_body();
    FUZZ_CHECK(body.has_value() != answered.has_value(), "json_body answers when it refuses");
    if (answered)
      check_problem(*answered);
  }
}

// One parsed message as the server turns it into a Request.
api::http::Request to_request(const http::request<http::string_body>& msg) {
  api::http::Request req;
  req.method = std::string(msg.method_string());
  const std::string_view target = api::http::origin_form(msg.target());
  const size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos)
    req.query = std::string(target.substr(q + 1));
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  req.body = msg.body();
  // As from a trusted proxy: Forwarded / X-Forwarded-For name the client.
  static const api::http::TrustedProxies proxies =
      *api::http::TrustedProxies::parse({"127.0.0.1/32", "::1"});
  req.remote_address = proxies.client_of("127.0.0.1", req.headers);
  FUZZ_CHECK(!req.remote_address.empty(), "a client address, the peer's at worst");
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool sodium_ready = sodium_init() >= 0;
  FUZZ_CHECK(sodium_ready, "libsodium starts");
  boost::asio::const_buffer rest(data, size);
  for (int n = 0; n < 8 && rest.size() > 0; ++n) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done() && rest.size() > 0) {
      const size_t used = parser.put(rest, ec);
      rest += used;
      if (ec == http::error::need_more && used == 0)
        break;  // the input ends inside this message
      if (ec && ec != http::error::need_more)
        break;
      ec = {};
    }
    if (!ec && !parser.is_done())
      parser.put_eof(ec);  // the client closed: a body that runs to the end
    if (ec || !parser.is_done())
      return 0;  // 400/413/431 or a client that went away: no handler runs
    const api::http::Request req = to_request(parser.get());
    // Framing two parsers could read differently is 400 and the connection
    // closes: no handler, and nothing after it is read.
    if (api::http::framing_error(req, parser.get().version()))
      return 0;
    check_routing(req);
    check_call(req);
  }
  return 0;
}
