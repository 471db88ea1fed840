// Stats, notification retries, the audit views of the log, projections,
// and the operational endpoints (/health, /ready, /metrics). Reading
// notifications: notifications.cpp.
#include <boost/json.hpp>

#include "api/rest/inspect.h"
#include "api/rest/problem.h"
#include "api/rest/requests/fields.h"
#include "api/rest/routes/context.h"
#include "core/event_json.h"
#include "projections/catalog.h"
#include "projections/notifications.h"
#include "projections/stats.h"

extern const char kEmbedded_openapi_json[];
extern const char kEmbedded_docs_html[];

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

void dashboard(Context& ctx, const CallPtr& call) {
  const auto d = ctx.model<projections::StatsReadModel>("stats")->dashboard();
  json::object by_status;
  for (const auto& [k, v] : d.orders_by_status)
    by_status[k] = v;
  json::array days, products, categories, viewed, searches, low;
  for (const auto& day : d.revenue_by_day) {
    days.push_back(json::object{
        {"date", day.date}, {"revenue_cents", day.revenue_cents}, {"orders", day.orders}});
  }
  for (const auto& p : d.top_products) {
    products.push_back(json::object{{"product_id", p.product_id},
                                    {"name", p.name},
                                    {"units", p.units},
                                    {"revenue_cents", p.revenue_cents}});
  }
  for (const auto& c : d.top_categories) {
    categories.push_back(json::object{
        {"category", c.category}, {"units", c.units}, {"revenue_cents", c.revenue_cents}});
  }
  for (const auto& v : d.most_viewed)
    viewed.push_back(json::object{{"product_id", v.key}, {"name", v.name}, {"views", v.count}});
  for (const auto& s : d.trending_searches)
    searches.push_back(json::object{{"query", s.key}, {"count", s.count}});
  for (const auto& p : ctx.model<projections::CatalogReadModel>("catalog")->low_stock(5, 10)) {
    low.push_back(json::object{{"product_id", p.id},
                               {"name", p.name},
                               {"available", std::max<int64_t>(0, p.available())}});
  }
  call->answer(json_response(200, json::object{{"orders_total", d.orders_total},
                                               {"orders_by_status", std::move(by_status)},
                                               {"revenue_cents", d.revenue_cents},
                                               {"refunded_cents", d.refunded_cents},
                                               {"average_order_cents", d.average_order_cents},
                                               {"revenue_by_day", std::move(days)},
                                               {"top_products", std::move(products)},
                                               {"top_categories", std::move(categories)},
                                               {"most_viewed", std::move(viewed)},
                                               {"trending_searches", std::move(searches)},
                                               {"low_stock", std::move(low)}}));
}

void retry_notification(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  ctx.run(call, RetryNotification{*id}, call->meta(), "notifications",
          [](const CallPtr& call, const CommandReply& r) {
            http::Response res;
            res.status = 202;
            res.body = R"({"status":"queued"})";
            call->answer(with_position(std::move(res), r.last_position));
          });
}

// An events page's budget in bytes of JSON (issue 19: a thousand large
// events made one page of 6.9 MB).
constexpr size_t kMaxEventsPageBytes = 1 << 20;

void admin_events(Context& ctx, const CallPtr& call) {
  auto from = call->query_int("from_position");
  auto limit = call->query_int("limit");
  if (!from)
    return call->fail(from.status());
  if (!limit)
    return call->fail(limit.status());
  eventstore::LogQuery q;
  q.from_position = static_cast<uint64_t>(std::max<int64_t>(1, from->value_or(1)));
  q.limit = static_cast<uint64_t>(std::clamp<int64_t>(limit->value_or(100), 1, 1000));
  q.stream_prefix = call->query("stream").value_or("");
  if (auto type = call->query("type")) {
    auto t = event_type_from_name(*type);
    if (!t)
      return call->answer(problem(422, "validation_failed", "unknown event type",
                                  {{"type", "no event type " + *type}}));
    q.types.push_back(*t);
  }
  json::array items;
  uint64_t last = q.from_position - 1;
  size_t bytes = 0;
  Status st = ctx.store.scan(q, [&](const EventView& ev) {
    std::string line = event_json_line(ev);
    // The page ends at kMaxEventsPageBytes as well as at `limit` (always
    // with at least one event): next_position says where the next starts.
    if (!items.empty() && bytes + line.size() > kMaxEventsPageBytes)
      return false;
    bytes += line.size();
    items.push_back(json::parse(line));
    last = ev.position();
    return true;
  });
  if (!st.is_ok())
    return call->fail(st);
  call->answer(
      json_response(200, json::object{{"items", std::move(items)}, {"next_position", last + 1}}));
}

void admin_stream(Context& ctx, const CallPtr& call) {
  const std::string stream = call->params.at("stream");
  auto at_version = call->query_int("at_version");
  if (!at_version)
    return call->fail(at_version.status());
  if (*at_version && **at_version < 1) {
    return call->answer(problem(422, "validation_failed", "bad version",
                                {{"at_version", "must be a stream version (from 1)"}}));
  }
  std::optional<TimestampUs> at_time;
  if (auto t = call->query("at_time")) {
    at_time = parse_rfc3339(*t);
    if (!at_time)
      return call->answer(
          problem(422, "validation_failed", "bad time", {{"at_time", "must be RFC 3339"}}));
  }
  // The aggregate's state then and the events that built it (as `orderly inspect`).
  auto out = inspect_stream_json(ctx.store, stream, static_cast<uint64_t>(at_version->value_or(0)),
                                 at_time);
  if (!out) {
    if (out.status().code() == ErrorCode::kInvalidArgument ||
        out.status().code() == ErrorCode::kNotFound) {
      return call->answer(problem(404, "not_found", out.status().message()));
    }
    return call->fail(out.status());
  }
  http::Response r;
  r.body = std::move(*out);
  call->answer(std::move(r));
}

json::array projections_json(Context& ctx) {
  json::array out;
  for (const auto& s : ctx.runner.status()) {
    json::object o{{"name", s.name},   {"position", s.position},
                   {"lag", s.lag},     {"lag_seconds", s.lag_seconds},
                   {"state", s.state}, {"snapshot_position", s.snapshot_position}};
    if (s.rebuild_position)
      o["rebuild_position"] = s.rebuild_position;
    if (!s.last_rebuild.empty())
      o["last_rebuild"] = s.last_rebuild;
    if (!s.snapshot_error.empty())
      o["snapshot_error"] = s.snapshot_error;
    out.push_back(std::move(o));
  }
  return out;
}

void list_projections(Context& ctx, const CallPtr& call) {
  call->answer(json_response(200, projections_json(ctx)));
}

void rebuild(Context& ctx, const CallPtr& call) {
  const std::string name = call->params.at("name");
  if (Status st = ctx.runner.rebuild(name); !st.is_ok()) {
    if (st.code() == ErrorCode::kBusy)
      return call->answer(problem(409, "already_exists", st.message()));
    return call->fail(st);
  }
  http::Response r = json_response(202, json::object{{"name", name}, {"state", "rebuilding"}});
  r.header("Location", "/api/admin/projections");
  call->answer(std::move(r));
}

// role, term and replication_lag (with --replicate), into a /health or /ready body.
void add_replication(Context& ctx, json::object& body) {
  if (!ctx.options.replication)
    return;
  const ReplicationView r = ctx.options.replication();
  body["role"] = r.role;
  body["term"] = r.term;
  body["replication_lag"] = r.lag;
  body["leader_url"] = r.leader_url;
  if (!r.failure.empty())
    body["replication_failure"] = r.failure;
}

void health(Context& ctx, const CallPtr& call) {
  json::object body{{"status", "ok"},
                    {"service", "orderly"},
                    {"version", ctx.options.version},
                    {"time", format_rfc3339(now_us())},
                    {"log_position", ctx.store.last_position()},
                    {"uptime_s", (now_us() - ctx.started_at) / 1'000'000}};
  add_replication(ctx, body);
  call->answer(json_response(200, body));
}

void cluster(Context& ctx, const CallPtr& call) {
  if (!ctx.options.cluster_nodes) {
    return call->answer(
        problem(404, "not_found", "this node is not replicated (orderly serve --replicate)"));
  }
  json::array nodes;
  for (const ClusterNodeView& n : ctx.options.cluster_nodes()) {
    nodes.push_back(json::object{{"node", n.node},
                                 {"url", n.url},
                                 {"role", n.role},
                                 {"term", n.term},
                                 {"log_position", n.position},
                                 {"replication_lag", n.lag},
                                 {"reported_at", format_rfc3339(n.reported_unix_ms * 1000)}});
  }
  json::object body{{"nodes", std::move(nodes)}};
  add_replication(ctx, body);
  call->answer(json_response(200, body));
}

void ready(Context& ctx, const CallPtr& call) {
  std::vector<std::string> behind;
  for (const auto& s : ctx.runner.status()) {
    if (s.state.starts_with("failed") || s.lag > ctx.options.ready_max_lag)
      behind.push_back(s.name);
  }
  const auto stats = ctx.processor.stats();
  // A writer that refuses every command (its log failed under it) is not
  // ready, however current the read models are.
  std::string replication_failure;
  if (ctx.options.replication)
    replication_failure = ctx.options.replication().failure;
  const bool ready = behind.empty() && stats.failure.empty() && replication_failure.empty();
  json::object body{{"ready", ready},
                    {"log_position", ctx.store.last_position()},
                    {"projections", projections_json(ctx)},
                    {"queue_depth", stats.queue_depth}};
  if (!stats.failure.empty() && !ctx.processor.standby())
    body["writer"] = stats.failure;
  add_replication(ctx, body);
  call->answer(json_response(ready ? 200 : 503, body));
}

void metrics(Context& ctx, const CallPtr& call) {
  std::string out;
  ctx.metrics.render(out);
  const auto s = ctx.processor.stats();
  auto gauge = [&](const char* name, const char* help, const char* type, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + buf + "\n";
  };
  gauge("orderly_log_position", "The last durable log position.", "gauge",
        static_cast<double>(ctx.store.last_position()));
  gauge("orderly_command_queue_depth", "Commands waiting for the writer.", "gauge",
        static_cast<double>(s.queue_depth));
  gauge("orderly_commands_total", "Commands decided.", "counter", static_cast<double>(s.commands));
  gauge("orderly_commands_accepted_total", "Commands accepted.", "counter",
        static_cast<double>(s.accepted));
  gauge("orderly_batches_total", "Group-committed batches.", "counter",
        static_cast<double>(s.batches));
  gauge("orderly_events_total", "Events appended.", "counter", static_cast<double>(s.events));
  gauge("orderly_batch_size_mean", "Mean commands per batch.", "gauge",
        s.batches ? static_cast<double>(s.commands) / static_cast<double>(s.batches) : 0);
  gauge("orderly_fsync_wait_max_seconds", "Longest wait for a batch slot (the fsync).", "gauge",
        static_cast<double>(s.max_slot_wait_us) / 1e6);
  ctx.processor.command_histogram().render(
      out, "orderly_command_duration_seconds",
      "Time from a command's submission to its answer (queue, decide, write, fsync), for every "
      "command the writer decided.");
  ctx.store.sync_histogram().render(out, "orderly_fsync_duration_seconds",
                                    "Duration of each fsync of the log (--sync always).");
  gauge("orderly_refresh_tokens_held", "Refresh tokens the writer remembers (all users).", "gauge",
        static_cast<double>(s.refresh_tokens));
  gauge("orderly_websocket_clients", "Connected /ws/notifications clients.", "gauge",
        static_cast<double>(ctx.hub.clients()));
  gauge("orderly_password_reset_dropped_total",
        "Password reset requests the pipeline refused (the caller was told 202 anyway).", "counter",
        static_cast<double>(ctx.password_resets_dropped.load(std::memory_order_relaxed)));
  gauge("orderly_websocket_feed_from_nats", "1 when /ws/notifications reads JetStream.", "gauge",
        ctx.hub.from_nats() ? 1 : 0);
  out +=
      "# HELP orderly_projection_lag Positions a read model trails the log.\n"
      "# TYPE orderly_projection_lag gauge\n";
  for (const auto& p : ctx.runner.status())
    out += "orderly_projection_lag{projection=\"" + p.name + "\"} " + std::to_string(p.lag) + "\n";
  out +=
      "# HELP orderly_projection_lag_seconds Age of the oldest event a read model has not "
      "applied.\n"
      "# TYPE orderly_projection_lag_seconds gauge\n";
  for (const auto& p : ctx.runner.status()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", p.lag_seconds);
    out += "orderly_projection_lag_seconds{projection=\"" + p.name + "\"} " + buf + "\n";
  }
  if (ctx.options.extra_metrics)
    out += ctx.options.extra_metrics();
  if (ctx.options.replication) {
    const ReplicationView r = ctx.options.replication();
    gauge("orderly_replication_leader", "1 on the cluster's leader, 0 on a follower.", "gauge",
          r.role == "leader" ? 1 : 0);
    gauge("orderly_replication_term", "The leader's term this node knows.", "gauge",
          static_cast<double>(r.term));
    gauge("orderly_replication_lag_messages", "Messages of ORDERLY_LOG not yet applied.", "gauge",
          static_cast<double>(r.lag));
    gauge("orderly_replication_published_messages_total",
          "Messages this process appended to ORDERLY_LOG as the leader.", "counter",
          static_cast<double>(r.published_messages));
    gauge("orderly_replication_publish_retries_total",
          "Publishes to ORDERLY_LOG tried again (no quorum or no answer).", "counter",
          static_cast<double>(r.publish_retries));
  }
  http::Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(out);
  call->answer(std::move(r));
}

void openapi(const CallPtr& call) {
  http::Response r;
  r.body = kEmbedded_openapi_json;
  r.header("Cache-Control", "public, max-age=300");
  call->answer(std::move(r));
}

void docs(const CallPtr& call) {
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = kEmbedded_docs_html;
  r.header("Cache-Control", "public, max-age=300");
  // The page's own inline module and same-origin fetches only.
  r.header("Content-Security-Policy",
           "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'");
  r.header("X-Content-Type-Options", "nosniff");
  call->answer(std::move(r));
}

}  // namespace

void add_admin_routes(Context& ctx) {
  ctx.route("GET", "/api/stats/dashboard", Access::kAdmin, dashboard);
  ctx.route("POST", "/api/notifications/{id}/retry", Access::kAdmin, retry_notification);
  ctx.route("GET", "/api/admin/events", Access::kAdmin, admin_events);
  ctx.route("GET", "/api/admin/streams/{stream}", Access::kAdmin, admin_stream);
  ctx.route("GET", "/api/admin/projections", Access::kAdmin, list_projections);
  ctx.route("POST", "/api/admin/projections/{name}/rebuild", Access::kAdmin, rebuild);
  ctx.route("GET", "/health", Access::kAnyone, health);
  ctx.route("GET", "/ready", Access::kAnyone, ready);
  ctx.route("GET", "/api/admin/cluster", Access::kAdmin, cluster);
  ctx.route("GET", "/metrics", Access::kAnyone, metrics);
  ctx.router.add("GET", "/api/openapi.json", Access::kAnyone, openapi);
  ctx.router.add("GET", "/docs", Access::kAnyone, docs);
}

}  // namespace orderly::api::rest::routes
