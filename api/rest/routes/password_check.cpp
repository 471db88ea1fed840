#include "api/rest/routes/password_check.h"

#include <memory>
#include <string>
#include <utility>

namespace orderly::api::rest::routes {

namespace {

// The answer to a password check the gate did not admit.
void answer_throttled(const CallPtr& call, int retry_after_s) {
  http::Response r = problem(429, "rate_limited",
                             "too many password attempts from this address or for this account; "
                             "retry after the time in Retry-After");
  r.header("Retry-After", std::to_string(retry_after_s));
  call->answer(std::move(r));
}

}  // namespace

void run_password_check(Context& ctx, const CallPtr& call, std::string_view account,
                        std::function<void(auth::PasswordGate::Slot&)> job) {
  auto verdict = ctx.password_gate.admit(call->request.remote_address, account);
  if (!verdict.slot)
    return answer_throttled(call, verdict.retry_after_s);
  std::shared_ptr<auth::PasswordGate::Slot> slot = std::move(verdict.slot);
  // Registrations (no account yet) take at most what suspect attempts may:
  // a crowd of them cannot fill the queue and starve every login.
  const size_t limit = auth::PasswordGate::queue_limit(ctx.password_workers.capacity(),
                                                       slot->suspect() || account.empty());
  const bool queued =
      ctx.password_workers.submit([slot, job = std::move(job)] { job(*slot); }, limit);
  if (!queued)
    call->answer(problem(503, "overloaded", "too many logins and registrations at once; retry"));
}

}  // namespace orderly::api::rest::routes
