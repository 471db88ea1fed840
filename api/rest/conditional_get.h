// Conditional GETs (RFC 9110 13.1.2, 15.4.5): every successful read answers
// with a strong ETag, and a request whose If-None-Match names it gets 304
// with no body, so clients and proxies can keep the catalog and revalidate it.
//
// The ETag is a digest of the body the caller would get, not the read
// model's position: a position moves with every event of the model (a list
// of products would lose its cache at each order placed, since orders move
// stock), while the digest changes exactly when the answer does, and is the
// same rule for every route, whatever it reads. A stream version alone is not
// enough either: a product's `reserved` and `available` move with orders'
// events without its version moving. So a route's own ETag, a row's version
// that If-Match compares (products, orders), stays at the front of the tag,
// `"<version>-<digest>"` (Call::if_match reads the version back), and the
// digest after it keeps a 304 exact.
//
// A route that can name its answer's state exactly and more cheaply than by
// hashing it (a read model's record of when the rows it lists last changed,
// and the query: GET /api/orders, whose pages of a user's orders took 15 us
// to hash) gives the whole tag in kExactTag instead: it becomes the ETag,
// that header goes, and no digest is made. The route guarantees what the
// digest would: the tag changes whenever the body does.
//
// The answer may depend on the caller (their orders, the admin's list):
// every tagged answer carries `Vary: Authorization`, and one to a request
// with a token is `Cache-Control: private` (no shared cache keeps it), so a
// 304 only ever confirms what this caller was given. Answers that set their
// own Cache-Control (page files, images, the OpenAPI document, no-store
// answers) keep their own rules and are left as they are.
#pragma once

#include <string_view>

#include "api/http/message.h"

namespace orderly::api::rest {

// The header a route names its whole ETag in (quotes included), see above.
inline constexpr std::string_view kExactTag = "X-Orderly-Exact-ETag";

// `answer` to a GET (or HEAD) with its ETag, Vary and Cache-Control, or 304
// when `if_none_match` (the header, "" when absent) names that ETag.
// `with_token`: the request carried an Authorization header.
http::Response conditional_get(http::Response answer, std::string_view if_none_match,
                               bool with_token);

// Whether If-None-Match (a list of entity tags, or `*`) names `etag`; the
// comparison is weak (RFC 9110 8.8.3.2), so `W/"x"` matches `"x"`.
bool none_match_hits(std::string_view header, std::string_view etag);

}  // namespace orderly::api::rest
