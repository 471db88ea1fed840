// What the engine does for either email notifier: the one inside `orderly
// serve` (api/notify/email/email_notifier.h) calls these directly, `orderly
// notify email` through the admin API (api/rest/routes/notifications.cpp).
// No SMTP, no NATS: the route files link this and never libcurl.
#pragma once

#include <vector>

#include "api/notify/requests/email_facts.h"
#include "api/notify/requests/email_limits.h"
#include "commands/processor.h"
#include "core/envelope.h"
#include "core/status.h"
#include "eventstore/store.h"
#include "projections/runner.h"

namespace orderly::api::notify::requests {

// Who the notifiers' records are from: the engine (no actor).
commands::CommandMeta engine_meta();

// Records the email request for a domain event, with its recipient from the
// read models (waiting up to 10 s for them to reach the event). `id` is nil
// when the event mails nobody; `created` is false for a request recorded
// before. With `limiter`, an email past the recipient's limits
// (email_limits.h) is requested and at once recorded failed, "suppressed:
// ...", never to be sent (`suppressed`). Errors: the pipeline could not
// take it now (overloaded, stopping).
// An event that mails several people (a dispute: every active admin) has
// one request each: `ids` all of them, `id` the first, `created` true when
// any was new.
struct EmailRequestOutcome {
  Uuid id;
  bool created = false;
  bool suppressed = false;
  std::vector<Uuid> ids{};
};
Result<EmailRequestOutcome> request_email(const EventView& event,
                                          const projections::ProjectionRunner& models,
                                          commands::CommandProcessor& processor,
                                          EmailRateLimiter* limiter = nullptr);

// request_email in two steps, for a follower that asks for a whole slice of
// the log at once: plan_email appends the requests an event calls for (none
// when it mails nobody), with the limiter's verdict; record_email_requests
// submits them all before waiting for any, so that they share the writer's
// group commits (one fsync round for the slice, not one per email), and
// gives one outcome per planned request, in order.
struct PlannedEmail {
  commands::RequestNotification request;
  std::string suppressed;  // the limiter's reason: recorded failed at once
};
struct RequestedEmail {
  Uuid id;
  bool created = false;
  bool suppressed = false;
};
void plan_email(const EventView& event, const projections::ProjectionRunner& models,
                EmailRateLimiter* limiter, std::vector<PlannedEmail>& out);
std::vector<Result<RequestedEmail>> record_email_requests(const std::vector<PlannedEmail>& planned,
                                                          commands::CommandProcessor& processor);

// What the email caused by the event at `source_position` says: the
// event's own facts, the order's lines and totals, the owner's name; an
// account email's link token through `action_token`.
Result<EmailFacts> email_facts(const eventstore::EventStore& log,
                               const projections::ProjectionRunner& models,
                               uint64_t source_position, const ActionTokenFn& action_token);

}  // namespace orderly::api::notify::requests
