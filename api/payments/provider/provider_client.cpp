#include "api/payments/provider/provider_client.h"

#include <curl/curl.h>

#include <memory>

#include "api/curl/body_sink.h"
#include "api/curl/curl_init.h"
#include "api/curl/url_check.h"

namespace orderly::api::payments::provider {

namespace {

// A provider's answer is a small JSON object; anything bigger is not one.
constexpr size_t kMaxReplyBytes = 64 * 1024;

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// libcurl's progress callback: a non-zero answer aborts the transfer, so a
// stopping engine does not wait out a slow provider.
int check_cancel(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* flag = static_cast<const std::atomic<bool>*>(cancel);
  return flag != nullptr && flag->load() ? 1 : 0;
}

std::string base_of(std::string_view url) {
  std::string base(url);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base;
}

}  // namespace

Status check_provider_url(std::string_view text) {
  const std::string shown = "--payment-provider-url " + std::string(text);
  auto url = curl::parse_url_with_host(text);
  if (!url)
    return Status::invalid_argument(shown + ": " + url.status().message());
  if (url->has_userinfo())
    return Status::invalid_argument(shown + ": credentials belong in --payment-provider-key-file");
  if (url->has_query() || url->has_fragment())
    return Status::invalid_argument(shown + ": a base URL has no query or fragment");
  if (Status st = curl::check_https_or_loopback(*url); !st)
    return Status::invalid_argument(shown + ": " + st.message());
  return Status::ok();
}

Result<ProviderReply> post_to_provider(const ProviderConfig& config, std::string_view path,
                                       std::string_view json_body, std::string_view idempotency_key,
                                       const std::atomic<bool>* cancel) {
  curl::curl_init_once();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl)
    return Status::internal("libcurl could not make a handle");
  CURL* c = curl.get();
  const std::string url = base_of(config.base_url) + std::string(path);
  std::unique_ptr<curl_slist, SlistFree> headers;
  const std::string key = "Idempotency-Key: " + std::string(idempotency_key);
  headers.reset(curl_slist_append(headers.release(), key.c_str()));
  const std::string bearer = "Authorization: Bearer " + config.api_key;
  if (!config.api_key.empty())
    headers.reset(curl_slist_append(headers.release(), bearer.c_str()));
  headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  headers.reset(curl_slist_append(headers.release(), "Accept: application/json"));
  // No "Expect: 100-continue" round trip for a small body.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));
  curl::BodySink sink{{}, kMaxReplyBytes, false};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl::set_strict_transfer(c, static_cast<long>(config.connect_timeout.count()),
                            static_cast<long>(config.timeout.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl::collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancel);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
  const CURLcode rc = curl_easy_perform(c);
  if (sink.over) {
    return Status::unavailable("the payment provider answered " + url + " with more than " +
                               std::to_string(kMaxReplyBytes) + " bytes");
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return Status::unavailable("the call to " + url + " was cancelled: stopping");
  if (rc != CURLE_OK) {
    return Status::unavailable("the payment provider at " + url +
                               " cannot be reached: " + curl_easy_strerror(rc));
  }
  ProviderReply reply;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(sink.body);
  return reply;
}

}  // namespace orderly::api::payments::provider
