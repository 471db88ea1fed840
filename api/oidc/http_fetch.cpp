#include "api/oidc/http_fetch.h"

#include <curl/curl.h>
#include <sodium.h>

#include <memory>

#include "api/curl/body_sink.h"
#include "api/curl/curl_init.h"
#include "api/curl/url_check.h"

namespace orderly::api::oidc {

namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

Status check_fetch_url(std::string_view text) {
  auto url = curl::parse_url_with_host(text);
  if (!url)
    return Status::invalid_argument(url.status().message() + ": " + std::string(text));
  if (url->has_userinfo())
    return Status::invalid_argument("a URL with credentials in it: refused");
  if (curl::check_https_or_loopback(*url))
    return Status::ok();
  // Its own wording, older than the shared check's.
  return Status::invalid_argument("only https URLs (or http to a loopback host): " +
                                  std::string(text));
}

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  const std::string pair = form_encode(client_id) + ":" + form_encode(client_secret);
  std::string b64(sodium_base64_encoded_len(pair.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(pair.data()),
                    pair.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.size() - 1);  // the terminating NUL
  return "Authorization: Basic " + b64;
}

Result<HttpReply> http_fetch(const HttpRequest& request, const FetchLimits& limits) {
  ORDERLY_RETURN_IF_ERROR(check_fetch_url(request.url));
  curl::curl_init_once();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl)
    return Status::internal("libcurl could not make a handle");
  std::unique_ptr<curl_slist, SlistFree> headers;
  for (const std::string& h : request.headers)
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  curl::BodySink sink{{}, limits.max_bytes, false};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  // Checked above; told to libcurl too, so nothing else is ever spoken.
  curl::set_strict_transfer(c, static_cast<long>(std::min<int64_t>(limits.timeout.count(), 5000)),
                            static_cast<long>(limits.timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.form.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.form.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.form.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl::collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  const CURLcode rc = curl_easy_perform(c);
  if (sink.over || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status::io_error("the answer of " + request.url + " is over " +
                            std::to_string(limits.max_bytes) + " bytes");
  }
  if (rc != CURLE_OK)
    return Status::io_error(request.url + " did not answer: " + curl_easy_strerror(rc));
  HttpReply reply;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(sink.body);
  return reply;
}

}  // namespace orderly::api::oidc
