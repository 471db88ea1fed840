#include "api/curl/curl_init.h"

#include <curl/curl.h>

#include <mutex>

namespace orderly::api::curl {

void curl_init_once() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace orderly::api::curl
