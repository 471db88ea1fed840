#include "api/oidc/http_fetch.h"

#include <curl/curl.h>
#include <sodium.h>

#include <boost/url/parse.hpp>
#include <memory>
#include <mutex>

namespace orderly::api::oidc {

namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  std::string body;
  size_t max_bytes = 0;
  bool over = false;
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<Sink*>(out);
  if (sink->body.size() + size * n > sink->max_bytes) {
    sink->over = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  sink->body.append(data, size * n);
  return size * n;
}

void curl_init_once() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool loopback_host(const boost::urls::url_view& url) {
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
      return url.host_ipv4_address().is_loopback();
    case boost::urls::host_type::ipv6:
      return url.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name:
      return url.encoded_host() == "localhost";
    default:
      return false;
  }
}

}  // namespace

Status check_fetch_url(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url || url->host().empty())
    return Status::invalid_argument("not an absolute URL with a host: " + std::string(text));
  if (url->has_userinfo())
    return Status::invalid_argument("a URL with credentials in it: refused");
  if (url->scheme() == "https")
    return Status::ok();
  if (url->scheme() == "http" && loopback_host(*url))
    return Status::ok();
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
  curl_init_once();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl)
    return Status::internal("libcurl could not make a handle");
  std::unique_ptr<curl_slist, SlistFree> headers;
  for (const std::string& h : request.headers)
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  Sink sink{{}, limits.max_bytes, false};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  // Checked above; told to libcurl too, so nothing else is ever spoken.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(limits.timeout.count(), 5000)));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.form.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.form.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.form.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
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
