// Names the calling thread (as `top -H`, `perf` and /proc/PID/task/*/comm
// show it), so an operator can tell the writer from an I/O thread. Linux
// keeps 15 bytes: longer names are cut.
#pragma once

#include <string_view>

namespace orderly {

void name_this_thread(std::string_view name);

}  // namespace orderly
