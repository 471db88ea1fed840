#include "api/rest/first_answers.h"

namespace orderly::api::rest {

std::string FirstAnswers::key_of(const commands::CommandMeta& meta) {
  return commands::idempotency_scope(meta);  // the scope the writer keeps the key under
}

size_t FirstAnswers::bytes_of(const std::string& key, const http::Response& r) {
  size_t n = key.size() + r.body.size() + r.content_type.size() + sizeof(http::Response);
  for (const auto& [name, value] : r.headers)
    n += name.size() + value.size();
  return n;
}

void FirstAnswers::keep(const std::string& key, const http::Response& answer) {
  if (key.empty() || (answer.status != 200 && answer.status != 201 && answer.status != 204))
    return;
  const size_t size = bytes_of(key, answer);
  if (size > max_bytes_)
    return;
  MutexLock lock(mu_);
  if (!answers_.emplace(key, answer).second)
    return;  // the first one stays
  order_.push_back(key);
  bytes_ += size;
  while (!order_.empty() && (answers_.size() > max_entries_ || bytes_ > max_bytes_)) {
    auto it = answers_.find(order_.front());
    bytes_ -= bytes_of(it->first, it->second);
    answers_.erase(it);
    order_.pop_front();
  }
}

std::optional<http::Response> FirstAnswers::find(const std::string& key) const {
  if (key.empty())
    return std::nullopt;
  MutexLock lock(mu_);
  auto it = answers_.find(key);
  if (it == answers_.end())
    return std::nullopt;
  return it->second;
}

size_t FirstAnswers::size() const {
  MutexLock lock(mu_);
  return answers_.size();
}

}  // namespace orderly::api::rest
