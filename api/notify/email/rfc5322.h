// The pieces of an Internet message (RFC 5322, MIME) that mail servers and
// spam filters check: the Date header's date-time, the Message-ID, header
// values that stay 7-bit and folded, and body parts whose lines fit.
//
// Everything here is a pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace orderly::api::notify::email {

// RFC 5322 3.3 date-time in UTC: "Sun, 06 Dec 2026 09:42:56 +0000" for a time
// in microseconds since the Unix epoch (the fraction is dropped).
std::string rfc5322_date(int64_t unix_us);

// RFC 5322 3.6.4 msg-id "<local@domain>": the domain is the one of
// `mail_from` when it is a dot-atom (a host name, as the RFC suggests),
// else "orderly.invalid". `local` must be a dot-atom (a UUID is).
std::string rfc5322_message_id(std::string_view local, std::string_view mail_from);

// A header field "Name: value\r\n": CR and LF in the value become spaces;
// a value with non-ASCII bytes is sent as RFC 2047 encoded words (UTF-8,
// base64); lines are folded before 78 characters where the value allows.
std::string header_field(std::string_view name, std::string_view value);

// A MIME body part's transfer encoding and encoded text, CRLF line ends:
// "7bit" when the text is ASCII with lines of at most 998 bytes (RFC 5322
// 2.1.1), else "quoted-printable" (RFC 2045 6.7), which any server takes
// (no 8BITMIME needed) and keeps lines under 77 characters.
struct EncodedBody {
  const char* transfer_encoding;
  std::string text;
};
EncodedBody encode_body(std::string_view text);

}  // namespace orderly::api::notify::email
