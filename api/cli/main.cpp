// `orderly`: the one binary. Parses the command line (CLI11) and hands plain
// option structs to the subcommands in cmd_*.cpp.
#include <CLI/CLI.hpp>

#include "api/cli/commands.h"

int main(int argc, char** argv) {
  using namespace orderly::cli;
  CLI::App app{"Orderly: an event-sourced order engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "orderly 0.1.0");

  CommonOptions common;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--data-dir", common.data_dir, "Data directory")
        ->envname("ORDERLY_DATA_DIR")
        ->capture_default_str();
    cmd->add_option("--sync", common.sync,
                    "Durability: always (fsync per commit) or none (benchmarks)")
        ->envname("ORDERLY_SYNC")
        ->check(CLI::IsMember({"always", "none"}))
        ->capture_default_str();
    cmd->add_option("--log-format", common.log_format, "text or json (default: text on a terminal)")
        ->envname("ORDERLY_LOG_FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
  };

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the engine");
  add_common(serve_cmd);
  serve_cmd->add_option("--http-address", serve.http_address, "HTTP listen address")
      ->envname("ORDERLY_HTTP_ADDRESS")
      ->capture_default_str();

  auto* verify_cmd = app.add_subcommand(
      "verify", "Check the log: gapless positions, stream index agrees, every event decodes");
  add_common(verify_cmd);

  std::string backup_dir;
  auto* backup_cmd = app.add_subcommand("backup", "Consistent online backup of the data directory");
  add_common(backup_cmd);
  backup_cmd->add_option("DIR", backup_dir, "Backup directory (must not exist)")->required();

  bool force = false;
  auto* restore_cmd = app.add_subcommand("restore", "Restore the data directory from a backup");
  add_common(restore_cmd);
  restore_cmd->add_option("DIR", backup_dir, "Backup directory")->required();
  restore_cmd->add_flag("--force", force,
                        "Replace an existing store (kept aside as <dir>.before-restore-<time>)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*serve_cmd)
    return run_serve(common, serve);
  if (*verify_cmd)
    return run_verify(common);
  if (*backup_cmd)
    return run_backup(common, backup_dir);
  if (*restore_cmd)
    return run_restore(common, backup_dir, force);
  return kExitUsage;
}
