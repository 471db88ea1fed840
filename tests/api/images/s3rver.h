// s3rver (npm, pinned in s3/package-lock.json, installed by the CTest setup
// test images-s3/npm-ci) on 127.0.0.1:<free port> with one bucket
// configured, stopped by its PID at the end of the scope or by stop(), and
// started again on the same port and directory by start(). The S3 store's
// own tests and the HTTP image tests share it.
// REQUIRES: ORDERLY_NODE and ORDERLY_S3RVER defined for the test target.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/free_port.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

class S3rver {
 public:
  static constexpr const char* kBucket = "orderly-images";
  // s3rver's default key pair, which it accepts.
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  S3rver() : port_(free_port()) { start(); }
  // REQUIRES: not running.
  void start() {
    REQUIRE_MESSAGE(std::filesystem::exists(ORDERLY_S3RVER),
                    "s3rver is not installed: run the CTest test images-s3/npm-ci "
                    "(npm ci in tests/api/images/s3)");
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        ORDERLY_NODE, ORDERLY_S3RVER, "-d", dir_.path(), "-a", "127.0.0.1", "-p",
        std::to_string(port_), "--silent", "--configure-bucket", kBucket});
    REQUIRE_MESSAGE(wait_for_listener(port_, std::chrono::seconds(30)), "s3rver did not listen");
  }
  // SIGKILL, then reaped: nothing listens on the port afterwards.
  void stop() {
    process_->kill_hard();
    process_->wait();
    process_.reset();
  }
  bool running() const { return process_ != nullptr; }
  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Where it keeps the objects.
  const TempDir& dir() const { return dir_; }
  // An AWS-style credentials file (api/images/s3/s3_credentials.h) with
  // the key pair s3rver accepts, written to `path`; returns `path`.
  static std::string write_credentials(const std::string& path) {
    std::ofstream(path) << "[default]\naws_access_key_id = " << kAccessKey
                        << "\naws_secret_access_key = " << kSecretKey << "\n";
    return path;
  }

 private:
  TempDir dir_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace orderly::testing
