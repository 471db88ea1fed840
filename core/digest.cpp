#include "core/digest.h"

#include <sodium.h>

namespace orderly {

std::string digest128_hex(std::string_view data) {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(32, '0');
  for (int i = 0; i < 16; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 0xf];
  }
  return hex;
}

}  // namespace orderly
