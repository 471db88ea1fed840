// The first answer of each keyed command (Idempotency-Key), kept so that a
// retry gets exactly that answer back: the same status, headers and body,
// whatever the resource became since (issue 19).
//
// In memory and bounded (oldest first out, by count and by bytes): after a
// restart, or once an answer has been pushed out, a retry is answered from
// the log instead (api/rest/routes/folded_row.h: orders, payments, products as created,
// registrations), or, for commands whose answer the log alone cannot
// rebuild (cart changes, product updates), with the resource as it is now.
// Only answers with the resource in them (200, 201, 204) are kept: a 202
// "accepted, the read model is behind" is better answered in full later.
//
// Thread safety: every member from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/http/message.h"
#include "commands/command.h"
#include "core/mutex.h"

namespace orderly::api::rest {

class FirstAnswers {
 public:
  explicit FirstAnswers(size_t max_entries = 10'000, size_t max_bytes = 16 << 20)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // The key a command's answer is kept under: the scope the writer records
  // its Idempotency-Key under (commands::idempotency_scope; empty without a
  // key: nothing is kept).
  static std::string key_of(const commands::CommandMeta& meta);

  void keep(const std::string& key, const http::Response& answer) EXCLUDES(mu_);
  std::optional<http::Response> find(const std::string& key) const EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  static size_t bytes_of(const std::string& key, const http::Response& r);

  const size_t max_entries_, max_bytes_;
  mutable Mutex mu_;
  std::unordered_map<std::string, http::Response> answers_ GUARDED_BY(mu_);
  std::deque<std::string> order_ GUARDED_BY(mu_);  // oldest first
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace orderly::api::rest
