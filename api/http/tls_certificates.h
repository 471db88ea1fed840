// The HTTP server's TLS settings and certificate (`orderly serve --tls-cert
// --tls-key`): a certificate chain and its private key, PEM files, loaded
// and checked into an OpenSSL context that allows TLS 1.2 and 1.3 only,
// Mozilla's "intermediate" ciphers, no compression and no renegotiation.
//
// reload() reads the files again into a new context and, only when they
// are good, makes it the current one: connections accepted from then on
// handshake with the new certificate, while each open connection keeps the
// context it started with (it holds a reference) until it closes. A reload
// that fails keeps the old context and says why.
//
// Asio's ssl::context is only forward-declared here: this header stays
// cheap for the CLI that includes it.
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <memory>
#include <string>

#include "core/mutex.h"
#include "core/status.h"

namespace boost::asio::ssl {
class context;
}

namespace orderly::api::http {

class TlsCertificates {
 public:
  // invalid_argument naming the file: unreadable, no PEM certificate in
  // `cert_file`, no (unencrypted) PEM private key in `key_file`, or a key
  // that does not belong to the certificate.
  static Result<std::shared_ptr<TlsCertificates>> load(std::string cert_file, std::string key_file);

  // The files read again (they may have been replaced): OK when the new
  // certificate is current, else the error as load() gives it and the old
  // certificate stays.
  Status reload() EXCLUDES(mu_);

  // The context new connections handshake with; they keep it for their life.
  std::shared_ptr<boost::asio::ssl::context> current() const EXCLUDES(mu_);
  // The current certificate in one line, for the log: its subject, serial
  // and end of validity.
  std::string describe() const EXCLUDES(mu_);

  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }

 private:
  TlsCertificates(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

  const std::string cert_file_, key_file_;
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_ GUARDED_BY(mu_);
  std::string description_ GUARDED_BY(mu_);
};

}  // namespace orderly::api::http
