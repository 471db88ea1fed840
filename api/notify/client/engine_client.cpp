#include "api/notify/client/engine_client.h"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "api/notify/email/email.h"
#include "core/mutex.h"

namespace orderly::api::notify::client {

namespace json = boost::json;

namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

struct EngineClient::Impl {
  EngineAccount account;
  Mutex mu;  // one request at a time on the handle
  CURL* curl GUARDED_BY(mu) = nullptr;
  std::string access_token GUARDED_BY(mu);

  explicit Impl(EngineAccount a) : account(std::move(a)) {
    email::curl_init_once();
    curl = curl_easy_init();
  }
  ~Impl() {
    if (curl)
      curl_easy_cleanup(curl);
  }

  // One request on the kept-alive handle.
  Result<EngineReply> perform(std::string_view token, std::string_view method,
                              std::string_view path, std::string_view body,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30))
      REQUIRES(mu) {
    if (curl == nullptr)
      return Status::internal("libcurl could not make a handle");
    curl_easy_reset(curl);
    const std::string url = account.url + std::string(path);
    const std::string verb(method);
    EngineReply reply;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (!body.empty() || method == "POST")
      headers = curl_slist_append(headers, "Content-Type: application/json");
    const std::string auth = "Authorization: Bearer " + std::string(token);
    if (!token.empty())
      headers = curl_slist_append(headers, auth.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (method == "POST" || method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(timeout.count(), 5000)));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      return Status::io_error("the engine at " + account.url +
                              " did not answer: " + curl_easy_strerror(rc));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

  Status login_locked() REQUIRES(mu) {
    const std::string body =
        json::serialize(json::object{{"email", account.email}, {"password", account.password}});
    auto r = perform("", "POST", "/api/auth/login", body);
    if (!r)
      return r.status();
    if (r->status == 401 || r->status == 400 || r->status == 404)
      return Status::unauthorized("the engine refused the login of " + account.email);
    if (r->status != 200)
      return Status::io_error("login answered " + std::to_string(r->status));
    boost::system::error_code ec;
    const json::value v = json::parse(r->body, ec);
    const auto* token = ec || !v.is_object() ? nullptr : v.as_object().if_contains("access_token");
    if (token == nullptr || !token->is_string())
      return Status::io_error("the login answer has no access_token");
    access_token = std::string(token->as_string());
    return Status::ok();
  }
};

EngineClient::EngineClient(EngineAccount account)
    : impl_(std::make_unique<Impl>(std::move(account))) {}

EngineClient::~EngineClient() = default;

Status EngineClient::login() {
  MutexLock lock(impl_->mu);
  return impl_->login_locked();
}

Result<EngineReply> EngineClient::call(std::string_view method, std::string_view path,
                                       std::string_view body) {
  std::chrono::milliseconds backoff(100);
  Status last = Status::ok();
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(3000));
    }
    MutexLock lock(impl_->mu);
    if (impl_->access_token.empty()) {
      last = impl_->login_locked();
      if (last.code() == ErrorCode::kUnauthorized)
        return last;
      if (!last.is_ok())
        continue;
    }
    auto r = impl_->perform(impl_->access_token, method, path, body);
    if (!r) {
      last = r.status();
      continue;
    }
    if (r->status == 401) {  // expired: log in again
      impl_->access_token.clear();
      last = Status::unauthorized("the engine refused the access token");
      continue;
    }
    // Overloaded, rate limited, or its disk full: each passes by itself.
    if (r->status == 503 || r->status == 429 || r->status == 507) {
      last = Status::io_error("the engine answered " + std::to_string(r->status));
      continue;
    }
    return r;
  }
  return last;
}

Result<std::string> EngineClient::access_token() {
  MutexLock lock(impl_->mu);
  if (impl_->access_token.empty())
    ORDERLY_RETURN_IF_ERROR(impl_->login_locked());
  return impl_->access_token;
}

Result<EngineReply> EngineClient::call_once(std::string_view method, std::string_view path,
                                            std::chrono::milliseconds timeout) {
  MutexLock lock(impl_->mu);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (impl_->access_token.empty())
      ORDERLY_RETURN_IF_ERROR(impl_->login_locked());
    auto r = impl_->perform(impl_->access_token, method, path, "", timeout);
    if (!r || r->status != 401)
      return r;
    impl_->access_token.clear();  // expired: log in again, once
  }
  return Status::unauthorized("the engine refused the access token");
}

Result<EngineReply> EngineClient::call_with_token(std::string_view token, std::string_view method,
                                                  std::string_view path) {
  MutexLock lock(impl_->mu);
  return impl_->perform(token, method, path, "", std::chrono::seconds(5));
}

}  // namespace orderly::api::notify::client
