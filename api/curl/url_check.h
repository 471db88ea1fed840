// The URLs the libcurl clients here may call: absolute, with a host, and
// https, or plain http only to a loopback host (tests and local stand-ins).
// Each caller adds its own rules between the two checks (no credentials, no
// path...) and names its flag in the messages, which is why the checks are
// apart and their messages bare.
//
// Thread safety: pure functions.
#pragma once

#include <boost/url/url_view.hpp>
#include <string_view>

#include "core/status.h"

namespace orderly::api::curl {

// Whether the URL's host is 127.0.0.0/8, [::1] or exactly "localhost".
bool loopback_host(const boost::urls::url_view& url);

// `text` parsed when it is an absolute URL with a host, else
// `invalid_argument` "not an absolute URL with a host". The view refers to
// `text`'s characters.
Result<boost::urls::url_view> parse_url_with_host(std::string_view text);

// OK for https, or http to a loopback host; else `invalid_argument`
// "must be https (or http to a loopback host)".
Status check_https_or_loopback(const boost::urls::url_view& url);

}  // namespace orderly::api::curl
