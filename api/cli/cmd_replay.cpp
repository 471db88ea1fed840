// `orderly replay`: the log as JSON lines, filtered, streaming in constant
// memory; with --follow it keeps printing what a running server appends.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "api/cli/commands.h"
#include "api/cli/terminal.h"
#include "api/rest/trace_context.h"
#include "core/event_json.h"
#include "eventstore/store.h"

namespace orderly::cli {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}

}  // namespace

int run_replay(const CommonOptions& common, const ReplayOptions& o) {
  std::optional<TimestampUs> since, until;
  if (!o.since.empty() && !(since = parse_rfc3339(o.since))) {
    std::fprintf(stderr, "orderly replay: --since %s is not an RFC 3339 time\n", o.since.c_str());
    return kExitUsage;
  }
  if (!o.until.empty() && !(until = parse_rfc3339(o.until))) {
    std::fprintf(stderr, "orderly replay: --until %s is not an RFC 3339 time\n", o.until.c_str());
    return kExitUsage;
  }
  if (!o.correlation.empty() && !api::rest::is_trace_id(o.correlation)) {
    std::fprintf(stderr,
                 "orderly replay: --correlation %s is not a trace id (32 lower-case hex digits, "
                 "not all zeros, as in a traceparent header)\n",
                 o.correlation.c_str());
    return kExitUsage;
  }
  eventstore::LogQuery q;
  q.from_position = std::max<uint64_t>(o.from, 1);
  q.to_position = o.to;
  for (const auto& name : o.types) {
    auto type = event_type_from_name(name);
    if (!type) {
      std::fprintf(stderr, "orderly replay: --type %s is not an event type (e.g. order.placed)\n",
                   name.c_str());
      return kExitUsage;
    }
    q.types.push_back(*type);
  }
  const bool prefix = !o.stream.empty() && o.stream.back() == '-';
  q.stream_prefix = o.stream;

  // Read-only, so it works beside a running server; a secondary instance
  // when following, so it can catch up with what the server appends. (Not
  // an eventstore::LogFollower: those follow the log of their own process,
  // woken by its writer; this reads another process's log, catching up
  // from its files, with filters by stream and time, and no checkpoint.)
  eventstore::StoreOptions options;
  options.read_only = true;
  std::string secondary;
  if (o.follow) {
    secondary =
        (std::filesystem::temp_directory_path() / ("orderly-replay-" + std::to_string(getpid())))
            .string();
    options.secondary_path = secondary;
  }
  auto opened = eventstore::EventStore::open(common.data_dir, options);
  if (!opened) {
    std::error_code ec;
    if (!secondary.empty())
      std::filesystem::remove_all(secondary, ec);
    std::fprintf(stderr, "orderly replay: %s\n", opened.status().to_string().c_str());
    return kExitFailure;
  }
  auto& store = **opened;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_signal);  // a closed terminal still cleans up
  std::signal(SIGPIPE, SIG_IGN);   // `| head` closes the pipe: stop quietly

  Progress progress("replaying");
  uint64_t seen = 0;
  bool write_failed = false;
  Status st;
  while (true) {
    const uint64_t end = std::min(q.to_position, store.last_position());
    st = store.scan(q, [&](const EventView& ev) {
      if (g_stop.load())
        return false;
      q.from_position = ev.position() + 1;
      if (++seen % 4096 == 0)
        progress.update(ev.position(), end);
      if (!prefix && !o.stream.empty() && ev.stream() != o.stream)
        return true;
      if ((since && ev.time_us() < *since) || (until && ev.time_us() > *until))
        return true;
      if (!o.correlation.empty() && ev.correlation_id() != o.correlation)
        return true;
      const std::string line = event_json_line(ev) + "\n";
      if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) {
        write_failed = true;
        return false;
      }
      return true;
    });
    q.from_position = std::max(q.from_position, end + 1);
    if (!st.is_ok() || write_failed || !o.follow || g_stop.load() ||
        q.from_position > q.to_position)
      break;
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
      break;  // the reader went away
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (Status c = store.catch_up(); !c.is_ok()) {
      st = c;
      break;
    }
  }
  progress.finish();
  std::fflush(stdout);
  (void)store.close();
  if (!secondary.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary, ec);
  }
  if (!st.is_ok()) {
    std::fprintf(stderr, "orderly replay: %s\n", st.to_string().c_str());
    return st.code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace orderly::cli
