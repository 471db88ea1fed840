#include "api/http/tls_certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace orderly::api::http {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" configuration (server side TLS guidelines, 5.7):
// forward-secret AEAD ciphers only for TLS 1.2; TLS 1.3's three suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

// OpenSSL's reasons queued since the last call, joined, and the queue emptied.
std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty())
      out += "; ";
    out += buf;
  }
  return out.empty() ? "no reason given" : out;
}

// An encrypted key would make OpenSSL ask for its passphrase on the
// terminal: refused instead (a server starts unattended).
int no_passphrase(char*, int, int, void*) {
  return 0;
}

Status readable(std::string_view what, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::invalid_argument("cannot read the TLS " + std::string(what) + " file " + path +
                                    ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::invalid_argument("the TLS " + std::string(what) + " file " + path +
                                    " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::invalid_argument("cannot read the TLS " + std::string(what) + " file " + path +
                                    ": " + std::strerror(errno));
  }
  return Status::ok();
}

std::string certificate_line(const X509* cert) {
  if (cert == nullptr)
    return "no certificate";
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  BIO_puts(bio, ", serial ");
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      BIO_puts(bio, hex);
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  const bool expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
  BIO_puts(bio, expired ? ", EXPIRED since " : ", valid until ");
  ASN1_TIME_print(bio, X509_get0_notAfter(cert));
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  out.assign(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

struct Loaded {
  std::shared_ptr<ssl::context> context;
  std::string description;
};

Result<Loaded> load_context(const std::string& cert_file, const std::string& key_file) {
  ORDERLY_RETURN_IF_ERROR(readable("certificate", cert_file));
  ORDERLY_RETURN_IF_ERROR(readable("key", key_file));
  ERR_clear_error();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  // No renegotiation either way (and none by clients is OpenSSL 3's default:
  // SSL_OP_ALLOW_CLIENT_RENEGOTIATION stays off).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return Status::internal("this OpenSSL lacks the TLS ciphers Orderly needs: " +
                            openssl_errors());
  }
  SSL_CTX_set_dh_auto(ctx, 1);  // DHE-RSA with a group as strong as the key
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);

  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Status::invalid_argument(
        "no PEM certificate in the TLS certificate file " + cert_file +
        " (expected -----BEGIN CERTIFICATE-----, the server's certificate first, then its "
        "intermediates): " +
        openssl_errors());
  }
  EVP_PKEY* key = nullptr;
  if (BIO* bio = BIO_new_file(key_file.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
    BIO_free(bio);
  }
  if (key == nullptr) {
    return Status::invalid_argument(
        "no unencrypted PEM private key in the TLS key file " + key_file +
        " (expected -----BEGIN PRIVATE KEY----- or -----BEGIN EC/RSA PRIVATE KEY-----): " +
        openssl_errors());
  }
  const bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!used || SSL_CTX_check_private_key(ctx) != 1) {
    return Status::invalid_argument("the private key in " + key_file +
                                    " does not match the certificate in " + cert_file + ": " +
                                    openssl_errors());
  }
  return Loaded{std::move(context), certificate_line(SSL_CTX_get0_certificate(ctx))};
}

}  // namespace

Result<std::shared_ptr<TlsCertificates>> TlsCertificates::load(std::string cert_file,
                                                               std::string key_file) {
  std::shared_ptr<TlsCertificates> out(
      new TlsCertificates(std::move(cert_file), std::move(key_file)));
  ORDERLY_RETURN_IF_ERROR(out->reload());
  return out;
}

Status TlsCertificates::reload() {
  auto loaded = load_context(cert_file_, key_file_);
  if (!loaded)
    return loaded.status();
  MutexLock lock(mu_);
  context_ = std::move(loaded->context);
  description_ = std::move(loaded->description);
  return Status::ok();
}

std::shared_ptr<ssl::context> TlsCertificates::current() const {
  MutexLock lock(mu_);
  return context_;
}

std::string TlsCertificates::describe() const {
  MutexLock lock(mu_);
  return description_;
}

}  // namespace orderly::api::http
