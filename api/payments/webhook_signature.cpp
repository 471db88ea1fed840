#include "api/payments/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <memory>

#include "core/text.h"

namespace orderly::api::payments {

namespace {

using Digest = std::array<unsigned char, 32>;  // SHA-256's size

// Enough digits for any real time (year 33658) and far from int64 overflow.
constexpr size_t kMaxTimestampDigits = 12;

struct MacFree {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

// HMAC-SHA256 of "<t>.<body>", fed in pieces so the body is never copied.
Digest hmac_sha256(std::string_view secret, int64_t t, std::string_view body) {
  const std::string prefix = std::to_string(t) + ".";
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  Digest out{};
  size_t out_len = 0;
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const auto* key =
      secret.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(secret.data());
  const bool ok = ctx && EVP_MAC_init(ctx.get(), key, secret.size(), params) == 1 &&
                  EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(prefix.data()),
                                 prefix.size()) == 1 &&
                  EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(body.data()),
                                 body.size()) == 1 &&
                  EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) == 1 &&
                  out_len == out.size();
  // OpenSSL without HMAC or SHA-256 is a broken installation, not an input
  // error: no caller could do anything but fail.
  if (!ok)
    std::abort();
  return out;
}

std::string to_hex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (unsigned char b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// REQUIRES: `hex` is 64 hex digits (parse_signature_header checked).
Digest from_hex(std::string_view hex) {
  Digest out{};
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<unsigned char>(hex_value(hex[2 * i]) * 16 + hex_value(hex[2 * i + 1]));
  return out;
}

bool is_hex_digest(std::string_view s) {
  if (s.size() != 64)
    return false;
  for (char c : s) {
    if (hex_value(c) < 0)
      return false;
  }
  return true;
}

Status malformed(std::string why) {
  return Status::invalid_signature(std::string(kSignatureHeader) + ": " + std::move(why));
}

}  // namespace

Result<SignatureHeader> parse_signature_header(std::string_view text) {
  text = trim_ows(text);
  if (text.empty())
    return malformed("missing");
  SignatureHeader header;
  bool have_t = false;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view item = trim_ows(text.substr(0, comma));
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return malformed("each item must be key=value");
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (have_t)
        return malformed("t is given twice");
      if (value.empty() || value.size() > kMaxTimestampDigits)
        return malformed("t must be unix seconds");
      int64_t t = 0;
      for (char c : value) {
        if (c < '0' || c > '9')
          return malformed("t must be unix seconds");
        t = t * 10 + (c - '0');
      }
      header.timestamp_s = t;
      have_t = true;
    } else if (key == "v1") {
      if (!is_hex_digest(value))
        return malformed("v1 must be 64 hex digits");
      if (header.v1.size() == kMaxSignatures)
        return malformed("more than " + std::to_string(kMaxSignatures) + " v1 signatures");
      header.v1.push_back(ascii_lower(value));
    }
    // Any other key is ignored: a scheme this code does not know.
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  if (!have_t)
    return malformed("t is missing");
  if (header.v1.empty())
    return malformed("no v1 signature");
  return header;
}

std::string sign_webhook(std::string_view secret, int64_t t, std::string_view body) {
  return to_hex(hmac_sha256(secret, t, body));
}

std::string signature_header_value(const std::vector<std::string>& secrets, int64_t t,
                                   std::string_view body) {
  std::string out = "t=" + std::to_string(t);
  for (const std::string& secret : secrets)
    out += ",v1=" + sign_webhook(secret, t, body);
  return out;
}

Status verify_webhook(std::string_view header_text, std::string_view body,
                      const std::vector<std::string>& secrets, int64_t now_s, int64_t tolerance_s) {
  auto header = parse_signature_header(header_text);
  if (!header.is_ok())
    return header.status();
  if (secrets.empty())
    return Status::invalid_signature("no webhook secret is configured");
  bool matched = false;
  for (const std::string& secret : secrets) {
    const Digest expected = hmac_sha256(secret, header->timestamp_s, body);
    for (const std::string& v1 : header->v1) {
      const Digest given = from_hex(v1);
      // Every pair is compared, without stopping at a match: the time taken
      // says nothing about which secret or which signature matched.
      matched |= CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
    }
  }
  if (!matched)
    return Status::invalid_signature("no v1 signature matches the body under the webhook secret");
  const int64_t skew = now_s - header->timestamp_s;
  if (skew > tolerance_s || skew < -tolerance_s) {
    return Status::stale_webhook("the signature's t (" + std::to_string(header->timestamp_s) +
                                 ") is " + std::to_string(skew < 0 ? -skew : skew) + " s " +
                                 (skew < 0 ? "ahead of" : "behind") + " the server's clock (" +
                                 "tolerance " + std::to_string(tolerance_s) + " s)");
  }
  return Status::ok();
}

}  // namespace orderly::api::payments
