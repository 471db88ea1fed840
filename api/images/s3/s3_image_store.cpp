#include "api/images/s3/s3_image_store.h"

#include <curl/curl.h>

#include "api/curl/body_sink.h"
#include "api/curl/curl_init.h"
#include "api/curl/url_check.h"

namespace orderly::api::images::s3 {

namespace {

// An image answer larger than this is not one of ours (originals are at
// most --max-image-bytes before re-encoding).
constexpr size_t kMaxObjectBytes = 256u << 20;
constexpr long kConnectTimeoutMs = 2'000;
constexpr long kTotalTimeoutMs = 15'000;

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

bool valid_region(std::string_view region) {
  if (region.empty() || region.size() > 32)
    return false;
  for (const char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

enum class Method { kGet, kHead, kPut };

struct Reply {
  long status = 0;
  std::string body;
};

// Thread safety: constant after construction; each call has its own handle.
class S3ImageStore final : public ImageStore {
 public:
  explicit S3ImageStore(S3Options options) : options_(std::move(options)) {
    while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
      options_.endpoint.pop_back();
    base_ = options_.endpoint + "/" + options_.location.bucket + "/";
    if (!options_.location.prefix.empty())
      base_ += options_.location.prefix + "/";
    sigv4_ = "aws:amz:" + options_.region + ":s3";
  }

  Status put(const ImageFile& file) override {
    const std::string name = file.name();
    auto reply = call(Method::kPut, name, file.bytes, content_type_of(file.format));
    if (!reply)
      return reply.status();
    if (reply->status == 200)
      return Status::ok();
    return refused("PUT", name, *reply);
  }

  Result<std::optional<std::string>> get(std::string_view name) override {
    if (!parse_image_name(name))
      return std::optional<std::string>();
    auto reply = call(Method::kGet, name, {}, {});
    if (!reply)
      return reply.status();
    if (reply->status == 200)
      return std::optional<std::string>(std::move(reply->body));
    if (reply->status == 404)
      return std::optional<std::string>();
    return refused("GET", name, *reply);
  }

  Result<bool> exists(std::string_view name) override {
    if (!parse_image_name(name))
      return false;
    auto reply = call(Method::kHead, name, {}, {});
    if (!reply)
      return reply.status();
    if (reply->status == 200)
      return true;
    if (reply->status == 404)
      return false;
    return refused("HEAD", name, *reply);
  }

  std::string describe() const override {
    return to_string(options_.location) + " at " + options_.endpoint;
  }

 private:
  // The store's error for an answer that is not the one wanted.
  Status refused(std::string_view method, std::string_view name, const Reply& reply) const {
    const std::string what = std::string(method) + " " + std::string(name) + " in " + describe();
    const std::string said = reply.body.substr(0, 300);
    if (reply.status == 403) {
      return Status::unavailable(what + ": 403, the object store refuses the credentials of " +
                                 "--s3-credentials-file (or their permissions): " + said);
    }
    if (reply.status >= 500)
      return Status::unavailable(what + ": the object store answered " +
                                 std::to_string(reply.status) + ": " + said);
    if (reply.status == 404) {
      return Status::unavailable(what + ": 404, does the bucket " + options_.location.bucket +
                                 " exist? " + said);
    }
    return Status::internal(what + ": the object store answered " + std::to_string(reply.status) +
                            ": " + said);
  }

  // REQUIRES: `name` is a valid image name (it is put in the URL as is).
  Result<Reply> call(Method method, std::string_view name, std::string_view body,
                     std::string_view content_type) const {
    curl::curl_init_once();
    std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
    if (!curl)
      return Status::internal("libcurl could not make a handle");
    CURL* c = curl.get();
    const std::string url = base_ + std::string(name);
    // S3 signs the payload's hash, and libcurl 7.88 does not send it.
    std::unique_ptr<curl_slist, SlistFree> headers;
    const std::string sha = "x-amz-content-sha256: " + sha256_hex(body);
    headers.reset(curl_slist_append(headers.release(), sha.c_str()));
    if (!content_type.empty()) {
      const std::string type = "Content-Type: " + std::string(content_type);
      headers.reset(curl_slist_append(headers.release(), type.c_str()));
    }
    curl::BodySink sink{{}, kMaxObjectBytes, false};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl::set_strict_transfer(c, kConnectTimeoutMs, kTotalTimeoutMs);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.credentials.access_key_id.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.credentials.secret_access_key.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl::collect_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    switch (method) {
      case Method::kGet:
        break;
      case Method::kHead:
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        break;
      case Method::kPut:
        // The body as POSTFIELDS under the PUT verb: libcurl then signs
        // exactly these bytes.
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        break;
    }
    const CURLcode rc = curl_easy_perform(c);
    if (sink.over)
      return Status::internal(url + " answered more than " + std::to_string(kMaxObjectBytes) +
                              " bytes");
    if (rc != CURLE_OK) {
      return Status::unavailable("the object store at " + options_.endpoint +
                                 " cannot be reached: " + curl_easy_strerror(rc));
    }
    Reply reply;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.body = std::move(sink.body);
    return reply;
  }

  // Constant after construction.
  S3Options options_;
  std::string base_;   // "<endpoint>/<bucket>/[<prefix>/]"
  std::string sigv4_;  // "aws:amz:<region>:s3"
};

}  // namespace

Status check_s3_endpoint(std::string_view endpoint) {
  auto url = curl::parse_url_with_host(endpoint);
  if (!url)
    return Status::invalid_argument("--s3-endpoint is " + url.status().message() + ": " +
                                    std::string(endpoint));
  if (url->has_userinfo() || url->has_query() || url->has_fragment() ||
      (!url->path().empty() && url->path() != "/")) {
    return Status::invalid_argument(
        "--s3-endpoint is scheme://host[:port] only (the credentials come from "
        "--s3-credentials-file): " +
        std::string(endpoint));
  }
  if (Status st = curl::check_https_or_loopback(*url); !st)
    return Status::invalid_argument("--s3-endpoint " + st.message() + ": " + std::string(endpoint));
  return Status::ok();
}

Result<std::unique_ptr<ImageStore>> make_s3_image_store(S3Options options) {
  ORDERLY_RETURN_IF_ERROR(check_s3_endpoint(options.endpoint));
  if (options.location.bucket.empty())
    return Status::invalid_argument("the S3 image store needs a bucket");
  if (!valid_region(options.region))
    return Status::invalid_argument("--s3-region is a region name like us-east-1, not \"" +
                                    options.region + "\"");
  if (options.credentials.access_key_id.empty() || options.credentials.secret_access_key.empty())
    return Status::invalid_argument("the S3 image store needs credentials (--s3-credentials-file)");
  return std::unique_ptr<ImageStore>(std::make_unique<S3ImageStore>(std::move(options)));
}

}  // namespace orderly::api::images::s3
