#include "api/cli/logger.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "api/cli/terminal.h"
#include "core/json_writer.h"

namespace orderly::cli {

namespace {

// %j: the message as the inside of a JSON string (quotes, backslashes and
// control bytes escaped), so a path or a header a client sent cannot break
// a JSON log line.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string quoted;
    JsonWriter::append_quoted(quoted, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const std::string& format) {
  auto logger = spdlog::stderr_color_mt("orderly");
  const bool json = format == "json" || (format.empty() && !stderr_is_terminal());
  if (json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%j"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
  return logger;
}

}  // namespace orderly::cli
