#include "eventstore/rocksdb_logger.h"

#include <rocksdb/env.h>

#include <cstdarg>
#include <cstdio>

namespace orderly::eventstore {

namespace {

class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "rocksdb: %s\n", line);  // a failed write is ignored
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> stderr_rocksdb_logger() {
  static const auto logger = std::make_shared<StderrLogger>();
  return logger;
}

}  // namespace orderly::eventstore
