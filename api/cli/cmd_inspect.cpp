// `orderly inspect STREAM`: an aggregate's state as of a version or a time,
// and the events that built it (time travel, for debugging one order).
//
// The whole log is folded up to the chosen event, not just the stream: a
// product's reservations are carried by order events (commands/product.h).
#include <cstdio>

#include "api/cli/commands.h"
#include "api/cli/state_json.h"
#include "commands/shop_state.h"
#include "core/event_json.h"
#include "eventstore/store.h"

namespace orderly::cli {

int run_inspect(const CommonOptions& common, const InspectOptions& o) {
  std::optional<TimestampUs> at_time;
  if (!o.at_time.empty() && !(at_time = parse_rfc3339(o.at_time))) {
    std::fprintf(stderr, "orderly inspect: --at-time %s is not an RFC 3339 time\n",
                 o.at_time.c_str());
    return kExitUsage;
  }
  commands::Aggregate aggregate;
  Uuid id;
  if (!commands::parse_stream_name(o.stream, &aggregate, &id)) {
    std::fprintf(stderr,
                 "orderly inspect: %s is not a stream of user, product, cart, order, payment or "
                 "notification\n",
                 o.stream.c_str());
    return kExitUsage;
  }
  eventstore::StoreOptions options;
  options.read_only = true;
  auto opened = eventstore::EventStore::open(common.data_dir, options);
  if (!opened) {
    std::fprintf(stderr, "orderly inspect: %s\n", opened.status().to_string().c_str());
    return kExitFailure;
  }
  auto& store = **opened;
  auto events = store.read_stream(o.stream, 1, UINT64_MAX);
  if (!events) {
    std::fprintf(stderr, "orderly inspect: %s\n", events.status().to_string().c_str());
    return events.status().code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
  }
  // The stream's events up to the version or time asked for.
  size_t n = 0;
  while (n < events->size() && (o.at_version == 0 || (*events)[n]->version() <= o.at_version) &&
         (!at_time || (*events)[n]->time_us() <= *at_time)) {
    ++n;
  }
  if (n == 0) {
    std::fprintf(stderr, "orderly inspect: %s has no events%s\n", o.stream.c_str(),
                 events->empty() ? "" : " at that point");
    return kExitFailure;  // not found: 1 is kept for damage
  }
  // As of a version: the log up to that event. As of a time, or now: the log
  // up to then, since other streams' events (orders) move a product's stock.
  const uint64_t position =
      o.at_version != 0 ? (*events)[n - 1]->position() : store.last_position();
  commands::ShopState state;
  eventstore::LogQuery q;
  q.to_position = position;
  Status st = store.scan(q, [&](const EventView& ev) {
    if (!at_time || ev.time_us() <= *at_time)
      commands::apply_logged(state, ev);
    return true;
  });
  if (!st.is_ok()) {
    std::fprintf(stderr, "orderly inspect: %s\n", st.to_string().c_str());
    return st.code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
  }
  std::string out = "{\"stream\":" + json_quote(o.stream) +
                    ",\"version\":" + std::to_string((*events)[n - 1]->version()) +
                    ",\"position\":" + std::to_string((*events)[n - 1]->position()) +
                    ",\"time\":" + json_quote(format_rfc3339((*events)[n - 1]->time_us())) +
                    ",\"state\":" + state_json(state, aggregate, id) + ",\"events\":[";
  for (size_t i = 0; i < n; ++i) {
    if (i)
      out += ",";
    out += event_json_line((*events)[i].view());
  }
  out += "]}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace orderly::cli
