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
#include "eventstore/quarantine.h"
#include "eventstore/record.h"
#include "eventstore/store.h"

namespace orderly::cli {

namespace {

// Each event of a quarantine file as a JSON line, in position order.
int list_quarantine(const std::string& path) {
  auto records = eventstore::read_quarantine_file(path);
  if (!records) {
    std::fprintf(stderr, "orderly inspect: %s\n", records.status().message().c_str());
    return records.status().code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
  }
  eventstore::AlignedBuffer buf;
  for (const auto& r : *records) {
    auto rec = eventstore::RecordView::parse(buf.assign(r.bytes), r.first_position);
    if (!rec) {
      std::fprintf(stderr, "orderly inspect: %s\n", rec.status().message().c_str());
      return kExitDamage;
    }
    for (uint32_t i = 0; i < rec->count(); ++i) {
      auto ev = decode_event(rec->entry(i));
      if (!ev) {
        std::fprintf(stderr, "orderly inspect: %s\n", ev.status().message().c_str());
        return kExitDamage;
      }
      const std::string line = event_json_line(*ev) + "\n";
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  }
  return kExitOk;
}

}  // namespace

int run_inspect(const CommonOptions& common, const InspectOptions& o) {
  if (!o.quarantine.empty())
    return list_quarantine(o.quarantine);
  if (o.stream.empty()) {
    std::fprintf(stderr, "orderly inspect: name a STREAM, or --quarantine FILE\n");
    return kExitUsage;
  }
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
