// Bodies of the product-image routes (api/rest/routes/images.cpp): an
// upload, raw or multipart/form-data, to the image bytes, their declared
// type and alt text; and PATCH's JSON. Pure functions of the bytes,
// shared by the handlers, the unit tests and the fuzz target.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "core/status.h"
#include "core/uuid.h"

namespace orderly::api::rest::requests {

// What an upload brings. `bytes` points into the request body.
struct ImageUpload {
  std::string_view bytes;
  std::string content_type;  // as declared: the raw body's, or the file part's
  std::string alt;
};

// The upload of POST /api/products/{id}/images:
// - a raw body: `content_type` is the image's (any image/... type is taken
//   here; which formats are supported is the image library's to say);
// - multipart/form-data (RFC 7578): the part named "file" is the image
//   (its own Content-Type declares it), an optional part "alt" its text.
// `alt_query` (?alt=) is used when the body does not name one.
// Errors: unsupported_media_type for another body type; invalid_argument
// naming the field for a malformed multipart body, a missing or empty
// file, a repeated part or alt text over 500 bytes.
Result<ImageUpload> image_upload_from(std::string_view content_type, std::string_view body,
                                      const std::optional<std::string>& alt_query);

// PATCH /api/products/{id}/images/{image_id}: {alt?, position?}.
Result<commands::ChangeProductImage> change_product_image_from(const boost::json::object& body,
                                                               const Uuid& product_id,
                                                               const Uuid& image_id);

}  // namespace orderly::api::rest::requests
