#include "tests/reliability/offline_checks.h"

#include <filesystem>
#include <sstream>

#include "tests/support/process.h"

namespace orderly::testing {

OfflineChecks run_offline_checks(const std::string& data_dir) {
  OfflineChecks out;
  const RunResult verify = run_command({ORDERLY_BINARY, "verify", "--data-dir", data_dir});
  const RunResult rebuild =
      run_command({ORDERLY_BINARY, "rebuild", "--all", "--verify", "--data-dir", data_dir});
  out.verify_exit = verify.exit_code;
  out.rebuild_exit = rebuild.exit_code;
  out.output = "$ orderly verify\n" + verify.output + "$ orderly rebuild --all --verify\n" +
               rebuild.output + "(exit " + std::to_string(rebuild.exit_code) + ")\n";
  std::istringstream lines(rebuild.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("difference(s)") != std::string::npos) {
      ++out.models;
      if (line.find(" 0 difference(s)") == std::string::npos)
        ++out.models_differing;
    } else if (line.find("cannot be used") != std::string::npos) {
      ++out.models;
      ++out.models_differing;
    }
  }
  return out;
}

void copy_crash_image(const std::string& data_dir, const std::string& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(data_dir)) {
    if (entry.path().filename() == "outbox")
      continue;
    fs::copy(entry.path(), fs::path(to) / entry.path().filename(),
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
}

}  // namespace orderly::testing
