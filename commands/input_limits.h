// The limits of what a command may carry: one definition for the deciders
// (commands/, which refuse anything beyond them) and the API (api/, which
// checks them while reading a request, so that its answer names every field
// at once, with the same numbers). Text limits are in bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace orderly::commands {

// --- products (product.h) ---
inline constexpr size_t kMaxProductNameBytes = 200;
inline constexpr size_t kMaxProductDescriptionBytes = 5000;
inline constexpr size_t kMaxProductCategoryBytes = 100;
inline constexpr size_t kMaxSkuBytes = 64;
inline constexpr int64_t kMaxStock = 1'000'000'000;
inline constexpr int64_t kMaxPriceCents = 100'000'000'000;  // one billion in major units
inline constexpr size_t kMaxProductImages = 20;
inline constexpr size_t kMaxImageAltBytes = 500;
inline constexpr int32_t kMaxImageSide = 16383;  // pixels: WebP's limit, as api/images checks

// --- carts and orders (cart.h, order.h) ---
inline constexpr size_t kMaxCartLines = 100;
inline constexpr size_t kMaxOrderLines = 100;
inline constexpr int64_t kMaxLineQuantity = 10'000;
inline constexpr size_t kMaxShippingAddressBytes = 1000;
inline constexpr size_t kMaxCancelReasonBytes = 200;

// --- addresses (user.h) ---
inline constexpr size_t kMaxAddressNameBytes = 100;  // also line1 and city
inline constexpr size_t kMaxAddressLine2Bytes = 200;
inline constexpr size_t kMaxPostalCodeBytes = 20;
inline constexpr size_t kMaxPhoneBytes = 32;

// --- notifications (notification.h) ---
inline constexpr size_t kMaxTemplateNameBytes = 100;
inline constexpr size_t kMaxRecipientBytes = 320;
inline constexpr size_t kMaxDeliveryErrorBytes = 1000;
inline constexpr size_t kMaxPushTypeBytes = 100;
inline constexpr size_t kMaxPushReasonBytes = 200;

// --- analytics (analytics.h): a search's text, as recorded ---
inline constexpr size_t kMaxSearchBytes = 200;

}  // namespace orderly::commands
