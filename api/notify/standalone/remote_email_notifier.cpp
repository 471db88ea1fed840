#include "api/notify/standalone/remote_email_notifier.h"

#include <boost/json.hpp>

#include <atomic>
#include <thread>

#include "api/notify/email/email_requests.h"
#include "api/notify/email/notification_feed.h"

namespace orderly::api::notify::standalone {

namespace json = boost::json;

namespace {

// The facts route's answer (GET /api/admin/email-facts/{position}) as
// EmailFacts.
Result<requests::EmailFacts> parse_facts(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return Status::io_error("the email facts are not a JSON object");
  try {
    const json::object& o = v.as_object();
    requests::EmailFacts f;
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
    // Account emails (an engine from before them sends none of these).
    auto text = [&o](std::string_view key) {
      const auto* v = o.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    f.action_page = text("action_page");
    f.action_token = text("action_token");
    f.expires_in = text("expires_in");
    f.new_email = text("new_email");
    return f;
  } catch (const std::exception& e) {
    return Status::io_error(std::string("the email facts are incomplete: ") + e.what());
  }
}

Status expect(const Result<client::EngineReply>& r, long status, std::string_view what) {
  if (!r)
    return r.status();
  if (r->status == status)
    return Status::ok();
  return Status::io_error(std::string(what) + ": the engine answered " + std::to_string(r->status) +
                          " " + r->body.substr(0, 300));
}

// The sender's hooks over the engine's admin API: render from the facts the
// engine keeps, record each outcome through it.
email::EmailHooks hooks_through(client::EngineClient& api,
                                const email::EmailDeliveryOptions& delivery) {
  email::EmailHooks hooks;
  hooks.render = [&api, &delivery](const Uuid&,
                                   const email::PendingEmail& p) -> Result<email::Email> {
    auto r = api.call("GET", "/api/admin/email-facts/" + std::to_string(p.source_position));
    ORDERLY_RETURN_IF_ERROR(expect(r, 200, "email facts"));
    auto facts = parse_facts(r->body);
    if (!facts)
      return facts.status();
    return email::render_email(p.template_name, email::email_vars(*facts, delivery.public_url));
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
  return hooks;
}

}  // namespace

// Asks the engine to record the email an event causes (idempotent: an event
// asked for before asks for nothing new). False: not recorded now, the
// message comes back.
bool request_email(client::EngineClient& api, spdlog::logger& log, const EventView& ev) {
  if (requests::email_trigger(ev).template_name == nullptr)
    return true;
  auto r = api.call("POST", "/api/admin/notifications",
                    R"({"source_position":)" + std::to_string(ev.position()) + "}");
  if (r && (r->status == 200 || r->status == 201))
    return true;
  log.warn("email request for position {} not recorded yet: {}", ev.position(),
           r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : r.status().to_string());
  return false;
}

email::EmailSenderStats run_remote_email_notifier(client::EngineClient& engine,
                                                  const RemoteEmailOptions& options,
                                                  const std::shared_ptr<spdlog::logger>& log,
                                                  const std::function<void()>& until_stopped) {
  email::EmailSender sender(options.delivery, hooks_through(engine, options.delivery));
  sender.start();
  email::NotificationFeed feed(
      options.nats_url, options.subject_prefix + ".notification.>",
      [&sender](const EventView& ev) { sender.track(ev); },
      [&sender, &log] {
        log->info("pending emails known: sending");
        sender.mark_ready();
      });
  feed.start();
  email::TriggerConsumerOptions triggers;
  triggers.nats_url = options.nats_url;
  triggers.subject_prefix = options.subject_prefix;
  // A new durable starts at the stream's first event: requests are
  // idempotent, so events an earlier notifier asked for ask for nothing new.
  triggers.start_after = 0;
  triggers.on_error = [&log](const std::string& why) { log->warn("{}", why); };
  std::atomic<bool> stopping{false};
  std::thread trigger_thread([&] {
    email::consume_email_triggers(
        triggers, [&](const EventView& ev) { return request_email(engine, *log, ev); },
        [&] { return stopping.load(); });
  });

  until_stopped();
  stopping.store(true);
  trigger_thread.join();
  feed.stop();
  sender.stop();
  return sender.stats();
}

}  // namespace orderly::api::notify::standalone
