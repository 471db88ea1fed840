// Status and Result<T>: errors as values across module boundaries.
//
// A Status is cheap on success (no allocation) and carries a stable ErrorCode
// plus a human message on failure. ErrorCode values map 1:1 to the contract's
// problem+json `code` strings (see error_code_name), so an error raised deep
// in the event store reaches the API with the same name.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace orderly {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,      // validation_failed
  kNotFound,             // not_found
  kVersionConflict,      // version_conflict
  kAlreadyExists,        // already_exists
  kCorruption,           // corruption: bytes on disk or on the wire are damaged
  kIOError,              // io_error: the disk or the OS said no
  kInsufficientStorage,  // insufficient_storage: the disk is full (commands resume with space)
  kBusy,                 // busy: e.g. the data directory is locked by another process
  kOverloaded,           // overloaded
  kShuttingDown,         // shutting_down
  kInternal,             // internal
  // Business rule codes (CONTRACT.md).
  kInsufficientStock,     // insufficient_stock
  kInvalidTransition,     // invalid_transition
  kUnauthorized,          // unauthorized
  kForbidden,             // forbidden
  kIdempotencyKeyReused,  // idempotency_key_reused
  kPriceChanged,          // price_changed: a cart line's price moved since it was added
  kHoldLimitExceeded,     // hold_limit_exceeded: a customer would hold too much unpaid
  // projection_lagging: a read model has not reached what the answer needs yet
  // (retry shortly); e.g. a valid token whose user it has not folded yet.
  kProjectionLagging,
  // invalid_token: an email token (verification, password reset) or an
  // exchange code that is unknown, altered, used or expired: one answer for
  // all, so that it says nothing about which.
  kInvalidToken,
  // unsupported_media_type: a body whose type is not one the route takes,
  // or whose bytes are not what its Content-Type says (an image upload).
  kUnsupportedMediaType,
  // unavailable: a service the engine depends on (the S3 image store)
  // cannot be reached; nothing was recorded, retry later.
  kUnavailable,
  // category_in_use: a category that active products still refer to.
  kCategoryInUse,
  // invalid_signature: a provider's webhook whose Orderly-Signature header
  // is missing, malformed, or matches no secret (400).
  kInvalidSignature,
  // stale_webhook: a correctly signed webhook whose timestamp is too far
  // from now (a replay of an old call, or a clock that is far off) (400).
  kStaleWebhook,
};

// One named problem inside a validation or stock error:
// {"field": "items[0].quantity", "message": "..."}.
struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

// The stable, snake_case name of a code (the problem+json `code`).
std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Status(ErrorCode code, std::string message, std::vector<FieldError> fields)
      : code_(code), message_(std::move(message)), fields_(std::move(fields)) {}

  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) {
    return {ErrorCode::kInvalidArgument, std::move(m)};
  }
  static Status not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status version_conflict(std::string m) {
    return {ErrorCode::kVersionConflict, std::move(m)};
  }
  static Status already_exists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Status corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {ErrorCode::kIOError, std::move(m)}; }
  static Status insufficient_storage(std::string m) {
    return {ErrorCode::kInsufficientStorage, std::move(m)};
  }
  static Status busy(std::string m) { return {ErrorCode::kBusy, std::move(m)}; }
  static Status projection_lagging(std::string m) {
    return {ErrorCode::kProjectionLagging, std::move(m)};
  }
  static Status overloaded(std::string m) { return {ErrorCode::kOverloaded, std::move(m)}; }
  static Status shutting_down(std::string m) { return {ErrorCode::kShuttingDown, std::move(m)}; }
  static Status internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
  static Status invalid_transition(std::string m) {
    return {ErrorCode::kInvalidTransition, std::move(m)};
  }
  static Status unauthorized(std::string m) { return {ErrorCode::kUnauthorized, std::move(m)}; }
  static Status forbidden(std::string m) { return {ErrorCode::kForbidden, std::move(m)}; }
  static Status invalid_token(std::string m) { return {ErrorCode::kInvalidToken, std::move(m)}; }
  static Status unsupported_media_type(std::string m) {
    return {ErrorCode::kUnsupportedMediaType, std::move(m)};
  }
  static Status unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Status invalid_signature(std::string m) {
    return {ErrorCode::kInvalidSignature, std::move(m)};
  }
  static Status stale_webhook(std::string m) { return {ErrorCode::kStaleWebhook, std::move(m)}; }
  // validation_failed naming one field.
  static Status invalid_field(std::string field, std::string message) {
    std::string m = field + ": " + message;
    return {ErrorCode::kInvalidArgument, std::move(m), {{std::move(field), std::move(message)}}};
  }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The named problems (fields, or short order lines); often empty.
  const std::vector<FieldError>& fields() const { return fields_; }
  // "version_conflict: stream order-1 expected version 3, actual 5"
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<FieldError> fields_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {
    assert(!std::get<Status>(v_).is_ok());
  }  // NOLINT

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // OK when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace orderly

// Returns early from the enclosing function when `expr` (a Status) failed.
#define ORDERLY_RETURN_IF_ERROR(expr) \
  do {                                \
    ::orderly::Status _st = (expr);   \
    if (!_st.is_ok())                 \
      return _st;                     \
  } while (0)
