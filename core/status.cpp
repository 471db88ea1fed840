#include "core/status.h"

namespace orderly {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "validation_failed";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kVersionConflict:
      return "version_conflict";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kIOError:
      return "io_error";
    case ErrorCode::kInsufficientStorage:
      return "insufficient_storage";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kOverloaded:
      return "overloaded";
    case ErrorCode::kShuttingDown:
      return "shutting_down";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kInsufficientStock:
      return "insufficient_stock";
    case ErrorCode::kInvalidTransition:
      return "invalid_transition";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kIdempotencyKeyReused:
      return "idempotency_key_reused";
    case ErrorCode::kPriceChanged:
      return "price_changed";
    case ErrorCode::kHoldLimitExceeded:
      return "hold_limit_exceeded";
    case ErrorCode::kProjectionLagging:
      return "projection_lagging";
    case ErrorCode::kInvalidToken:
      return "invalid_token";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kCategoryInUse:
      return "category_in_use";
    case ErrorCode::kInvalidSignature:
      return "invalid_signature";
    case ErrorCode::kStaleWebhook:
      return "stale_webhook";
  }
  return "internal";
}

std::string Status::to_string() const {
  if (is_ok())
    return "ok";
  std::string s(error_code_name(code_));
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace orderly
