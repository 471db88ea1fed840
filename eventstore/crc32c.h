// CRC-32C (Castagnoli) of a byte string: the check of a snapshot file.
// With SSE 4.2 (every x86-64 server of the last decade) it runs at several
// GB/s, so checking a gigabyte-sized snapshot costs a fraction of reading it.
#pragma once

#include <cstdint>
#include <string_view>

namespace orderly::eventstore {

uint32_t crc32c(std::string_view bytes);
// The CRC-32C of a string whose first part had CRC `crc` and whose rest is
// `more`: crc32c_extend(crc32c(a), b) == crc32c(a + b), crc32c_extend(0, a) == crc32c(a).
uint32_t crc32c_extend(uint32_t crc, std::string_view more);

}  // namespace orderly::eventstore
