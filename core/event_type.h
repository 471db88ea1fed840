// The registry of event types: pinned numeric ids, names, payload verifiers.
//
// On-disk format: the numeric ids below are written into every envelope.
// DO NOT CHANGE or reuse an id; add new types at the end with a new id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace orderly {

// X(id, TableName, "aggregate.event")  — TableName is the FlatBuffers table
// in core/schemas/*.fbs (namespace orderly.events).
//
// The user block is 1-19 (18 and 19 free); a further user event takes a
// new block (140 and up).
//
// Retired ids: 25 StockReserved, 26 StockReleased, 27
// StockReservationCommitted. The engine does not write them (stock moves
// ride on the order events: commands/product.h); they stay registered so
// that a log holding them still reads and verifies, and the store's tests
// and benchmarks use StockReserved as a sample payload. Never reuse them.
#define ORDERLY_EVENT_TYPES(X)                                              \
  X(1, UserRegistered, "user.registered")                                   \
  X(2, UserRoleChanged, "user.role_changed")                                \
  X(3, RefreshTokenIssued, "user.refresh_token_issued")                     \
  X(4, RefreshTokenRotated, "user.refresh_token_rotated")                   \
  X(5, RefreshTokenRevoked, "user.refresh_token_revoked")                   \
  X(6, RefreshTokenFamilyRevoked, "user.refresh_token_family_revoked")      \
  X(7, UserProfileChanged, "user.profile_changed")                          \
  X(8, UserEmailChanged, "user.email_changed")                              \
  X(9, EmailVerificationIssued, "user.email_verification_issued")           \
  X(10, UserEmailVerified, "user.email_verified")                           \
  X(11, PasswordResetIssued, "user.password_reset_issued")                  \
  X(12, UserPasswordChanged, "user.password_changed")                       \
  X(13, UserStatusChanged, "user.status_changed")                           \
  X(14, UserIdentityLinked, "user.identity_linked")                         \
  X(15, AddressAdded, "user.address_added")                                 \
  X(16, AddressChanged, "user.address_changed")                             \
  X(17, AddressRemoved, "user.address_removed")                             \
  X(20, ProductCreated, "product.created")                                  \
  X(21, ProductUpdated, "product.updated")                                  \
  X(22, ProductPriceChanged, "product.price_changed")                       \
  X(23, ProductDiscontinued, "product.discontinued")                        \
  X(24, StockChanged, "product.stock_changed")                              \
  X(25, StockReserved, "product.stock_reserved")                            \
  X(26, StockReleased, "product.stock_released")                            \
  X(27, StockReservationCommitted, "product.stock_reservation_committed")   \
  X(28, ProductImageAdded, "product.image_added")                           \
  X(29, ProductImageChanged, "product.image_changed")                       \
  X(30, ProductImagesReordered, "product.images_reordered")                 \
  X(31, ProductImageRemoved, "product.image_removed")                       \
  X(40, CartItemAdded, "cart.item_added")                                   \
  X(41, CartItemQuantityChanged, "cart.item_quantity_changed")              \
  X(42, CartItemRemoved, "cart.item_removed")                               \
  X(43, CartCleared, "cart.cleared")                                        \
  X(44, CartCheckedOut, "cart.checked_out")                                 \
  X(45, CartItemPriceChanged, "cart.item_price_changed")                    \
  X(60, OrderPlaced, "order.placed")                                        \
  X(61, OrderConfirmed, "order.confirmed")                                  \
  X(62, OrderShipped, "order.shipped")                                      \
  X(63, OrderDelivered, "order.delivered")                                  \
  X(64, OrderCancelled, "order.cancelled")                                  \
  X(80, PaymentCreated, "payment.created")                                  \
  X(81, PaymentSucceeded, "payment.succeeded")                              \
  X(82, PaymentFailed, "payment.failed")                                    \
  X(83, PaymentRefunded, "payment.refunded")                                \
  X(84, PaymentProcessing, "payment.processing")                            \
  X(85, PaymentActionRequired, "payment.requires_action")                   \
  X(86, PaymentCanceled, "payment.canceled")                                \
  X(87, PaymentRefundRequested, "payment.refund_requested")                 \
  X(88, PaymentRefundFailed, "payment.refund_failed")                       \
  X(89, PaymentDisputed, "payment.disputed")                                \
  X(90, PaymentWebhookReceived, "payment.webhook_received")                 \
  X(100, NotificationRequested, "notification.requested")                   \
  X(101, NotificationSent, "notification.sent")                             \
  X(102, NotificationFailed, "notification.failed")                         \
  X(103, NotificationRetryRequested, "notification.retry_requested")        \
  X(120, AnalyticsRecorded, "analytics.recorded")                           \
  X(104, WebSocketPushesRecorded, "notification.websocket_pushes_recorded") \
  X(160, CategoryCreated, "category.created")                               \
  X(161, CategoryChanged, "category.changed")                               \
  X(162, CategoryDeleted, "category.deleted")

enum class EventType : uint16_t {
#define ORDERLY_X(id, table, name) k##table = id,
  ORDERLY_EVENT_TYPES(ORDERLY_X)
#undef ORDERLY_X
};

// "order.placed"; empty for an id that is not in the registry.
std::string_view event_type_name(EventType type);
std::optional<EventType> event_type_from_name(std::string_view name);
bool is_known_event_type(uint16_t id);

// The payload schema version this build writes. Older versions are upcast on
// read (decode_event); a newer one is an error.
uint16_t current_schema_version(EventType type);

// Runs the FlatBuffers verifier for the type's table over `payload`.
// REQUIRES: payload.data() is 8-byte aligned.
bool verify_payload(EventType type, std::span<const uint8_t> payload);

}  // namespace orderly
