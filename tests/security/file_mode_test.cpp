// Data files are their owner's only (issue 19): the log holds password
// hashes and personal data. Started under the common umask 022, the data
// directory must still be 0700 and nothing under it readable by group or
// others (the log, snapshots, read models, the generated JWT secret, the
// outbox), and the same for a backup; a data directory left looser by an
// earlier version is tightened at start.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/security/checks.h"
#include "tests/support/json_fields.h"
#include "tests/support/orderly_binary.h"
#include "tests/support/orderly_server.h"

using namespace orderly::testing;
namespace fs = std::filesystem;

namespace {

// The process umask for a scope: the engine started meanwhile inherits it.
class UmaskFor {
 public:
  explicit UmaskFor(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskFor() { ::umask(old_); }

 private:
  mode_t old_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// `dir` and every entry under it that group or others may use, with its
// mode; how many entries were looked at goes to `seen`.
std::vector<std::string> loose_entries(const std::string& dir, size_t* seen) {
  std::vector<std::string> loose;
  *seen = 0;
  auto check = [&](const std::string& path) {
    ++*seen;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || S_ISLNK(st.st_mode))
      return;
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      loose.push_back(path + " " + mode);
    }
  };
  check(dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    check(it->path().string());
  return loose;
}

void check_owner_only(const std::string& dir, size_t at_least) {
  CAPTURE(dir);
  size_t seen = 0;
  const auto loose = loose_entries(dir, &seen);
  CHECK(seen >= at_least);  // the walk saw the files
  CHECK_MESSAGE(loose.empty(), loose.size(), " entries readable by group or others, e.g. ",
                loose.empty() ? "" : loose.front());
  CHECK(mode_of(dir) == 0700);
}

size_t outbox_files(const std::string& data) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(data + "/outbox", ec); !ec && it != fs::end(it);
       it.increment(ec))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("file modes: the data directory and backups are the owner's only under umask 022") {
  UmaskFor umask022(022);
  OrderlyServer server;
  auto c = server.client();
  const Session ada = server.register_user("ada");
  const std::string cup = product_id(c, "espresso");
  auto placed = order_one(c, ada, cup);
  REQUIRE(placed.status == 201);
  // The order's email is rendered into the outbox (no --smtp-url).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (outbox_files(server.data_dir()) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(outbox_files(server.data_dir()) > 0);

  check_owner_only(server.data_dir(), 8);

  // An online backup (the server holds the lock).
  const std::string live_backup = server.dir().sub("backup-live");
  auto backed =
      run_command({orderly_binary(), "backup", "--data-dir", server.data_dir(), live_backup});
  REQUIRE_MESSAGE(backed.exit_code == 0, backed.output);
  check_owner_only(live_backup, 4);

  // Stopped (the writer and read models save their snapshots), then an
  // offline backup.
  REQUIRE(server.stop() == 0);
  check_owner_only(server.data_dir(), 8);
  const std::string offline_backup = server.dir().sub("backup-offline");
  backed =
      run_command({orderly_binary(), "backup", "--data-dir", server.data_dir(), offline_backup});
  REQUIRE_MESSAGE(backed.exit_code == 0, backed.output);
  check_owner_only(offline_backup, 4);

  // A data directory an earlier version left readable is tightened at start.
  fs::permissions(server.data_dir(), fs::perms::owner_all | fs::perms::group_read |
                                         fs::perms::group_exec | fs::perms::others_read |
                                         fs::perms::others_exec);
  fs::permissions(server.data_dir() + "/CURRENT", fs::perms::owner_read | fs::perms::owner_write |
                                                      fs::perms::group_read |
                                                      fs::perms::others_read);
  REQUIRE(mode_of(server.data_dir()) == 0755);
  server.start();
  check_owner_only(server.data_dir(), 8);
}
