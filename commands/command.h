// The commands the engine decides. Plain values: the API and the CLI build
// them (with ids and the clock already filled in), the writer decides them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/account.h"
#include "core/clock.h"
#include "core/order_status.h"
#include "core/uuid.h"

namespace orderly::commands {

enum class Role : uint8_t { kCustomer, kAdmin, kEngine };

// Who asks, when, and how to recognise a retry.
struct CommandMeta {
  Uuid actor;  // the authenticated user (nil for the engine itself)
  Role role = Role::kCustomer;
  TimestampUs now = 0;               // the caller's clock: deciders never read one
  std::string idempotency_key;       // optional, scoped per actor
  uint64_t request_fingerprint = 0;  // hash of the request's meaning: same key + other = error
  // The hash of the body's bytes as logs written before fingerprints hashed
  // canonical JSON hold them (0: none): a retry matching either is a replay,
  // so keys recorded before the upgrade keep working.
  uint64_t legacy_request_fingerprint = 0;
  // If-Match: the stream version the caller last saw of the aggregate the
  // command changes. The writer refuses the command (version_conflict,
  // nothing appended) when the aggregate is at another version when it is
  // decided. Unset: any version. Only commands that change one existing
  // aggregate take it (see CommandProcessor).
  std::optional<uint32_t> expected_version;
  // Stored as the correlation id of every event the command appends (the
  // W3C trace id of the HTTP request that sent it: api/rest/trace_context.h);
  // empty: none.
  std::string correlation_id;
};

// --- users ---
struct RegisterUser {
  Uuid user_id;
  std::string username, email, password_hash;  // hashed (argon2id) before it gets here
  std::string role = "customer";
  // The first session's refresh token, issued in the same decision (empty
  // hash: none), so that a retried registration appends nothing and can
  // answer the first session again.
  Uuid session_token_id{}, session_family_id{};
  std::string session_token_hash{};
  TimestampUs session_expires_at = 0;
  // The email verification sent on registration (empty hash: none).
  Uuid verify_token_id{};
  std::string verify_token_hash{};
  TimestampUs verify_expires_at = 0;
  // Registration through an OpenID Connect provider: who it is there (empty
  // issuer: a password registration). Then `password_hash` may be empty.
  std::string identity_issuer{}, identity_subject{};
  bool email_verified = false;  // the provider vouched for the email
};
struct ChangeRole {
  Uuid user_id;
  std::string role;
};
struct IssueRefreshToken {
  Uuid user_id, token_id, family_id;
  std::string token_hash;
  TimestampUs expires_at = 0;
};
struct RotateRefreshToken {
  Uuid user_id, old_token_id, new_token_id;
  std::string new_token_hash;
  TimestampUs expires_at = 0;
  std::string presented_hash;  // the hash of the token the client sent: must match
};
struct RevokeRefreshToken {
  Uuid user_id, token_id;
  std::string presented_hash;  // when set, must match (logout with the token itself)
};

// --- accounts (rules in commands/user.h) ---
// An email token (verification, password reset): its id and the hash of its
// secret; the secret itself never reaches the engine's state or log.
struct EmailToken {
  Uuid token_id;
  std::string token_hash;
  TimestampUs expires_at = 0;
};
struct UpdateProfile {
  Uuid user_id;
  std::optional<std::string> username, email, display_name;  // unset: unchanged
  EmailToken verification;  // sent to a new email (required with one)
};
struct ChangePassword {
  Uuid user_id;
  std::string new_password_hash;
  // digest128_hex of the argon2id string the current password was checked
  // against: the password did not change between that check and this one.
  std::string verified_digest;
  Uuid keep_family_id;  // the caller's session stays; every other one ends
};
struct RequestEmailVerification {
  Uuid user_id;
  EmailToken token;
};
struct VerifyEmail {
  Uuid user_id, token_id;
  std::string presented_hash;
};
struct RequestPasswordReset {
  Uuid user_id;
  EmailToken token;
};
struct ResetPassword {
  Uuid user_id, token_id;
  std::string presented_hash, new_password_hash;
};
struct SetUserStatus {
  Uuid user_id;
  std::string status;  // "active" | "deactivated" | "closed"
  std::string reason;
};
struct LinkIdentity {
  Uuid user_id;
  std::string issuer, subject, email;
};
using ::orderly::Address;  // core/account.h
struct AddAddress {
  Uuid user_id;
  Address address;
};
struct AddressPatch {
  std::optional<std::string> name, line1, line2, city, postal_code, country, phone;
  std::optional<bool> is_default;
};
struct ChangeAddress {
  Uuid user_id, address_id;
  AddressPatch patch;
};
struct RemoveAddress {
  Uuid user_id, address_id;
};

// --- catalog ---
struct CreateProduct {
  Uuid product_id;
  std::string sku, name, description, category;
  std::string currency;  // empty: the shop's (ProcessorOptions::currency)
  int64_t price_cents = 0;
  int64_t stock = 0;
};
struct UpdateProduct {
  Uuid product_id;
  std::optional<std::string> name, description, category;
  std::optional<int64_t> price_cents;
};
struct DiscontinueProduct {
  Uuid product_id;
};
// One stored file of an image: "<hash>.<ext>" in the image store.
struct ImageFileRef {
  std::string hash;  // 64 lower-case hex digits (SHA-256 of the bytes)
  std::string ext;   // "jpg" | "png" | "webp"
  int64_t bytes = 0;
};
// Recorded once every file is in the image store (api/rest/routes/images.cpp).
struct AddProductImage {
  Uuid product_id, image_id;
  ImageFileRef original, thumb, medium;
  int32_t width = 0, height = 0;
  std::string alt;
};
struct ChangeProductImage {
  Uuid product_id, image_id;
  std::optional<std::string> alt;
  std::optional<int64_t> position;  // 0-based; the others keep their order
};
struct RemoveProductImage {
  Uuid product_id, image_id;
};
// Categories (commands/category.h): keyed by slug.
struct CreateCategory {
  std::string slug, name, description;
};
struct ChangeCategory {
  std::string slug;
  std::optional<std::string> name, description;
};
struct DeleteCategory {
  std::string slug;
};
struct SetStock {
  Uuid product_id;
  int64_t stock = 0;
};
struct AdjustStock {
  Uuid product_id;
  int64_t delta = 0;
};

// --- cart (stream cart-<user id>) ---
struct AddToCart {
  Uuid product_id;
  int64_t quantity = 0;
};
struct SetCartQuantity {
  Uuid product_id;
  int64_t quantity = 0;  // 0 removes
};
struct RemoveFromCart {
  Uuid product_id;
};
struct ClearCart {};
struct Checkout {
  Uuid order_id;
  std::string shipping_address;
  TimestampUs reservation_ttl_us = 15 * 60 * 1000000LL;
  // A saved address of the caller (nil: none), resolved by the writer from
  // the account, or an address given whole; at most one of the three.
  Uuid shipping_address_id = {};
  std::optional<Address> shipping = {};
};

// --- orders ---
struct OrderItem {
  Uuid product_id;
  int64_t quantity = 0;
};
struct PlaceOrder {
  Uuid order_id;
  std::vector<OrderItem> items;
  std::string shipping_address;  // inline text ("" when none)
  TimestampUs reservation_ttl_us = 15 * 60 * 1000000LL;
  // As Checkout's: a saved address by id, or one given whole; the order
  // keeps a copy (OrderPlaced.shipping), whatever becomes of the saved one.
  Uuid shipping_address_id = {};
  std::optional<Address> shipping = {};
};
// The order statuses are the domain's words, defined once in core/ (the
// read models use them too).
using ::orderly::order_status_name;
using ::orderly::OrderStatus;
using ::orderly::parse_order_status;
struct ChangeOrderStatus {  // admin: confirm, ship, deliver, cancel
  Uuid order_id;
  OrderStatus to = OrderStatus::kConfirmed;
  // With `to` delivered: the courier collected the cash of a cash-on-delivery
  // payment, which succeeds in the same commit (payment.h).
  bool cash_collected = false;
};
struct CancelOrder {  // owner or admin
  Uuid order_id;
  std::string reason = "customer_request";
};
struct ExpireOrder {  // the engine, after the reservation time-to-live
  Uuid order_id;
};

// --- payments ---
struct CreatePayment {
  Uuid payment_id, order_id;
};
struct ConfirmPayment {
  Uuid payment_id;
  // "pm_card_ok" | "pm_card_declined" | "pm_card_3ds" | "cash_on_delivery"
  std::string payment_method;
};
struct RefundPayment {
  Uuid payment_id;
  std::optional<int64_t> amount_cents;  // default: all that is left
};
// The customer's answer to 3-D Secure when the engine stands in for the
// provider (no --payment-provider-url).
struct AuthenticatePayment {
  Uuid payment_id;
  bool approved = false;
};
// An admin records the cash of a cash-on-delivery payment as collected.
struct CapturePayment {
  Uuid payment_id;
};
// The provider's webhook types (the wire names: payment_webhook_type_name).
enum class PaymentWebhookType : uint8_t {
  kPaymentSucceeded,
  kPaymentFailed,
  kPaymentRequiresAction,
  kRefundSucceeded,
  kRefundFailed,
  kDisputeCreated,
};
// A webhook whose signature and age the route checked (engine role).
struct ApplyPaymentWebhook {
  std::string provider_event_id;
  PaymentWebhookType type = PaymentWebhookType::kPaymentSucceeded;
  int64_t created_s = 0;
  Uuid payment_id;
  int64_t amount_cents = 0;
  std::string refund_id, dispute_id, reason, next_action_url;
};

// --- notifications ---
struct RequestNotification {
  Uuid notification_id, user_id;
  std::string channel, template_name, recipient;
  uint64_t source_position = 0;
};
struct RecordNotificationSent {
  Uuid notification_id;
};
struct RecordNotificationFailed {
  Uuid notification_id;
  std::string error;
  bool will_retry = false;
};
struct RetryNotification {
  Uuid notification_id;
};
// What became of WebSocket pushes, recorded in batches by the engine
// (commands/ws_push_recorder.h): one event for the whole batch.
struct WebSocketPushOutcome {
  Uuid notification_id, user_id;
  std::string type;  // the pushed message's type, e.g. "order.created"
  uint64_t source_position = 0;
  TimestampUs pushed_at = 0;
  bool dropped = false;
  std::string reason;  // why it was dropped
};
struct RecordWebSocketPushes {
  Uuid batch_id;  // the stream notification-<batch id>
  std::vector<WebSocketPushOutcome> pushes;
};

// --- analytics (recorded in batches: commands/analytics_recorder.h) ---
struct RecordAnalytics {
  Uuid batch_id;  // each batch is its own stream, analytics-<batch id>
  std::vector<std::pair<Uuid, uint32_t>> product_views;
  std::vector<std::pair<std::string, uint32_t>> searches;  // normalised query -> count
};

using Command = std::variant<
    RegisterUser, ChangeRole, IssueRefreshToken, RotateRefreshToken, RevokeRefreshToken,
    CreateProduct, UpdateProduct, DiscontinueProduct, SetStock, AdjustStock, AddToCart,
    SetCartQuantity, RemoveFromCart, ClearCart, Checkout, PlaceOrder, ChangeOrderStatus,
    CancelOrder, ExpireOrder, CreatePayment, ConfirmPayment, RefundPayment, RequestNotification,
    RecordNotificationSent, RecordNotificationFailed, RetryNotification, RecordAnalytics,
    RecordWebSocketPushes,
    // Appended only: a command's index is in its
    // idempotency fingerprint (idempotency_keys.cpp).
    UpdateProfile, ChangePassword, RequestEmailVerification, VerifyEmail, RequestPasswordReset,
    ResetPassword, SetUserStatus, LinkIdentity, AddAddress, ChangeAddress, RemoveAddress,
    AddProductImage, ChangeProductImage, RemoveProductImage, CreateCategory, ChangeCategory,
    DeleteCategory, AuthenticatePayment, CapturePayment, ApplyPaymentWebhook>;

std::string_view role_name(Role r);

// Where a command's Idempotency-Key lives: its actor and a digest of the
// key (any key up to 255 bytes fits the store's command id); "" without a
// key. The writer records keys under it, and the API keeps first answers
// under it (api/rest/first_answers.h).
std::string idempotency_scope(const CommandMeta& meta);

}  // namespace orderly::commands
