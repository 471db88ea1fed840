// The helpers every route file shares: running a command and answering
// once its read model has it, the accounts' loading state, ids.
#include "api/rest/routes/context.h"

#include "core/ids.h"

namespace orderly::api::rest::routes {

http::Response with_position(http::Response r, uint64_t position) {
  r.header("X-Log-Position", std::to_string(position));
  return r;
}

http::Response no_content(uint64_t position) {
  http::Response r;
  r.status = 204;
  return with_position(std::move(r), position);
}

std::string created_id(const commands::CommandReply& reply, std::string_view prefix,
                       const std::string& fallback) {
  if (reply.stream.size() > prefix.size() && reply.stream.starts_with(prefix))
    return reply.stream.substr(prefix.size());
  return fallback;
}

std::string new_id_text() {
  return new_uuid_v7();
}

Uuid new_id_value() {
  return *Uuid::parse(new_uuid_v7());
}

std::optional<Uuid> parse_id(const CallPtr& call, std::string_view param) {
  auto it = call->params.find(param);
  const auto id = it == call->params.end() ? std::nullopt : Uuid::parse(it->second);
  if (!id)
    call->answer(problem(404, "not_found", "no such " + std::string(param)));
  return id;
}

void Context::run(const CallPtr& call, commands::Command command, commands::CommandMeta meta,
                  std::string read_model,
                  std::function<void(const CallPtr&, const commands::CommandReply&)> then) {
  std::string first_key = FirstAnswers::key_of(meta);
  processor.submit(
      std::move(command), std::move(meta),
      [this, call, read_model = std::move(read_model), then = std::move(then),
       first_key = std::move(first_key)](Result<commands::CommandReply> reply) mutable {
        if (!reply)
          return call->fail(reply.status());
        const commands::CommandReply r = *reply;
        // A retry gets the first answer itself while it is kept
        // (api/rest/first_answers.h); the first answer is kept as sent.
        if (!first_key.empty()) {
          if (r.duplicate) {
            if (auto first = first_answers.find(first_key))
              return call->answer(std::move(*first));
          } else {
            call->respond = [this, key = std::move(first_key),
                             inner = std::move(call->respond)](http::Response res) {
              first_answers.keep(key, res);
              inner(std::move(res));
            };
          }
        }
        if (read_model.empty())  // the answer needs no read model
          return then(call, r);
        // Read-your-writes for the answer itself: the body comes from the
        // read model once it has applied the command's events.
        waiter.when_applied(read_model, r.last_position, options.min_position_wait,
                            [call, r, then = std::move(then)](bool applied) {
                              if (applied)
                                return then(call, r);
                              // Durable, but the read model is behind: say so
                              // rather than answer with the state before it.
                              http::Response res =
                                  json_response(202, json::object{{"status", "accepted"},
                                                                  {"position", r.last_position},
                                                                  {"stream", r.stream}});
                              call->answer(with_position(std::move(res), r.last_position));
                            });
      });
}

void Context::end_sessions_now(const commands::CommandReply& reply) {
  if (reply.first_position == 0)
    return;  // nothing appended (a repeat): the first one did this
  eventstore::LogQuery q;
  q.from_position = reply.first_position;
  q.to_position = reply.last_position;
  const Status st = store.scan(q, [this](const EventView& ev) {
    hub.end_sessions(ev);
    return true;
  });
  // The hub still learns them from its feed; only the moment is later.
  if (!st.is_ok())
    log->warn("could not read back the events at {}..{}: {}", q.from_position, q.to_position,
              st.to_string());
}

bool Context::accounts_loading() const {
  return runner.position("users") < log_position_at_start;
}

void Context::when_accounts_loaded(const CallPtr& call, std::function<void()> then) {
  waiter.when_applied("users", log_position_at_start, options.min_position_wait,
                      [call, then = std::move(then)](bool applied) {
                        if (!applied) {
                          return call->fail(Status::projection_lagging(
                              "the accounts are still being loaded; retry"));
                        }
                        then();
                      });
}

}  // namespace orderly::api::rest::routes
