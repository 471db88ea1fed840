// The process log (spdlog on stderr): JSON lines when --log-format json or
// when stderr is not a terminal, readable text on one.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace orderly::cli {

// `format`: "json", "text" or "" (by the terminal).
std::shared_ptr<spdlog::logger> make_logger(const std::string& format);

}  // namespace orderly::cli
