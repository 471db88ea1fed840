// The contract's JSON shapes for read-model rows.
#include "api/rest/routes/context.h"

#include <charconv>

#include "core/json_writer.h"
#include "projections/catalog.h"
#include "projections/orders.h"
#include "projections/payments.h"
#include "projections/stats.h"
#include "projections/users.h"

namespace orderly::api::rest::routes {

json::object image_json(const projections::CatalogImage& i, std::string_view image_base) {
  auto url = [&](const projections::CatalogImageFile& f) {
    std::string u(image_base);
    u += '/';
    u += f.name();
    return u;
  };
  return {{"id", i.id},
          {"alt", i.alt},
          {"width", i.width},
          {"height", i.height},
          {"urls",
           json::object{
               {"thumb", url(i.thumb)}, {"medium", url(i.medium)}, {"original", url(i.original)}}}};
}

json::object product_json(const projections::CatalogProduct& p, std::string_view image_base,
                          const json::storage_ptr& sp) {
  json::array images(sp);
  for (const auto& i : p.images)
    images.push_back(image_json(i, image_base));
  return json::object({{"id", p.id},
                       {"sku", p.sku},
                       {"name", p.name},
                       {"description", p.description},
                       {"price_cents", p.price_cents},
                       {"currency", p.currency},
                       {"category", p.category},
                       {"category_slug", p.category_slug},
                       {"images", std::move(images)},
                       {"stock", p.stock},
                       {"reserved", p.reserved},
                       {"available", std::max<int64_t>(0, p.available())},
                       {"status", p.discontinued ? "discontinued" : "active"},
                       {"created_at", format_rfc3339(p.created_at)},
                       {"updated_at", format_rfc3339(p.updated_at)},
                       {"version", p.version}},
                      sp);
}

namespace {

// An order's address: the snapshot object (address_id only when it was a
// saved address), the inline text, or null.
json::value shipping_json(const projections::OrderRow& o, const json::storage_ptr& sp) {
  if (o.shipping) {
    const Address& a = *o.shipping;
    json::object out({{"name", a.name},
                      {"line1", a.line1},
                      {"line2", a.line2},
                      {"city", a.city},
                      {"postal_code", a.postal_code},
                      {"country", a.country},
                      {"phone", a.phone}},
                     sp);
    if (!a.address_id.is_nil())
      out["address_id"] = a.address_id.to_string();
    return out;
  }
  return o.shipping_address ? json::value(*o.shipping_address, sp) : json::value(nullptr, sp);
}

}  // namespace

json::object order_json(const projections::OrderRow& o, const json::storage_ptr& sp) {
  json::array items(sp);
  items.reserve(o.items.size());
  for (const auto& l : o.items) {
    items.push_back(json::object({{"product_id", l.product_id},
                                  {"name", l.name},
                                  {"unit_price_cents", l.unit_price_cents},
                                  {"quantity", l.quantity},
                                  {"line_total_cents", l.line_total_cents}},
                                 sp));
  }
  json::object out({{"id", o.id},
                    {"user_id", o.user_id},
                    {"status", o.status},
                    {"items", std::move(items)},
                    {"currency", o.currency},
                    {"shipping_address", shipping_json(o, sp)},
                    {"total_cents", o.total_cents},
                    {"created_at", format_rfc3339(o.created_at)},
                    {"updated_at", format_rfc3339(o.updated_at)},
                    {"version", o.version}},
                   sp);
  if (!o.payment_status.empty())
    out["payment_status"] = o.payment_status;
  if (o.disputed)
    out["disputed"] = true;
  return out;
}

namespace {

// JSON text appended to `out`: list pages are written straight from the
// rows (a tree of boost::json values built and then serialised was about
// half of a page's CPU). The shapes are product_json's and order_json's,
// member for member (tests/api/rest/routes/views_text_test.cpp holds them equal).
void text(std::string& out, std::string_view s) {
  JsonWriter::append_quoted(out, s);
}
template <typename N>
void number(std::string& out, N n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out.append(buf, end);
}
void image_url(std::string& out, std::string_view base, const projections::CatalogImageFile& f) {
  std::string url(base);
  url += '/';
  url += f.hash;
  url += '.';
  url += f.ext;
  text(out, url);
}

}  // namespace

void write_product(std::string& out, const projections::CatalogProduct& p,
                   std::string_view image_base) {
  out += R"({"id":)";
  text(out, p.id);
  out += R"(,"sku":)";
  text(out, p.sku);
  out += R"(,"name":)";
  text(out, p.name);
  out += R"(,"description":)";
  text(out, p.description);
  out += R"(,"price_cents":)";
  number(out, p.price_cents);
  out += R"(,"currency":)";
  text(out, p.currency);
  out += R"(,"category":)";
  text(out, p.category);
  out += R"(,"category_slug":)";
  text(out, p.category_slug);
  out += R"(,"images":[)";
  for (size_t i = 0; i < p.images.size(); ++i) {
    const projections::CatalogImage& m = p.images[i];
    out += i == 0 ? R"({"id":)" : R"(,{"id":)";
    text(out, m.id);
    out += R"(,"alt":)";
    text(out, m.alt);
    out += R"(,"width":)";
    number(out, m.width);
    out += R"(,"height":)";
    number(out, m.height);
    out += R"(,"urls":{"thumb":)";
    image_url(out, image_base, m.thumb);
    out += R"(,"medium":)";
    image_url(out, image_base, m.medium);
    out += R"(,"original":)";
    image_url(out, image_base, m.original);
    out += "}}";
  }
  out += R"(],"stock":)";
  number(out, p.stock);
  out += R"(,"reserved":)";
  number(out, p.reserved);
  out += R"(,"available":)";
  number(out, std::max<int64_t>(0, p.available()));
  out += p.discontinued ? R"(,"status":"discontinued")" : R"(,"status":"active")";
  out += R"(,"created_at":)";
  text(out, format_rfc3339(p.created_at));
  out += R"(,"updated_at":)";
  text(out, format_rfc3339(p.updated_at));
  out += R"(,"version":)";
  number(out, p.version);
  out += '}';
}

void write_order(std::string& out, const projections::OrderRow& o, std::string_view user_status) {
  out += R"({"id":)";
  text(out, o.id);
  out += R"(,"user_id":)";
  text(out, o.user_id);
  out += R"(,"status":)";
  text(out, o.status);
  out += R"(,"items":[)";
  for (size_t i = 0; i < o.items.size(); ++i) {
    const projections::OrderLineRow& l = o.items[i];
    out += i == 0 ? R"({"product_id":)" : R"(,{"product_id":)";
    text(out, l.product_id);
    out += R"(,"name":)";
    text(out, l.name);
    out += R"(,"unit_price_cents":)";
    number(out, l.unit_price_cents);
    out += R"(,"quantity":)";
    number(out, l.quantity);
    out += R"(,"line_total_cents":)";
    number(out, l.line_total_cents);
    out += '}';
  }
  out += R"(],"currency":)";
  text(out, o.currency);
  out += R"(,"shipping_address":)";
  if (o.shipping) {
    const Address& a = *o.shipping;
    out += R"({"name":)";
    text(out, a.name);
    out += R"(,"line1":)";
    text(out, a.line1);
    out += R"(,"line2":)";
    text(out, a.line2);
    out += R"(,"city":)";
    text(out, a.city);
    out += R"(,"postal_code":)";
    text(out, a.postal_code);
    out += R"(,"country":)";
    text(out, a.country);
    out += R"(,"phone":)";
    text(out, a.phone);
    if (!a.address_id.is_nil()) {
      out += R"(,"address_id":")";
      a.address_id.append_to(out);
      out += '"';
    }
    out += '}';
  } else if (o.shipping_address) {
    text(out, *o.shipping_address);
  } else {
    out += "null";
  }
  out += R"(,"total_cents":)";
  number(out, o.total_cents);
  out += R"(,"created_at":)";
  text(out, format_rfc3339(o.created_at));
  out += R"(,"updated_at":)";
  text(out, format_rfc3339(o.updated_at));
  out += R"(,"version":)";
  number(out, o.version);
  if (!o.payment_status.empty()) {
    out += R"(,"payment_status":)";
    text(out, o.payment_status);
  }
  if (o.disputed)
    out += R"(,"disputed":true)";
  if (!user_status.empty()) {
    out += R"(,"user_status":)";
    text(out, user_status);
  }
  out += '}';
}

json::object user_json(const projections::UserRow& u) {
  // Never the password hash, nor an identity's subject (the provider's
  // account id is the provider's business): only which providers.
  json::array identities;
  for (const Identity& i : u.identities)
    identities.push_back(json::object{{"issuer", i.issuer}});
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"role", u.role},
          {"created_at", format_rfc3339(u.created_at)},
          {"display_name", u.display_name},
          {"email_verified", u.email_verified},
          {"status", u.status},
          {"has_password", u.has_password()},
          {"identities", std::move(identities)}};
}

json::object address_json(const Address& a) {
  return {{"id", a.address_id.to_string()},
          {"name", a.name},
          {"line1", a.line1},
          {"line2", a.line2},
          {"city", a.city},
          {"postal_code", a.postal_code},
          {"country", a.country},
          {"phone", a.phone},
          {"is_default", a.is_default}};
}

json::object admin_user_json(const projections::UserRow& u) {
  json::object o = user_json(u);
  // What staff need to judge an account (never a hash, a token or an address).
  o["status"] = u.status;
  o["display_name"] = u.display_name;
  o["email_verified"] = u.email_verified;
  o["has_password"] = u.has_password();  // false: signs in through a provider only
  return o;
}

json::object order_stats_json(const projections::OrderStats& s) {
  return {{"total_orders", s.total_orders},        {"total_spent_cents", s.total_spent_cents},
          {"pending_orders", s.pending_orders},    {"confirmed_orders", s.confirmed_orders},
          {"shipped_orders", s.shipped_orders},    {"completed_orders", s.completed_orders},
          {"cancelled_orders", s.cancelled_orders}};
}

namespace {

json::value time_or_null(TimestampUs t) {
  return t == 0 ? json::value(nullptr) : json::value(format_rfc3339(t));
}

json::object webhook_json(const projections::PaymentWebhookRow& w) {
  json::object o{{"provider_event_id", w.provider_event_id},
                 {"type", w.type},
                 {"payment_id", w.payment_id},
                 {"outcome", w.outcome},
                 {"detail", w.detail},
                 {"amount_cents", w.amount_cents},
                 {"created", format_rfc3339(w.created_s * 1'000'000)},
                 {"received_at", format_rfc3339(w.received_at)}};
  if (!w.refund_id.empty())
    o["refund_id"] = w.refund_id;
  if (!w.dispute_id.empty())
    o["dispute_id"] = w.dispute_id;
  return o;
}

}  // namespace

json::object payment_webhook_json(const projections::PaymentWebhookRow& w) {
  return webhook_json(w);
}

json::object payment_json(const projections::PaymentRow& p) {
  json::array attempts, refunds, disputes, webhooks;
  for (const auto& a : p.attempts) {
    attempts.push_back(json::object{{"attempt", a.attempt},
                                    {"payment_method", a.payment_method},
                                    {"status", a.status},
                                    {"at", format_rfc3339(a.at)}});
  }
  for (const auto& r : p.refunds) {
    refunds.push_back(json::object{{"id", r.id},
                                   {"amount_cents", r.amount_cents},
                                   {"reason", r.reason},
                                   {"status", r.status},
                                   {"requested_at", format_rfc3339(r.requested_at)},
                                   {"finished_at", time_or_null(r.finished_at)}});
  }
  for (const auto& d : p.disputes) {
    disputes.push_back(json::object{{"id", d.id},
                                    {"amount_cents", d.amount_cents},
                                    {"reason", d.reason},
                                    {"at", format_rfc3339(d.at)}});
  }
  for (const auto& w : p.webhooks)
    webhooks.push_back(webhook_json(w));
  json::object o{{"id", p.id},
                 {"order_id", p.order_id},
                 {"user_id", p.user_id},
                 {"amount_cents", p.amount_cents},
                 {"currency", p.currency},
                 {"status", p.status},
                 {"disputed", p.disputed},
                 {"refunded_cents", p.refunded_cents},
                 {"pending_refund_cents", p.pending_refund_cents},
                 {"attempts", std::move(attempts)},
                 {"refunds", std::move(refunds)},
                 {"disputes", std::move(disputes)},
                 {"webhooks", std::move(webhooks)},
                 {"created_at", format_rfc3339(p.created_at)},
                 {"updated_at", format_rfc3339(p.updated_at)}};
  if (!p.payment_method.empty())
    o["payment_method"] = p.payment_method;
  if (!p.failure_reason.empty())
    o["failure_reason"] = p.failure_reason;
  if (p.status == "requires_action" && !p.next_action_url.empty())
    o["next_action_url"] = p.next_action_url;
  return o;
}

json::object popular_product_json(const projections::PopularProduct& p) {
  return {{"product_id", p.product_id},
          {"name", p.name},
          {"units", p.units},
          {"revenue_cents", p.revenue_cents},
          {"views", p.views}};
}

json::object trending_search_json(const projections::TrendingSearch& s) {
  // change: the rise (or fall) against the previous window, in searches.
  const auto change = static_cast<int64_t>(s.count) - static_cast<int64_t>(s.previous_count);
  return {{"query", s.query},
          {"count", s.count},
          {"previous_count", s.previous_count},
          {"change", change}};
}

}  // namespace orderly::api::rest::routes
