// JSON request bodies to commands, and their validation: what a POST, PUT
// or PATCH body goes through before and inside the single writer.
//
// Input: "<METHOD> <route pattern>\n<body>", e.g.
//   POST /api/orders
//   {"items":[{"product_id":"...","quantity":2}]}
// The body goes through the server's own body reader (api/rest/call.h
// Call::json_body: media type, JSON parse, "must be an object"), then the
// very parser its route handler calls (api/rest/requests/: field lists,
// byte limits, the auth validators, which command), with the fixed shop's
// ids where the handler takes them from the path or makes new ones; the
// command is then decided by the real deciders (commands/decide.h) against a
// small fixed shop, and its events folded in (apply), as the writer does.
//
// Properties: nothing crashes; a 4xx answer is a problem+json body (a
// parser's refusal a 422 naming the wrong fields); every
// event a decider accepts passes the verifier the store runs at append
// (decode_event) and renders as JSON (what replay and the admin API print);
// after apply, every product keeps 0 <= reserved <= stock.
#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>

#include "api/auth/email_token.h"
#include "api/rest/call.h"
#include "api/rest/problem.h"
#include "api/rest/requests/account.h"
#include "api/rest/requests/auth.h"
#include "api/rest/requests/catalog.h"
#include "api/rest/requests/categories.h"
#include "api/rest/requests/email_tokens.h"
#include "api/rest/requests/images.h"
#include "api/rest/requests/notifications.h"
#include "api/rest/requests/orders.h"
#include "api/rest/requests/payments.h"
#include "api/rest/requests/users.h"
#include "commands/analytics.h"
#include "commands/decide.h"
#include "commands/shop_state.h"
#include "core/event_json.h"
#include "tests/fuzz/fixed_shop.h"
#include "tests/fuzz/fuzz_check.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::fuzz;
namespace json = boost::json;

namespace {

// The id of whatever a route makes (tests/fuzz/fixed_shop.h has the others).
const Uuid kNewId = *Uuid::parse("0192f0c1-0000-7000-8000-00000000d001");

// Decides `c`; folds its events in when accepted.
Status run(ShopState& s, EventSink& sink, const Command& c, const CommandMeta& meta) {
  sink.clear();
  const Status st = decide(s, c, meta, sink);
  if (!st.is_ok() && !std::holds_alternative<RotateRefreshToken>(c))
    sink.clear();
  for (size_t k = 0; k < sink.size(); ++k) {
    const auto& e = sink.event(k);
    apply(s, e.aggregate, e.id, e.type, sink.payload(k).data());
  }
  return st;
}

// A customer with a cart, two products, a pending order with its payment,
// a notification request.
const ShopState& fixture() {
  static const ShopState s = [] {
    ShopState s;
    EventSink sink;
    auto must = [&](const Command& c, const CommandMeta& m) {
      const Status st = run(s, sink, c, m);
      FUZZ_CHECK(st.is_ok(), st.to_string());
    };
    const auto admin = as(kAdmin, Role::kAdmin);
    const auto customer = as(kCustomer, Role::kCustomer);
    must(RegisterUser{kCustomer, "ada", "ada@example.com", "$argon2id$v=19$fixture", "customer"},
         as(Uuid{}, Role::kCustomer));
    must(
        CreateProduct{kProduct, "SKU-1", "Espresso cup", "Thick walls", "kitchen", "USD", 1250, 10},
        admin);
    must(CreateProduct{kSoldOut, "SKU-2", "Kettle", "", "kitchen", "USD", 4000, 0}, admin);
    must(PlaceOrder{kOrder, {{kProduct, 2}}, "1 Main St", 15 * 60 * 1000000LL}, customer);
    must(CreatePayment{kPayment, kOrder}, customer);
    must(AddToCart{kProduct, 1}, customer);
    must(RequestNotification{kNotification, kCustomer, "email", "order_placed", "ada@example.com",
                             3},
         as(Uuid{}, Role::kEngine));
    return s;
  }();
  return s;
}

// What one route makes of a body: a command and who sends it, or the
// parser's refusal (the 422 the handler answers).
struct Mapped {
  Command command;
  CommandMeta meta;
};
using Mapping = std::function<Result<Mapped>(const json::object&)>;

Mapped admin_sends(Command c) {
  return {std::move(c), as(kAdmin, Role::kAdmin)};
}
Mapped customer_sends(Command c) {
  return {std::move(c), as(kCustomer, Role::kCustomer)};
}
Mapped engine_sends(Command c) {
  return {std::move(c), as(Uuid{}, Role::kEngine)};
}

// The parser of `body` a route calls, its command sent by `sends`.
template <typename C>
Result<Mapped> sent_by(Result<C> parsed, Mapped (*sends)(Command)) {
  if (!parsed)
    return parsed.status();
  return sends(Command(std::move(*parsed)));
}

// Each route's body through the parser its handler calls
// (api/rest/requests/), with the fixed shop's ids in the path.
const std::map<std::string, Mapping, std::less<>>& routes() {
  static const std::map<std::string, Mapping, std::less<>> m = {
      {"POST /api/products",
       [](const json::object& b) {
         return sent_by(api::rest::requests::create_product_from(b, kNewId), admin_sends);
       }},
      {"PATCH /api/products/{id}",
       [](const json::object& b) {
         return sent_by(api::rest::requests::update_product_from(b, kProduct), admin_sends);
       }},
      {"PATCH /api/products/{id}/images/{image_id}",
       [](const json::object& b) {
         return sent_by(api::rest::requests::change_product_image_from(b, kProduct, kNewId),
                        admin_sends);
       }},
      {"PUT /api/products/{id}",
       [](const json::object& b) {
         return sent_by(api::rest::requests::replace_product_from(b, kProduct), admin_sends);
       }},
      {"PUT /api/products/{id}/stock",
       [](const json::object& b) {
         return sent_by(api::rest::requests::stock_change_from(b, kProduct), admin_sends);
       }},
      {"POST /api/categories",
       [](const json::object& b) {
         return sent_by(api::rest::requests::create_category_from(b), admin_sends);
       }},
      {"PATCH /api/categories/{slug}",
       [](const json::object& b) {
         return sent_by(api::rest::requests::change_category_from(b, "kitchen"), admin_sends);
       }},
      {"POST /api/analytics/events",
       [](const json::object& b) -> Result<Mapped> {
         auto event = api::rest::requests::analytics_event_from(b);
         if (!event)
           return event.status();
         // The recorder counts the normalised query; decide refuses what is
         // not clean text.
         RecordAnalytics r{kNewId, {}, {}};
         if (event->product_viewed)
           r.product_views.emplace_back(*event->product_viewed, 1);
         if (event->searched)
           r.searches.emplace_back(normalize_search(*event->searched), 1);
         return engine_sends(std::move(r));
       }},
      {"POST /api/cart/items",
       [](const json::object& b) {
         return sent_by(api::rest::requests::cart_line_from(b), customer_sends);
       }},
      {"PUT /api/cart/items/{product_id}",
       [](const json::object& b) {
         return sent_by(api::rest::requests::cart_quantity_from(b, kProduct), customer_sends);
       }},
      {"POST /api/cart/checkout",
       [](const json::object& b) -> Result<Mapped> {
         auto address = api::rest::requests::checkout_address_from(b);
         if (!address)
           return address.status();
         return customer_sends(Checkout{kNewId, address->text, 15 * 60 * 1000000LL,
                                        address->saved_id, address->address});
       }},
      {"POST /api/orders",
       [](const json::object& b) {
         return sent_by(api::rest::requests::place_order_from(b, kNewId, 15 * 60 * 1000000LL),
                        customer_sends);
       }},
      {"PUT /api/orders/{id}/status",
       [](const json::object& b) {
         return sent_by(api::rest::requests::order_status_from(b, kOrder), admin_sends);
       }},
      {"POST /api/payments",
       [](const json::object& b) {
         return sent_by(api::rest::requests::payment_from(b, kNewId), customer_sends);
       }},
      {"POST /api/payments/{id}/confirm",
       [](const json::object& b) {
         return sent_by(api::rest::requests::payment_confirmation_from(b, kPayment),
                        customer_sends);
       }},
      {"POST /api/payments/{id}/refund",
       [](const json::object& b) -> Result<Mapped> {
         auto amount = api::rest::requests::refund_amount_from(b);
         if (!amount)
           return amount.status();
         return admin_sends(RefundPayment{kPayment, *amount});
       }},
      {"POST /api/payments/{id}/authenticate",
       [](const json::object& b) {
         return sent_by(api::rest::requests::payment_authentication_from(b, kPayment),
                        customer_sends);
       }},
      // The provider's webhook once its signature held: the engine applies it.
      {"POST /api/payments/webhook",
       [](const json::object& b) {
         return sent_by(api::rest::requests::payment_webhook_from(b), engine_sends);
       }},
      {"POST /api/admin/notifications/{id}/outcome",
       [](const json::object& b) -> Result<Mapped> {
         auto c = api::rest::requests::notification_outcome_from(b, kNotification);
         if (!c)
           return c.status();
         return Mapped{std::move(*c), as(kAdmin, Role::kEngine)};
       }},
      {"PUT /api/admin/users/{id}/role",
       [](const json::object& b) {
         return sent_by(api::rest::requests::role_change_from(b, kCustomer), admin_sends);
       }},
      {"POST /api/admin/users/{id}/deactivate",
       [](const json::object& b) -> Result<Mapped> {
         auto reason = api::rest::requests::status_reason_from(b);
         if (!reason)
           return reason.status();
         return admin_sends(SetUserStatus{kCustomer, "deactivated", *reason});
       }},
      {"POST /api/auth/register",
       [](const json::object& b) -> Result<Mapped> {
         auto r = api::rest::requests::registration_from(b);
         if (!r)
           return r.status();
         // The hash is argon2id of the password; its text never varies in shape.
         return Mapped{
             RegisterUser{kNewId, r->username, r->email, "$argon2id$v=19$fuzz", "customer"},
             as(Uuid{}, Role::kCustomer)};
       }},
      // The account routes (api/rest/routes/account.cpp), as the customer.
      {"PATCH /api/auth/me",
       [](const json::object& b) -> Result<Mapped> {
         auto p = api::rest::requests::profile_patch_from(b);
         if (!p)
           return p.status();
         return customer_sends(UpdateProfile{kCustomer, p->username, p->email, p->display_name,
                                             EmailToken{kNewId, "fuzz-hash", kNow + 1'000'000}});
       }},
      {"POST /api/auth/password",
       [](const json::object& b) -> Result<Mapped> {
         auto c = api::rest::requests::password_change_from(b, "ada", "ada@example.com");
         if (!c)
           return c.status();
         return customer_sends(ChangePassword{kCustomer, "$argon2id$v=19$fuzz-new", "", Uuid{}});
       }},
      {"POST /api/auth/me/addresses",
       [](const json::object& b) -> Result<Mapped> {
         auto a = api::rest::requests::address_from(b, kNewId);
         if (!a)
           return a.status();
         return customer_sends(AddAddress{kCustomer, *a});
       }},
      {"PATCH /api/auth/me/addresses/{id}",
       [](const json::object& b) -> Result<Mapped> {
         auto p = api::rest::requests::address_patch_from(b);
         if (!p)
           return p.status();
         return customer_sends(ChangeAddress{kCustomer, kNewId, *p});
       }},
      // The token routes: the parser, then the token's shape (every bad one
      // is invalid_token), then the command a well-shaped one makes.
      {"POST /api/auth/verify-email",
       [](const json::object& b) -> Result<Mapped> {
         auto text = api::rest::requests::email_token_text_from(b);
         if (!text)
           return text.status();
         auto t = api::auth::parse_email_token(*text);
         if (!t)
           return Status::invalid_token("this link is invalid, was used already, or has expired");
         return Mapped{VerifyEmail{t->user_id, t->token_id, t->hash}, as(Uuid{}, Role::kCustomer)};
       }},
      {"POST /api/auth/password-reset/confirm",
       [](const json::object& b) -> Result<Mapped> {
         auto c = api::rest::requests::reset_confirm_from(b);
         if (!c)
           return c.status();
         auto t = api::auth::parse_email_token(c->token);
         if (!t)
           return Status::invalid_token("this link is invalid, was used already, or has expired");
         return Mapped{ResetPassword{t->user_id, t->token_id, t->hash, "$argon2id$v=19$fuzz"},
                       as(Uuid{}, Role::kCustomer)};
       }},
  };
  return m;
}

void check_events(const EventSink& sink) {
  flatbuffers::FlatBufferBuilder fbb;
  for (size_t k = 0; k < sink.size(); ++k) {
    const auto& e = sink.event(k);
    EnvelopeFields f;
    f.type = e.type;
    f.stream = e.stream;
    f.version = 1;
    f.position = k + 1;
    f.time_us = kNow;
    f.payload = sink.payload(k);
    build_envelope(fbb, f);
    std::vector<uint64_t> storage;
    const auto ev = decode_event_copy({fbb.GetBufferPointer(), fbb.GetSize()}, storage);
    FUZZ_CHECK(ev.is_ok(), "a decided event fails verification: " + ev.status().to_string());
    const auto data = event_data_json(*ev);
    FUZZ_CHECK(data.is_ok(), "a decided " + std::string(ev->type_name()) + " does not render");
    boost::system::error_code ec;
    json::parse(*data, ec);
    FUZZ_CHECK(!ec, *data);
  }
}

void check_stock(ShopState& s) {
  for (const auto& [id, p] : s.products) {
    FUZZ_CHECK(p.reserved >= 0 && p.reserved <= p.stock, id.to_string());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view route = fuzz::next_part(input, "\n");
  const auto& table = routes();
  auto it = table.find(route);
  if (it == table.end())  // any other first line still picks a route
    it = std::next(table.begin(),
                   static_cast<long>(std::hash<std::string_view>()(route) % table.size()));

  // The server's body reader, with the header a JSON client sends.
  api::rest::Call call;
  call.request.method = "POST";
  call.request.headers = {{"content-type", "application/json"}};
  call.request.body = std::string(input);
  std::optional<api::http::Response> refused;
  call.respond = [&](api::http::Response r) { refused = std::move(r); };
  const auto body = call.json_body();
  FUZZ_CHECK(body.has_value() != refused.has_value(), "json_body answers exactly when it refuses");
  if (!body) {
    FUZZ_CHECK(refused->status == 400 || refused->status == 422, refused->body);
    boost::system::error_code ec;
    const auto problem = json::parse(refused->body, ec);
    FUZZ_CHECK(!ec && problem.is_object() && problem.as_object().contains("code"), refused->body);
    return 0;
  }

  const Result<Mapped> mapped = it->second(*body);
  if (!mapped) {
    // A refusal is a 422 naming the fields that are wrong.
    FUZZ_CHECK(mapped.status().code() == ErrorCode::kInvalidArgument, it->first);
    FUZZ_CHECK(!mapped.status().fields().empty(), it->first);
    const api::http::Response r = api::rest::problem_from(mapped.status());
    FUZZ_CHECK(r.status == 422 && r.content_type == "application/problem+json", r.body);
    return 0;
  }

  ShopState state = fixture();
  EventSink sink;
  (void)run(state, sink, mapped->command, mapped->meta);
  check_events(sink);
  check_stock(state);
  return 0;
}
