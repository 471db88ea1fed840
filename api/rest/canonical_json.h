// Canonical JSON: what a request body means, independent of how it was
// spelt. Idempotency fingerprints hash this, so a client that re-serialises
// its retry (other whitespace, other key order) is recognised as the same
// request, while a body that says something else is not.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace orderly::api::rest {

// The body as compact JSON with every object's keys in byte order (nested
// objects too), numbers and strings as Boost.JSON serialises them; nullopt
// when `body` is not valid JSON (a fingerprint then hashes the bytes).
// A repeated key keeps its last value, as the request parser does.
std::optional<std::string> canonical_json(std::string_view body);

}  // namespace orderly::api::rest
