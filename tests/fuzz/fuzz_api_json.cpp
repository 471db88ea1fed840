// JSON request bodies to commands, and their validation: what a POST, PUT
// or PATCH body goes through before and inside the single writer.
//
// Input: "<METHOD> <route pattern>\n<body>", e.g.
//   POST /api/orders
//   {"items":[{"product_id":"...","quantity":2}]}
// The body goes through the server's own body reader (api/call.h
// Call::json_body: media type, JSON parse, "must be an object") and field
// reader (api/fields.h Fields, and the auth routes' validate_username /
// validate_email / validate_password). The route handlers themselves need
// the engine's Context, so each route's field list (names, required, byte
// limits, which command) is mirrored below from api/routes_*.cpp; the
// command is then decided by the real deciders (commands/decide.h) against a
// small fixed shop, and its events folded in (apply), as the writer does.
//
// Properties: nothing crashes; a 4xx answer is a problem+json body; every
// event a decider accepts passes the verifier the store runs at append
// (decode_event) and renders as JSON (what replay and the admin API print);
// after apply, every product keeps 0 <= reserved <= stock.
#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>

#include "api/call.h"
#include "api/fields.h"
#include "commands/analytics.h"
#include "commands/decide.h"
#include "commands/password.h"
#include "commands/shop_state.h"
#include "commands/user.h"
#include "core/event_json.h"
#include "tests/fuzz/fuzz_check.h"

using namespace orderly;
using namespace orderly::commands;
namespace json = boost::json;

namespace {

constexpr TimestampUs kNow = 1795255200000000;  // 2026-11-21T10:00:00Z

// The fixed shop's ids (the seeds use them, so mutations reach deep rules).
const Uuid kAdmin = *Uuid::parse("0192f0c1-0000-7000-8000-00000000000a");
const Uuid kCustomer = *Uuid::parse("0192f0c1-0000-7000-8000-00000000000c");
const Uuid kProduct = *Uuid::parse("0192f0c1-0000-7000-8000-000000000001");
const Uuid kSoldOut = *Uuid::parse("0192f0c1-0000-7000-8000-000000000002");
const Uuid kOrder = *Uuid::parse("0192f0c1-0000-7000-8000-00000000a001");
const Uuid kPayment = *Uuid::parse("0192f0c1-0000-7000-8000-00000000b001");
const Uuid kNotification = *Uuid::parse("0192f0c1-0000-7000-8000-00000000c001");
const Uuid kNewId = *Uuid::parse("0192f0c1-0000-7000-8000-00000000d001");

CommandMeta as(const Uuid& actor, Role role) {
  CommandMeta m;
  m.actor = actor;
  m.role = role;
  m.now = kNow;
  return m;
}

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

// What one route makes of a body: a command and who sends it, or nothing
// (a 422 the handler answers itself, with `f`'s errors).
struct Mapped {
  std::optional<Command> command;
  CommandMeta meta;
};
using Mapping = std::function<Mapped(const json::object&, api::Fields&)>;

Mapped admin_sends(Command c) {
  return {std::move(c), as(kAdmin, Role::kAdmin)};
}
Mapped customer_sends(Command c) {
  return {std::move(c), as(kCustomer, Role::kCustomer)};
}

// Mirrors of the handlers' field lists in api/routes_*.cpp.
const std::map<std::string, Mapping, std::less<>>& routes() {
  static const std::map<std::string, Mapping, std::less<>> m = {
      {"POST /api/products",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"name", "description", "price_cents", "stock", "category", "sku", "currency"});
         CreateProduct c;
         c.product_id = kNewId;
         c.name = f.str("name", true, 200).value_or("");
         c.description = f.str("description", false, 5000).value_or("");
         c.category = f.str("category", true, 100).value_or("");
         c.sku = f.str("sku", false, 64).value_or("");
         if (c.sku.empty())
           c.sku = "SKU-" + c.product_id.to_string().substr(0, 18);
         c.currency = f.str("currency", false, 3).value_or("USD");
         c.price_cents = f.integer("price_cents", true).value_or(0);
         c.stock = f.integer("stock", true).value_or(0);
         return f.ok() ? admin_sends(c) : Mapped{};
       }},
      {"PATCH /api/products/{id}",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"name", "description", "price_cents", "category"});
         UpdateProduct u;
         u.product_id = kProduct;
         u.name = f.str("name", false, 200);
         u.description = f.str("description", false, 5000);
         u.category = f.str("category", false, 100);
         u.price_cents = f.integer("price_cents", false);
         return f.ok() ? admin_sends(u) : Mapped{};
       }},
      {"PUT /api/products/{id}/stock",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"stock", "delta"});
         const auto stock = f.integer("stock", false);
         const auto delta = f.integer("delta", false);
         if (stock.has_value() == delta.has_value())
           f.add("stock", "send exactly one of stock (absolute) or delta");
         if (!f.ok())
           return {};
         return admin_sends(stock ? Command(SetStock{kProduct, *stock})
                                  : Command(AdjustStock{kProduct, *delta}));
       }},
      {"POST /api/analytics/events",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"type", "product_id", "query"});
         const auto type = f.str("type", true, 32);
         if (type == "product_view") {
           const auto id = f.id("product_id", true);
           if (id && f.ok())
             return {RecordAnalytics{kNewId, {{*id, 1}}, {}}, as(Uuid{}, Role::kEngine)};
         } else if (type == "search") {
           // The recorder counts the normalised query; decide refuses what
           // is not clean text.
           if (auto q = f.str("query", true, 200); q && f.ok()) {
             return {RecordAnalytics{kNewId, {}, {{normalize_search(*q), 1}}},
                     as(Uuid{}, Role::kEngine)};
           }
         } else if (type) {
           f.add("type", "must be product_view or search");
         }
         return {};
       }},
      {"POST /api/cart/items",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"product_id", "quantity"});
         AddToCart c;
         c.product_id = f.id("product_id", true).value_or(Uuid{});
         c.quantity = f.integer("quantity", true).value_or(0);
         return f.ok() ? customer_sends(c) : Mapped{};
       }},
      {"PUT /api/cart/items/{product_id}",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"quantity"});
         const auto quantity = f.integer("quantity", true);
         return f.ok() ? customer_sends(SetCartQuantity{kProduct, *quantity}) : Mapped{};
       }},
      {"POST /api/cart/checkout",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"shipping_address"});
         const auto address = f.str("shipping_address", false, 1000).value_or("");
         return f.ok() ? customer_sends(Checkout{kNewId, address, 15 * 60 * 1000000LL}) : Mapped{};
       }},
      {"POST /api/orders",
       [](const json::object& body, api::Fields& f) -> Mapped {
         f.only({"items", "shipping_address"});
         PlaceOrder c;
         c.order_id = kNewId;
         c.shipping_address = f.str("shipping_address", false, 1000).value_or("");
         auto items = body.find("items");
         if (items == body.end() || !items->value().is_array()) {
           f.add("items", "is required (an array of {product_id, quantity})");
         } else {
           const auto& arr = items->value().as_array();
           if (arr.size() > 100)
             f.add("items", "at most 100 lines");
           for (size_t i = 0; i < arr.size() && i < 100; ++i) {
             const std::string at = "items[" + std::to_string(i) + "]";
             if (!arr[i].is_object()) {
               f.add(at, "must be an object {product_id, quantity}");
               continue;
             }
             api::Fields line(arr[i].as_object());
             line.only({"product_id", "quantity"});
             OrderItem item;
             item.product_id = line.id("product_id", true).value_or(Uuid{});
             item.quantity = line.integer("quantity", true).value_or(0);
             for (const auto& e : line.errors())
               f.add(at + "." + e.field, e.message);
             c.items.push_back(item);
           }
         }
         return f.ok() ? customer_sends(c) : Mapped{};
       }},
      {"PUT /api/orders/{id}/status",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"status"});
         const auto text = f.str("status", true, 32);
         const auto status = text ? parse_order_status(*text) : std::nullopt;
         if (text && !status)
           f.add("status", "must be pending, confirmed, shipped, delivered or cancelled");
         return f.ok() ? admin_sends(ChangeOrderStatus{kOrder, *status}) : Mapped{};
       }},
      {"POST /api/payments",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"order_id"});
         const auto order = f.id("order_id", true);
         return f.ok() ? customer_sends(CreatePayment{kNewId, *order}) : Mapped{};
       }},
      {"POST /api/payments/{id}/confirm",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"payment_method"});
         const auto method = f.str("payment_method", true, 64);
         return f.ok() ? customer_sends(ConfirmPayment{kPayment, *method}) : Mapped{};
       }},
      {"POST /api/payments/{id}/refund",
       [](const json::object&, api::Fields& f) -> Mapped {
         f.only({"amount_cents"});
         const auto amount = f.integer("amount_cents", false);
         return f.ok() ? admin_sends(RefundPayment{kPayment, amount}) : Mapped{};
       }},
      {"POST /api/admin/notifications/{id}/outcome",
       [](const json::object& body, api::Fields& f) -> Mapped {
         f.only({"status", "error", "will_retry"});
         const auto status = f.str("status", true, 16);
         const auto error = f.str("error", false, 1000);
         bool will_retry = false;
         if (const auto* r = body.if_contains("will_retry")) {
           if (r->is_bool())
             will_retry = r->as_bool();
           else
             f.add("will_retry", "must be true or false");
         }
         if (status && *status != "sent" && *status != "failed")
           f.add("status", "must be sent or failed");
         if (status && *status == "failed" && (!error || error->empty()))
           f.add("error", "is required when the status is failed");
         if (!f.ok())
           return {};
         Command c = *status == "sent"
                         ? Command{RecordNotificationSent{kNotification}}
                         : Command{RecordNotificationFailed{kNotification, *error, will_retry}};
         return {std::move(c), as(kAdmin, Role::kEngine)};
       }},
      {"POST /api/auth/register",
       [](const json::object& body, api::Fields& f) -> Mapped {
         // routes_auth.cpp reads these with its own string_field (a
         // string or absent) and the validators below.
         auto text = [&](std::string_view key) -> std::optional<std::string> {
           auto it = body.find(key);
           if (it == body.end() || !it->value().is_string())
             return std::nullopt;
           return std::string(it->value().as_string());
         };
         const auto username = text("username");
         const auto email = text("email");
         const auto password = text("password");
         const std::string normalized = email ? normalize_email(*email) : "";
         if (!username || !validate_username(*username).is_ok())
           f.add("username", "invalid");
         if (!email || !validate_email(normalized).is_ok())
           f.add("email", "invalid");
         if (!password || !validate_password(*password).is_ok())
           f.add("password", "invalid");
         if (!f.ok())
           return {};
         // The hash is argon2id of the password; its text never varies in shape.
         return {RegisterUser{kNewId, *username, normalized, "$argon2id$v=19$fuzz", "customer"},
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
  api::Call call;
  call.request.method = "POST";
  call.request.headers = {{"content-type", "application/json"}};
  call.request.body = std::string(input);
  std::optional<api::Response> refused;
  call.respond = [&](api::Response r) { refused = std::move(r); };
  const auto body = call.json_body();
  FUZZ_CHECK(body.has_value() != refused.has_value(), "json_body answers exactly when it refuses");
  if (!body) {
    FUZZ_CHECK(refused->status == 400 || refused->status == 422, refused->body);
    boost::system::error_code ec;
    const auto problem = json::parse(refused->body, ec);
    FUZZ_CHECK(!ec && problem.is_object() && problem.as_object().contains("code"), refused->body);
    return 0;
  }

  api::Fields fields(*body);
  const Mapped mapped = it->second(*body, fields);
  FUZZ_CHECK(mapped.command.has_value() == fields.ok(), it->first);
  if (!mapped.command)
    return 0;

  ShopState state = fixture();
  EventSink sink;
  (void)run(state, sink, *mapped.command, mapped.meta);
  check_events(sink);
  check_stock(state);
  return 0;
}
