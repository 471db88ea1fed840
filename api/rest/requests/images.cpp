#include "api/rest/requests/images.h"

#include <vector>

#include "api/rest/requests/fields.h"
#include "api/rest/requests/parsed.h"
#include "commands/input_limits.h"
#include "core/text.h"

namespace orderly::api::rest::requests {

namespace {

using namespace commands;

constexpr size_t kMaxParts = 8;
constexpr size_t kMaxPartHeaderBytes = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// The media type without parameters, lower-cased.
std::string media_type(std::string_view content_type) {
  return ascii_lower(trim(content_type.substr(0, content_type.find(';'))));
}

// A parameter of a header value ("multipart/form-data; boundary=x",
// "form-data; name=\"file\""), unquoted; nullopt when absent.
std::optional<std::string> parameter(std::string_view value, std::string_view name) {
  size_t i = value.find(';');
  while (i != std::string_view::npos) {
    std::string_view rest = value.substr(i + 1);
    const size_t next = rest.find(';');
    // A quoted value may hold ';': find the end of the quotes first.
    std::string_view item = trim(rest.substr(0, next));
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && ascii_lower(trim(item.substr(0, eq))) == name) {
      std::string_view v = trim(rest.substr(rest.find('=') + 1));
      if (!v.empty() && v.front() == '"') {
        const size_t close = v.find('"', 1);
        if (close == std::string_view::npos)
          return std::nullopt;
        return std::string(v.substr(1, close - 1));
      }
      return std::string(trim(v.substr(0, v.find(';'))));
    }
    i = next == std::string_view::npos ? std::string_view::npos : i + 1 + next;
  }
  return std::nullopt;
}

struct Part {
  std::string name, content_type;
  std::string_view body;
};

Status malformed(std::string message) {
  return Status::invalid_field("body", "is not valid multipart/form-data: " + std::move(message));
}

// RFC 2046 section 5.1.1 as browsers and curl send it: parts between
// "--boundary" lines, CRLF line ends, a head of headers, a blank line, then
// the part's bytes up to CRLF "--boundary"; the last delimiter ends in "--".
Result<std::vector<Part>> parse_multipart(std::string_view boundary, std::string_view body) {
  if (boundary.empty() || boundary.size() > 70)
    return malformed("the boundary must be 1-70 characters");
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next = "\r\n" + delimiter;
  if (!body.starts_with(delimiter))
    return malformed("it does not start with its boundary");
  std::vector<Part> parts;
  size_t at = delimiter.size();
  for (;;) {
    if (body.substr(at, 2) == "--")
      return parts;  // the closing delimiter (an epilogue after it is ignored)
    if (body.substr(at, 2) != "\r\n")
      return malformed("a boundary line is not followed by a line end");
    at += 2;
    if (parts.size() == kMaxParts)
      return malformed("more than " + std::to_string(kMaxParts) + " parts");
    const size_t head_end = body.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos || head_end - at > kMaxPartHeaderBytes)
      return malformed("a part's headers do not end");
    Part part;
    bool has_disposition = false;
    std::string_view head = body.substr(at, head_end - at);
    while (!head.empty()) {
      const size_t eol = head.find("\r\n");
      const std::string_view line = head.substr(0, eol);
      head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos)
        return malformed("a part's header line has no ':'");
      const std::string key = ascii_lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (key == "content-disposition") {
        if (media_type(value) != "form-data")
          return malformed("a part is not form-data");
        auto name = parameter(value, "name");
        if (!name)
          return malformed("a part has no name");
        part.name = std::move(*name);
        has_disposition = true;
      } else if (key == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition)
      return malformed("a part has no Content-Disposition");
    const size_t data = head_end + 4;
    const size_t end = body.find(next, data);
    if (end == std::string_view::npos)
      return malformed("the last part does not end with the boundary");
    part.body = body.substr(data, end - data);
    parts.push_back(std::move(part));
    at = end + next.size();
  }
}

}  // namespace

Result<ImageUpload> image_upload_from(std::string_view content_type, std::string_view body,
                                      const std::optional<std::string>& alt_query) {
  const std::string type = media_type(content_type);
  ImageUpload upload;
  if (type.starts_with("image/")) {
    upload.bytes = body;
    upload.content_type = std::string(content_type);
    upload.alt = alt_query.value_or("");
  } else if (type == "multipart/form-data") {
    const auto boundary = parameter(content_type, "boundary");
    if (!boundary)
      return malformed("its Content-Type names no boundary");
    auto parts = parse_multipart(*boundary, body);
    if (!parts)
      return parts.status();
    bool file = false, alt = false;
    for (const Part& p : *parts) {
      if (p.name == "file") {
        if (file)
          return Status::invalid_field("file", "is sent twice: send one image per upload");
        file = true;
        upload.bytes = p.body;
        upload.content_type = p.content_type;
      } else if (p.name == "alt") {
        if (alt)
          return Status::invalid_field("alt", "is sent twice");
        alt = true;
        upload.alt = std::string(p.body);
      }
      // Other parts (a browser's extra fields) are ignored.
    }
    if (!file)
      return Status::invalid_field("file", "is missing: send the image as the part named file");
    if (upload.content_type.empty()) {
      return Status::unsupported_media_type(
          "the file part has no Content-Type: send image/jpeg, image/png or image/webp");
    }
    if (!alt)
      upload.alt = alt_query.value_or("");
  } else {
    return Status::unsupported_media_type(
        "send the image as the body (Content-Type image/jpeg, image/png or image/webp) or as "
        "multipart/form-data, not " +
        (type.empty() ? std::string("a body without a Content-Type") : type));
  }
  if (upload.bytes.empty())
    return Status::invalid_field(type == "multipart/form-data" ? "file" : "body", "is empty");
  if (upload.alt.size() > kMaxImageAltBytes) {
    return Status::invalid_field("alt",
                                 "must be at most " + std::to_string(kMaxImageAltBytes) + " bytes");
  }
  return upload;
}

Result<ChangeProductImage> change_product_image_from(const boost::json::object& body,
                                                     const Uuid& product_id, const Uuid& image_id) {
  Fields f(body);
  f.only({"alt", "position"});
  ChangeProductImage c;
  c.product_id = product_id;
  c.image_id = image_id;
  c.alt = f.str("alt", false, kMaxImageAltBytes);
  c.position = f.integer("position", false);
  if (f.ok() && !c.alt && !c.position)
    f.add("body", "send alt, position or both");
  if (!f.ok())
    return invalid_fields("the image change is not valid", f);
  return c;
}

}  // namespace orderly::api::rest::requests
