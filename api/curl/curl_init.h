// libcurl's process-wide initialisation, done once for every client here.
//
// Thread safety: call from any thread; the first call initialises, the
// others wait for it.
#pragma once

#include <curl/curl.h>

namespace orderly::api::curl {

// curl_global_init is not thread-safe and must run before the first handle:
// each client calls this before curl_easy_init, from whichever thread it is on.
void curl_init_once();

// The options every client here sets on its handle: http and https only, no
// redirects followed (a 3xx is an answer), peers and host names verified, no
// signals (the handles run on worker threads), and the two timeouts.
void set_strict_transfer(CURL* c, long connect_timeout_ms, long timeout_ms);

}  // namespace orderly::api::curl
