#include "commands/decide.h"
#include "core/text.h"

#include "commands/analytics.h"

namespace orderly::commands {

namespace {

template <typename Map>
auto* find_in(const Map& map, const Uuid& id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

// The saved address an order names by id, copied into the command: the
// order keeps what the address was when it was placed (later edits do not
// reach it). An id beside an address, or an id the owner has not saved,
// is refused.
template <typename C>
Status resolve_shipping(const UserState* owner, C& c) {
  if (c.shipping_address_id.is_nil())
    return Status::ok();
  if (c.shipping || !c.shipping_address.empty()) {
    return Status::invalid_field("shipping_address_id",
                                 "send shipping_address_id or shipping_address, not both");
  }
  if (owner != nullptr) {
    for (const Address& a : owner->addresses) {
      if (a.address_id == c.shipping_address_id) {
        c.shipping = a;
        return Status::ok();
      }
    }
  }
  return Status::invalid_field("shipping_address_id", "is not one of your saved addresses");
}

struct Decider {
  const ShopState& s;
  const CommandMeta& meta;
  EventSink& out;

  const OrderState* order_of(const PaymentState* p) const {
    return p ? find_in(s.orders, p->order_id) : nullptr;
  }

  // The payments of the order that its rules need (payment.h).
  OrderPayments payments_of(const Uuid& order_id, const OrderState* o) const {
    OrderPayments pays;
    if (o != nullptr && !o->paid_by.is_nil()) {
      pays.paid_by_id = o->paid_by;
      pays.paid_by = find_in(s.payments, o->paid_by);
    }
    if (auto it = s.open_payment_by_order.find(order_id); it != s.open_payment_by_order.end()) {
      pays.open_id = it->second;
      pays.open = find_in(s.payments, it->second);
    }
    return pays;
  }

  // What the account deciders need of the shop: whether another account
  // holds a username, an email or an identity.
  AccountIndex account_index(const Uuid& user, const std::string* username,
                             const std::string* email, const std::string* identity) const {
    auto other = [&](const auto& index, const std::string& key) {
      auto it = index.find(key);
      return it != index.end() && it->second != user;
    };
    AccountIndex a;
    a.username_taken = username != nullptr && other(s.usernames, ascii_lower(*username));
    a.email_taken = email != nullptr && other(s.emails, *email);
    a.identity_taken = identity != nullptr && other(s.identities, *identity);
    a.active_admins = s.active_admins;
    return a;
  }

  Status operator()(const RegisterUser& c) {
    const std::string identity = identity_key(c.identity_issuer, c.identity_subject);
    return decide_register_user(find_in(s.users, c.user_id),
                                account_index(c.user_id, &c.username, &c.email,
                                              c.identity_issuer.empty() ? nullptr : &identity),
                                c, meta, out);
  }
  Status operator()(const ChangeRole& c) {
    return decide_change_role(find_in(s.users, c.user_id),
                              account_index(c.user_id, nullptr, nullptr, nullptr), c, meta, out);
  }
  Status operator()(const UpdateProfile& c) {
    return decide_update_profile(find_in(s.users, c.user_id),
                                 account_index(c.user_id, c.username ? &*c.username : nullptr,
                                               c.email ? &*c.email : nullptr, nullptr),
                                 c, meta, out);
  }
  Status operator()(const ChangePassword& c) {
    return decide_change_password(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const RequestEmailVerification& c) {
    return decide_request_email_verification(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const VerifyEmail& c) {
    return decide_verify_email(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const RequestPasswordReset& c) {
    return decide_request_password_reset(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const ResetPassword& c) {
    return decide_reset_password(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const SetUserStatus& c) {
    return decide_set_user_status(find_in(s.users, c.user_id),
                                  account_index(c.user_id, nullptr, nullptr, nullptr), c, meta,
                                  out);
  }
  Status operator()(const LinkIdentity& c) {
    const std::string identity = identity_key(c.issuer, c.subject);
    return decide_link_identity(find_in(s.users, c.user_id),
                                account_index(c.user_id, nullptr, nullptr, &identity), c, meta,
                                out);
  }
  Status operator()(const AddAddress& c) {
    return decide_add_address(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const ChangeAddress& c) {
    return decide_change_address(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const RemoveAddress& c) {
    return decide_remove_address(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const IssueRefreshToken& c) {
    return decide_issue_refresh_token(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const RotateRefreshToken& c) {
    return decide_rotate_refresh_token(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const RevokeRefreshToken& c) {
    return decide_revoke_refresh_token(find_in(s.users, c.user_id), c, meta, out);
  }
  Status operator()(const CreateProduct& c) {
    return decide_create_product(find_in(s.products, c.product_id), s.skus.count(c.sku) > 0,
                                 s.currency, s.categories, c, meta, out);
  }
  Status operator()(const AddProductImage& c) {
    return decide_add_product_image(find_in(s.products, c.product_id), c, meta, out);
  }
  Status operator()(const ChangeProductImage& c) {
    return decide_change_product_image(find_in(s.products, c.product_id), c, meta, out);
  }
  Status operator()(const RemoveProductImage& c) {
    return decide_remove_product_image(find_in(s.products, c.product_id), c, meta, out);
  }
  Status operator()(const CreateCategory& c) {
    return decide_create_category(s.categories, c, meta, out);
  }
  Status operator()(const ChangeCategory& c) {
    return decide_change_category(s.categories, c, meta, out);
  }
  Status operator()(const DeleteCategory& c) {
    return decide_delete_category(s.categories, c, meta, out);
  }
  Status operator()(const UpdateProduct& c) {
    return decide_update_product(find_in(s.products, c.product_id), s.categories, c, meta, out);
  }
  Status operator()(const DiscontinueProduct& c) {
    return decide_discontinue_product(find_in(s.products, c.product_id), c, meta, out);
  }
  Status operator()(const SetStock& c) {
    return decide_set_stock(find_in(s.products, c.product_id), c, meta, out);
  }
  Status operator()(const AdjustStock& c) {
    return decide_adjust_stock(find_in(s.products, c.product_id), c, meta, out);
  }
  Status operator()(const AddToCart& c) {
    return decide_add_to_cart(find_in(s.carts, meta.actor), s.products, c, meta, out);
  }
  Status operator()(const SetCartQuantity& c) {
    return decide_set_cart_quantity(find_in(s.carts, meta.actor), s.products, c, meta, out);
  }
  Status operator()(const RemoveFromCart& c) {
    return decide_remove_from_cart(find_in(s.carts, meta.actor), c, meta, out);
  }
  Status operator()(const ClearCart&) {
    return decide_clear_cart(find_in(s.carts, meta.actor), meta, out);
  }
  Status operator()(const Checkout& c) {
    Checkout resolved = c;
    ORDERLY_RETURN_IF_ERROR(resolve_shipping(find_in(s.users, meta.actor), resolved));
    return decide_checkout(find_in(s.carts, meta.actor), find_in(s.orders, c.order_id), s.products,
                           s.currency, find_in(s.holds, meta.actor), s.hold_limits, resolved, meta,
                           out);
  }
  Status operator()(const PlaceOrder& c) {
    PlaceOrder resolved = c;
    ORDERLY_RETURN_IF_ERROR(resolve_shipping(find_in(s.users, meta.actor), resolved));
    return decide_place_order(find_in(s.orders, c.order_id), s.products, s.currency,
                              find_in(s.holds, meta.actor), s.hold_limits, resolved, meta, out);
  }
  Status operator()(const ChangeOrderStatus& c) {
    const OrderState* o = find_in(s.orders, c.order_id);
    return decide_change_order_status(o, payments_of(c.order_id, o), c, meta, out);
  }
  Status operator()(const CancelOrder& c) {
    const OrderState* o = find_in(s.orders, c.order_id);
    return decide_cancel_order(o, payments_of(c.order_id, o), c, meta, out);
  }
  Status operator()(const ExpireOrder& c) {
    const OrderState* o = find_in(s.orders, c.order_id);
    return decide_expire_order(o, payments_of(c.order_id, o), c, meta, out);
  }
  Status operator()(const CreatePayment& c) {
    return decide_create_payment(find_in(s.payments, c.payment_id), find_in(s.orders, c.order_id),
                                 s.open_payment_by_order.count(c.order_id) > 0, s.currency, c, meta,
                                 out);
  }
  Status operator()(const ConfirmPayment& c) {
    const PaymentState* p = find_in(s.payments, c.payment_id);
    return decide_confirm_payment(p, order_of(p), s.payment_provider, s.currency, c, meta, out);
  }
  Status operator()(const AuthenticatePayment& c) {
    const PaymentState* p = find_in(s.payments, c.payment_id);
    return decide_authenticate_payment(p, order_of(p), s.payment_provider, c, meta, out);
  }
  Status operator()(const CapturePayment& c) {
    const PaymentState* p = find_in(s.payments, c.payment_id);
    return decide_capture_payment(p, order_of(p), c, meta, out);
  }
  Status operator()(const ApplyPaymentWebhook& c) {
    const PaymentState* p = find_in(s.payments, c.payment_id);
    const bool seen = s.provider_events.count(provider_event_key(c.provider_event_id)) > 0;
    return decide_payment_webhook(p, order_of(p), seen, c, meta, out);
  }
  Status operator()(const RefundPayment& c) {
    const PaymentState* p = find_in(s.payments, c.payment_id);
    return decide_refund_payment(p, order_of(p), c, meta, out);
  }
  Status operator()(const RequestNotification& c) {
    return decide_request_notification(find_in(s.notifications, c.notification_id), c, meta, out);
  }
  Status operator()(const RecordNotificationSent& c) {
    return decide_record_sent(find_in(s.notifications, c.notification_id), c, meta, out);
  }
  Status operator()(const RecordNotificationFailed& c) {
    return decide_record_failed(find_in(s.notifications, c.notification_id), c, meta, out);
  }
  Status operator()(const RecordAnalytics& c) { return decide_record_analytics(c, meta, out); }
  Status operator()(const RetryNotification& c) {
    return decide_retry_notification(find_in(s.notifications, c.notification_id), c, meta, out);
  }
  Status operator()(const RecordWebSocketPushes& c) {
    return decide_record_websocket_pushes(c, s.notifications, meta, out);
  }
};

}  // namespace

Status decide(const ShopState& s, const Command& command, const CommandMeta& meta, EventSink& out) {
  return std::visit(Decider{s, meta, out}, command);
}

bool keeps_events_when_refused(const Command& command, const Status& refusal) {
  return std::holds_alternative<RotateRefreshToken>(command) ||
         (std::holds_alternative<Checkout>(command) && refusal.code() == ErrorCode::kPriceChanged);
}

std::optional<Uuid> next_expired_order(ShopState& s, TimestampUs now) {
  while (!s.expiries.empty() && s.expiries.top().first <= now) {
    const auto [at, id] = s.expiries.top();
    s.expiries.pop();
    auto it = s.orders.find(id);
    if (it != s.orders.end() && it->second.status == OrderStatus::kPending &&
        it->second.expires_at == at)
      return id;
  }
  return std::nullopt;
}

}  // namespace orderly::commands
