// api/payments/webhook_signature.h: Stripe-style webhook signatures. The
// known vectors were computed independently with Python's hmac module:
//   python3 -c 'import hmac,hashlib; print(hmac.new(SECRET, b"<t>." + BODY,
//               hashlib.sha256).hexdigest())'
#include "api/payments/webhook_signature.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api/rest/problem.h"

using namespace orderly;
using namespace orderly::api::payments;

namespace {

const std::string kSecret = "whsec_test_0123456789abcdef";
const std::string kRotated = "whsec_rotated_fedcba9876543210";
constexpr int64_t kT = 1765000000;
const std::string kBody = R"({"id":"evt_1","type":"payment.succeeded","created":1765000000,)"
                          R"("data":{"payment_id":"p1","amount_cents":1299}})";
const std::string kSig = "514ab9fec5a8a0aab018b6ed33230f5077c265e20549ab71870786a5a191f858";
const std::string kRotatedSig = "94ad709b0f13cd4378f2ea15c4339ca3bfbdfb48dae05e1073ddc2198dc260ae";

std::string header(int64_t t, const std::vector<std::string>& v1s) {
  std::string h = "t=" + std::to_string(t);
  for (const auto& v : v1s)
    h += ",v1=" + v;
  return h;
}

ErrorCode verify_code(const std::string& h, const std::string& body = kBody,
                      const std::vector<std::string>& secrets = {kSecret}, int64_t now = kT) {
  return verify_webhook(h, body, secrets, now).code();
}

}  // namespace

TEST_CASE("payments webhook signature: known HMAC-SHA256 vectors") {
  CHECK(sign_webhook(kSecret, kT, kBody) == kSig);
  CHECK(sign_webhook(kRotated, kT, kBody) == kRotatedSig);
  CHECK(sign_webhook("", 0, "") ==
        "b849d5a581847b281957065739df36df2463d1977ea8d6e1e4e6cf33fadc68c3");
  // Bytes are bytes: UTF-8 and a NUL inside the body are signed as they are.
  CHECK(sign_webhook("k", 1, std::string("\xc3\xa9\0x", 4)) ==
        "6719f4322f3bc70b03082e41d56e20a728cb3b506598162cd47b3d5622793c67");
  CHECK(signature_header_value({kSecret, kRotated}, kT, kBody) ==
        "t=1765000000,v1=" + kSig + ",v1=" + kRotatedSig);
}

TEST_CASE("payments webhook signature: the right secret, body and time pass") {
  CHECK(verify_webhook(header(kT, {kSig}), kBody, {kSecret}, kT).is_ok());
  // Upper-case hex and spaces after the commas are the same signature.
  std::string upper = kSig;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_webhook("t=1765000000, v1=" + upper, kBody, {kSecret}, kT).is_ok());
  // Unknown keys are ignored, wherever they are.
  CHECK(
      verify_webhook("v0=abc,t=1765000000,v1=" + kSig + ",scheme=x", kBody, {kSecret}, kT).is_ok());
}

TEST_CASE("payments webhook signature: a wrong secret, body or t is invalid_signature") {
  CHECK(verify_code(header(kT, {kSig}), kBody, {"whsec_someone_else_entirely"}) ==
        ErrorCode::kInvalidSignature);
  std::string altered = kBody;
  altered.replace(altered.find("1299"), 4, "9999");
  CHECK(verify_code(header(kT, {kSig}), altered) == ErrorCode::kInvalidSignature);
  CHECK(verify_code(header(kT, {kSig}), kBody + " ") == ErrorCode::kInvalidSignature);
  // The same signature under another t (a replay with a fresh timestamp).
  CHECK(verify_code(header(kT + 1, {kSig}), kBody, {kSecret}, kT + 1) ==
        ErrorCode::kInvalidSignature);
  // One flipped digit.
  std::string flipped = kSig;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  CHECK(verify_code(header(kT, {flipped})) == ErrorCode::kInvalidSignature);
  // No secret configured accepts nothing.
  CHECK(verify_code(header(kT, {kSig}), kBody, {}) == ErrorCode::kInvalidSignature);
}

TEST_CASE("payments webhook signature: a t too far in the past or the future is stale") {
  CHECK(verify_code(header(kT, {kSig}), kBody, {kSecret}, kT + 300) == ErrorCode::kOk);
  CHECK(verify_code(header(kT, {kSig}), kBody, {kSecret}, kT - 300) == ErrorCode::kOk);
  CHECK(verify_code(header(kT, {kSig}), kBody, {kSecret}, kT + 301) == ErrorCode::kStaleWebhook);
  CHECK(verify_code(header(kT, {kSig}), kBody, {kSecret}, kT - 301) == ErrorCode::kStaleWebhook);
  CHECK(verify_code(header(kT, {kSig}), kBody, {kSecret}, kT + 86400) == ErrorCode::kStaleWebhook);
  CHECK(verify_webhook(header(kT, {kSig}), kBody, {kSecret}, kT + 10, 5).code() ==
        ErrorCode::kStaleWebhook);
  // A forgery is never called stale: the signature is checked first.
  CHECK(verify_code(header(kT, {kRotatedSig}), kBody, {kSecret}, kT + 86400) ==
        ErrorCode::kInvalidSignature);
}

TEST_CASE("payments webhook signature: rotation, two v1 and two secrets") {
  // The provider signs with old and new; the engine knows either.
  const std::string both = header(kT, {kRotatedSig, kSig});
  CHECK(verify_code(both, kBody, {kSecret}) == ErrorCode::kOk);
  CHECK(verify_code(both, kBody, {kRotated}) == ErrorCode::kOk);
  // The engine knows both, the provider signs with one.
  CHECK(verify_code(header(kT, {kSig}), kBody, {kRotated, kSecret}) == ErrorCode::kOk);
  CHECK(verify_code(header(kT, {kRotatedSig}), kBody, {kRotated, kSecret}) == ErrorCode::kOk);
  // Neither matches.
  CHECK(verify_code(both, kBody, {"whsec_neither_of_the_two_1234"}) ==
        ErrorCode::kInvalidSignature);
}

TEST_CASE("payments webhook signature: malformed headers are invalid_signature") {
  const std::vector<std::string> bad = {
      "",
      "   ",
      "t=1765000000",                             // no v1
      "v1=" + kSig,                               // no t
      "t=1765000000,v0=" + kSig,                  // only an unknown scheme
      "t=,v1=" + kSig,                            // empty t
      "t=-5,v1=" + kSig,                          // signed
      "t=+5,v1=" + kSig,                          // signed
      "t=17650000x0,v1=" + kSig,                  // not digits
      "t=1765000000.5,v1=" + kSig,                // not whole seconds
      "t=9999999999999,v1=" + kSig,               // out of range
      "t=1765000000,t=1765000000,v1=" + kSig,     // t twice
      "t=1765000000,v1=",                         // empty v1
      "t=1765000000,v1=" + kSig.substr(2),        // short
      "t=1765000000,v1=" + kSig + "00",           // long
      "t=1765000000,v1=" + kSig.substr(1) + "g",  // not hex
      "t=1765000000;v1=" + kSig,                  // wrong separator
      "t=1765000000,,v1=" + kSig,                 // empty item
      "t=1765000000,v1=" + kSig + ",",            // trailing comma
      "1765000000," + kSig,                       // no keys
      "=1765000000,v1=" + kSig,                   // empty key
  };
  for (const auto& h : bad) {
    CAPTURE(h);
    auto parsed = parse_signature_header(h);
    REQUIRE_FALSE(parsed.is_ok());
    CHECK(parsed.status().code() == ErrorCode::kInvalidSignature);
    CHECK(parsed.status().message().starts_with("Orderly-Signature: "));
    CHECK(verify_code(h) == ErrorCode::kInvalidSignature);
  }
  // Nine v1 is not a rotation.
  CHECK(verify_code(header(kT, std::vector<std::string>(9, kSig))) == ErrorCode::kInvalidSignature);
  CHECK(verify_code(header(kT, std::vector<std::string>(8, kSig))) == ErrorCode::kOk);
}

TEST_CASE("payments webhook signature: the parser keeps t and every v1 in lower case") {
  auto parsed = parse_signature_header(" t=42 , v1=" + kRotatedSig + ", v2=zz ,v1=" + kSig);
  REQUIRE(parsed.is_ok());
  CHECK(parsed->timestamp_s == 42);
  CHECK(parsed->v1 == std::vector<std::string>{kRotatedSig, kSig});
}

TEST_CASE("payments webhook signature: the codes are stable names answered with 400") {
  CHECK(error_code_name(ErrorCode::kInvalidSignature) == "invalid_signature");
  CHECK(error_code_name(ErrorCode::kStaleWebhook) == "stale_webhook");
  CHECK(api::rest::http_status_of(ErrorCode::kInvalidSignature) == 400);
  CHECK(api::rest::http_status_of(ErrorCode::kStaleWebhook) == 400);
}
