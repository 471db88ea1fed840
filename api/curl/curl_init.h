// libcurl's process-wide initialisation, done once for every client here.
//
// Thread safety: call from any thread; the first call initialises, the
// others wait for it.
#pragma once

namespace orderly::api::curl {

// curl_global_init is not thread-safe and must run before the first handle:
// each client calls this before curl_easy_init, from whichever thread it is on.
void curl_init_once();

}  // namespace orderly::api::curl
