#include "api/auth/email_token.h"

#include "api/auth/jwt.h"
#include "core/digest.h"
#include "core/ids.h"

namespace orderly::api::auth {

namespace {

std::string_view purpose_name(EmailTokenPurpose p) {
  return p == EmailTokenPurpose::kVerifyEmail ? "verify-email/v1" : "password-reset/v1";
}

// The same digest as refresh tokens: the secret has 256 bits, so a fast
// hash suffices.
std::string secret_hash(std::string_view secret) {
  return digest128_hex(secret);
}

}  // namespace

EmailToken email_token(std::string_view server_secret, EmailTokenPurpose purpose, const Uuid& user,
                       const Uuid& token_id) {
  const std::string key = hmac_sha256("orderly/email-token-key/v1", server_secret);
  const std::string secret = base64url(hmac_sha256(
      std::string(purpose_name(purpose)) + "|" + user.to_string() + "|" + token_id.to_string(),
      key));
  EmailToken t;
  t.user_id = user;
  t.token_id = token_id;
  t.text = user.to_string() + "." + token_id.to_string() + "." + secret;
  t.hash = secret_hash(secret);
  return t;
}

EmailToken new_email_token(std::string_view server_secret, EmailTokenPurpose purpose,
                           const Uuid& user) {
  return email_token(server_secret, purpose, user, *Uuid::parse(new_uuid_v7()));
}

std::optional<EmailToken> parse_email_token(std::string_view text) {
  const size_t a = text.find('.');
  const size_t b = a == std::string_view::npos ? a : text.find('.', a + 1);
  if (b == std::string_view::npos)
    return std::nullopt;
  const auto user = Uuid::parse(text.substr(0, a));
  const auto token = Uuid::parse(text.substr(a + 1, b - a - 1));
  const std::string_view secret = text.substr(b + 1);
  if (!user || !token || secret.size() != 43)  // base64url of 32 bytes
    return std::nullopt;
  return EmailToken{*user, *token, "", secret_hash(secret)};
}

}  // namespace orderly::api::auth
