// `orderly notify email`: the email notifier as its own process. It reads
// NATS (the durable consumer "email-notifier" for the events that cause
// emails; every notification event from the start, for what is pending)
// and writes only through the engine's admin API, logged in as an admin
// account: the engine stays the single writer, and the notification history
// (GET /api/notifications) shows every attempt. Run `orderly serve` with
// --nats-url and --no-email-notifier beside it.
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "api/cli/commands.h"
#include "api/cli/email_options.h"
#include "api/cli/logger.h"
#include "api/cli/notify_common.h"
#include "api/notify/email/email_requests.h"
#include "api/notify/email/email_sender.h"
#include "api/notify/email/notification_feed.h"

namespace orderly::cli {

namespace json = boost::json;

namespace {

// The facts route's answer as EmailFacts.
Result<api::EmailFacts> parse_facts(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return Status::io_error("the email facts are not a JSON object");
  try {
    const json::object& o = v.as_object();
    api::EmailFacts f;
    f.order_id = Uuid::parse(json::value_to<std::string>(o.at("order_id"))).value_or(Uuid{});
    f.reason = json::value_to<std::string>(o.at("reason"));
    if (!o.at("amount_cents").is_null())
      f.amount_cents = o.at("amount_cents").to_number<int64_t>();
    for (const auto& l : o.at("lines").as_array()) {
      const json::object& line = l.as_object();
      f.lines.push_back({json::value_to<std::string>(line.at("name")),
                         line.at("quantity").to_number<int64_t>(),
                         line.at("unit_price_cents").to_number<int64_t>(),
                         line.at("line_total_cents").to_number<int64_t>()});
    }
    f.total_cents = o.at("total_cents").to_number<int64_t>();
    if (const auto* c = o.if_contains("currency"); c && c->is_string())
      f.currency = json::value_to<std::string>(*c);
    f.username = json::value_to<std::string>(o.at("username"));
    return f;
  } catch (const std::exception& e) {
    return Status::io_error(std::string("the email facts are incomplete: ") + e.what());
  }
}

Status expect(const Result<api::EngineReply>& r, long status, std::string_view what) {
  if (!r)
    return r.status();
  if (r->status == status)
    return Status::ok();
  return Status::io_error(std::string(what) + ": the engine answered " + std::to_string(r->status) +
                          " " + r->body.substr(0, 300));
}

}  // namespace

int run_notify_email(const CommonOptions& common, const NotifyOptions& o) {
  auto log = make_logger(common.log_format);
  auto delivery_options =
      email_delivery_options({o.smtp_url, o.smtp_tls, o.smtp_ca_file, o.mail_from, o.public_url},
                             common.data_dir + "/outbox", o.engine_url);
  if (!delivery_options) {
    log->error("{}", delivery_options.status().message());
    return kExitUsage;
  }
  sigset_t signals = block_stop_signals();
  auto engine = connect_engine(o, signals, *log);
  if (!engine)
    return engine.status().code() == ErrorCode::kShuttingDown ? kExitOk : kExitUsage;
  api::EngineClient& api = **engine;

  const api::EmailDeliveryOptions delivery = *delivery_options;
  api::EmailHooks hooks;
  hooks.render = [&api, &delivery](const Uuid&, const api::PendingEmail& p) -> Result<api::Email> {
    auto r = api.call("GET", "/api/admin/email-facts/" + std::to_string(p.source_position));
    ORDERLY_RETURN_IF_ERROR(expect(r, 200, "email facts"));
    auto facts = parse_facts(r->body);
    if (!facts)
      return facts.status();
    return api::render_email(p.template_name, api::email_vars(*facts, delivery.public_url));
  };
  hooks.record_sent = [&api](const Uuid& id) {
    return expect(api.call("POST", "/api/admin/notifications/" + id.to_string() + "/outcome",
                           R"({"status":"sent"})"),
                  204, "recording a sent email");
  };
  hooks.record_failed = [&api](const Uuid& id, const std::string& error, bool will_retry) {
    const std::string body = json::serialize(
        json::object{{"status", "failed"}, {"error", error}, {"will_retry", will_retry}});
    return expect(api.call("POST", "/api/admin/notifications/" + id.to_string() + "/outcome", body),
                  204, "recording a failed attempt");
  };
  hooks.still_pending = [&api](const Uuid& id) -> Result<bool> {
    auto r = api.call("GET", "/api/admin/notifications/" + id.to_string());
    if (!r)
      return r.status();
    if (r->status == 404)
      return true;  // not in the read model yet: certainly not sent
    ORDERLY_RETURN_IF_ERROR(expect(r, 200, "a notification's status"));
    boost::system::error_code ec;
    const json::value v = json::parse(r->body, ec);
    const auto* n = !ec && v.is_object() ? v.as_object().if_contains("notification") : nullptr;
    const auto* status = n && n->is_object() ? n->as_object().if_contains("status") : nullptr;
    if (!status || !status->is_string())
      return Status::io_error("a notification's status is missing");
    return status->as_string() != "sent";
  };
  api::EmailSender sender(delivery, hooks);
  sender.start();

  const std::string prefix = "orderly.events";
  api::NotificationFeed feed(
      o.nats_url, prefix + ".notification.>", [&sender](const EventView& ev) { sender.track(ev); },
      [&sender, &log] {
        log->info("pending emails known: sending");
        sender.mark_ready();
      });
  feed.start();

  std::atomic<bool> stopping{false};
  api::TriggerConsumerOptions triggers;
  triggers.nats_url = o.nats_url;
  triggers.subject_prefix = prefix;
  // A new durable starts at the stream's first event: requests are
  // idempotent, so events an earlier notifier asked for ask for nothing new.
  triggers.start_after = 0;
  triggers.on_error = [&log](const std::string& why) { log->warn("{}", why); };
  std::thread trigger_thread([&] {
    api::consume_email_triggers(
        triggers,
        [&](const EventView& ev) {
          if (api::email_trigger(ev).template_name == nullptr)
            return true;
          auto r = api.call("POST", "/api/admin/notifications",
                            R"({"source_position":)" + std::to_string(ev.position()) + "}");
          if (r && (r->status == 200 || r->status == 201))
            return true;
          log->warn("email request for position {} not recorded yet: {}", ev.position(),
                    r ? std::to_string(r->status) + " " + r->body.substr(0, 200)
                      : r.status().to_string());
          return false;
        },
        [&] { return stopping.load(); });
  });
  log->info("email notifier running: NATS {}, engine {}, emails {}", o.nats_url, o.engine_url,
            describe_delivery(delivery));
  std::printf("orderly notify email running (NATS %s, engine %s)\n", o.nats_url.c_str(),
              o.engine_url.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("signal {} received: stopping the email notifier", sig);
  stopping.store(true);
  trigger_thread.join();
  feed.stop();
  sender.stop();
  const auto st = sender.stats();
  log->info("stopped: {} sent, {} failed attempts, {} pending", st.sent, st.failed_attempts,
            st.pending);
  return kExitOk;
}

}  // namespace orderly::cli
