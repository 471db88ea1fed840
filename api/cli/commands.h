// The `orderly` subcommands, as plain functions over plain option structs so
// that CLI11 stays in main.cpp. Each returns the process exit status.
#pragma once

#include <string>

namespace orderly::cli {

struct CommonOptions {
  std::string data_dir = "./data";
  std::string sync = "always";
  std::string log_format;  // "" = text on a terminal, json otherwise
};

struct ServeOptions {
  std::string http_address = "127.0.0.1:8080";
};

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDamage = 1;   // verify found damage
inline constexpr int kExitUsage = 2;    // bad arguments or configuration
inline constexpr int kExitFailure = 3;  // the operation could not run

int run_serve(const CommonOptions& common, const ServeOptions& serve);
int run_verify(const CommonOptions& common);
int run_backup(const CommonOptions& common, const std::string& backup_dir);
int run_restore(const CommonOptions& common, const std::string& backup_dir, bool force);

}  // namespace orderly::cli
