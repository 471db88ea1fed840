// `orderly inspect STREAM`: an aggregate's state as of a version or a time,
// and the events that built it (time travel, for debugging one order).
//
// The whole log is folded up to the chosen event, not just the stream: a
// product's reservations are carried by order events (commands/product.h).
#include <cstdio>

#include "api/cli/commands.h"
#include "api/rest/inspect.h"
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
  eventstore::StoreOptions options;
  options.read_only = true;
  auto opened = eventstore::EventStore::open(common.data_dir, options);
  if (!opened) {
    std::fprintf(stderr, "orderly inspect: %s\n", opened.status().to_string().c_str());
    return kExitFailure;
  }
  auto out = api::rest::inspect_stream_json(**opened, o.stream, o.at_version, at_time);
  if (!out) {
    std::fprintf(stderr, "orderly inspect: %s\n", out.status().message().c_str());
    switch (out.status().code()) {
      case ErrorCode::kInvalidArgument:
        return kExitUsage;
      case ErrorCode::kCorruption:
        return kExitDamage;
      default:
        return kExitFailure;  // not found: 1 is kept for damage
    }
  }
  *out += "\n";
  std::fwrite(out->data(), 1, out->size(), stdout);
  return kExitOk;
}

}  // namespace orderly::cli
