// A read-model row as a command's first answer showed it, read back from
// the log: the events of the row's stream up to the command's last
// position, folded into a fresh instance of the read model.
//
// A retried command (same Idempotency-Key and request) answers from this,
// so its answer is the first one again, not the row as it is now (an order
// paid since the first answer stays "pending" in the retry's answer), also
// after a restart: the processor knows the first command's positions from
// the log. Exact for rows built from their own stream's events only (an
// order, a payment, a user as registered, a product as created); a
// product's reserved units come from orders' events, which this does not
// read.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "api/rest/routes/context.h"
#include "core/mutex.h"
#include "core/status.h"
#include "eventstore/store.h"

namespace orderly::api::rest::routes {

// REQUIRES: `Model` is a projections::Projection with a default constructor.
template <typename Model>
Result<std::unique_ptr<Model>> fold_stream_until(const eventstore::EventStore& store,
                                                 const std::string& stream,
                                                 uint64_t last_position) {
  constexpr uint64_t kPage = 64;
  auto model = std::make_unique<Model>();
  WriterLock lock(model->mutex());  // no other thread sees it yet: for the analysis
  for (uint64_t version = 1;; version += kPage) {
    auto events = store.read_stream(stream, version, kPage);
    if (!events)
      return events.status();
    for (const auto& ev : *events) {
      if (ev->position() > last_position)
        return model;
      model->apply(ev.view());
    }
    if (events->size() < kPage)
      return model;
  }
}

// The row a command's answer shows: the read model's, or for a retry (same
// Idempotency-Key) the one the first answer showed, folded from the log
// (fold_stream_until above); folded too when `moved_on` says the read model's row
// already holds later commands' changes. The caller must be allowed to see
// it either way.
template <typename Model, typename Row, typename MovedOn>
Result<std::optional<Row>> row_as_answered(Context& ctx, const CallPtr& call,
                                           std::string_view model, const std::string& stream,
                                           const std::string& id,
                                           const commands::CommandReply& reply,
                                           MovedOn&& moved_on) {
  std::optional<Row> row;
  if (!reply.duplicate)
    row = ctx.model<Model>(model)->get(id);
  if (reply.duplicate || (row && moved_on(*row))) {
    auto folded = fold_stream_until<Model>(ctx.store, stream, reply.last_position);
    if (!folded)
      return folded.status();
    row = (*folded)->get(id);
  }
  if (row && !call->who->is_admin() && row->user_id != call->who->user_id_text)
    row.reset();  // 404, not 403: foreign ids are not confirmed to exist
  return row;
}

}  // namespace orderly::api::rest::routes
