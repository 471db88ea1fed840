// A full disk (issue 8): `orderly serve` with its data directory on a small
// filesystem (a 64 MiB tmpfs, else a 64 MiB ext4 image on a loop device)
// takes orders until the disk is full. Commands are then refused with a
// problem+json error and a stable code, queries still answer, nothing
// acknowledged is lost (every 201 order is there after the restart, stock
// reservations match, `orderly verify` passes), and once space returns
// (a filler file made beforehand is deleted, and the filesystem grown to
// 320 MiB) commands succeed again, without a restart.
// Mounting needs root and the mount capability: without them the case says
// "skipped: cannot mount here (...)" and passes.
#include <doctest/doctest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>

#include "tests/reliability/faults_support.h"

using namespace orderly::testing;

namespace {

constexpr const char* kSize = "64m";
// RocksDB resumes writing after a full disk only once the free space is at
// least its largest write buffer (128 MiB for the log, eventstore/
// rocksdb_handle.cpp), so the space that returns is the filesystem grown to
// this. (A filesystem that large from the start would not fill in a test's
// time: RocksDB preallocates its WAL a write buffer at a time.)
constexpr const char* kGrownSize = "320m";

// A small filesystem mounted on `dir` for the test's lifetime.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& dir, const std::string& image) : dir_(dir), image_(image) {
    std::filesystem::create_directories(dir);
    if (::geteuid() != 0) {
      reason_ = "not root (uid " + std::to_string(::geteuid()) + ")";
      return;
    }
    auto tmpfs = sh("mount -t tmpfs -o size=" + std::string(kSize) + " tmpfs " + dir);
    if (tmpfs.exit_code == 0) {
      kind_ = std::string("tmpfs of ") + kSize;
      mounted_ = true;
      tmpfs_ = true;
      return;
    }
    reason_ = "tmpfs: " + tmpfs.output;
    auto loop = sh("truncate -s " + std::string(kSize) + " " + image + " && mkfs.ext4 -q -F " +
                   image + " && mount -o loop " + image + " " + dir);
    if (loop.exit_code == 0) {
      kind_ = std::string("ext4 image of ") + kSize + " on a loop device";
      mounted_ = true;
      return;
    }
    reason_ += "; loop-mounted ext4: " + loop.output;
  }
  ~SmallFilesystem() {
    if (mounted_ && sh("umount " + dir_).exit_code != 0)
      (void)sh("umount -l " + dir_);  // still busy: detach it at least
  }
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  bool mounted() const { return mounted_; }
  // Grows the mounted filesystem to kGrownSize, in place.
  RunResult grow() const {
    if (tmpfs_)
      return sh("mount -o remount,size=" + std::string(kGrownSize) + " " + dir_);
    return sh("dev=$(findmnt -n -o SOURCE " + dir_ + ") && truncate -s " + kGrownSize + " " +
              image_ + " && losetup -c \"$dev\" && resize2fs -f \"$dev\"");
  }
  const std::string& kind() const { return kind_; }
  const std::string& reason() const { return reason_; }
  uint64_t free_bytes() const {
    struct statvfs s {};
    return ::statvfs(dir_.c_str(), &s) == 0 ? uint64_t{s.f_bavail} * s.f_frsize : 0;
  }

 private:
  static RunResult sh(const std::string& command) {
    return run_command({"/bin/sh", "-c", command + " 2>&1"});
  }
  std::string dir_, image_, kind_, reason_;
  bool tmpfs_ = false;
  bool mounted_ = false;
};

// Writes `bytes` of zeros to `path` (the filler that takes the space).
void write_filler(const std::string& path, uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  const std::string block(1 << 20, '\0');
  for (uint64_t left = bytes; left > 0 && out;) {
    const uint64_t n = std::min<uint64_t>(left, block.size());
    out.write(block.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
}

struct Fill {
  std::mutex mu;
  std::vector<OrderAnswer> acknowledged, refused;
  size_t unanswered = 0;  // status 0: no answer at all
};

// Four clients place orders (with a 900-byte address, to fill faster) until
// each has been refused five times in a row, or 20,000 orders, or 120 s.
void fill_until_refused(uint16_t port, const Session& user, const std::string& cup, Fill& fill) {
  const std::string address(900, 'a');
  std::atomic<size_t> placed{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      HttpClient c(port);
      int refused_in_a_row = 0;
      while (refused_in_a_row < 5 && placed++ < 20'000 &&
             std::chrono::steady_clock::now() < deadline) {
        OrderAnswer a = place_order(c, user.access_token, cup, address);
        std::lock_guard lock(fill.mu);
        if (a.acknowledged()) {
          refused_in_a_row = 0;
          fill.acknowledged.push_back(std::move(a));
        } else {
          ++refused_in_a_row;
          fill.unanswered += a.status == 0;
          fill.refused.push_back(std::move(a));
        }
      }
    });
  }
  for (auto& t : clients)
    t.join();
}

}  // namespace

TEST_CASE("faults disk: a full disk refuses commands clearly, loses nothing, recovers with space") {
  TempDir root;
  SmallFilesystem fs(root.sub("small"), root.sub("small.img"));
  if (!fs.mounted()) {
    MESSAGE("skipped: cannot mount here (" << fs.reason() << ")");
    return;
  }
  MESSAGE("data directory on a " << fs.kind());
  // Declared after the mount: stopped before it is unmounted.
  // Load by few customers: no hold or per-recipient email limits (issue 19).
  OrderlyServer server({"--rate-limit-ip", "0", "--rate-limit-user", "0", "--hold-max-units", "0",
                        "--hold-max-orders", "0", "--hold-max-cents", "0", "--email-recipient-rate",
                        "0", "--email-recipient-daily", "0"});
  REQUIRE(server.stop() == 0);
  const std::string data = root.sub("small") + "/data";
  std::filesystem::copy(server.data_dir(), data, std::filesystem::copy_options::recursive);
  server.use_data_dir(data);
  server.start();
  const std::string cup = restocked_cup(server);
  const Session ada = server.register_user("ada");

  // Leave 2 MiB: a few hundred orders fill it.
  const std::string filler = root.sub("small") + "/filler";
  const uint64_t free_at_start = fs.free_bytes();
  write_filler(filler, free_at_start - (2u << 20));
  Fill fill;
  fill_until_refused(server.port(), ada, cup, fill);
  MESSAGE(fill.acknowledged.size()
          << " orders acknowledged, then " << fill.refused.size() << " refused (" << fill.unanswered
          << " unanswered); " << fs.free_bytes() << " bytes free");
  REQUIRE(!fill.acknowledged.empty());
  REQUIRE(!fill.refused.empty());

  // Every refusal that was answered is clear: problem+json with a stable
  // code. (Debian's librocksdb is built with assertions and used to abort
  // the process here, from its info LOG file and from a WAL sync after the
  // failed append; both are avoided now, see eventstore/rocksdb_logger.h.)
  const std::set<std::string> codes = {"io_error", "insufficient_storage"};
  for (const auto& r : fill.refused) {
    if (r.status == 0)
      continue;
    CAPTURE(r.status);
    CAPTURE(r.code);
    CHECK((r.status == 500 || r.status == 507));
    CHECK(codes.count(r.code) == 1);
  }
  CHECK(fill.unanswered == 0);
  HttpClient c = server.client();
  // RocksDB's info log goes to stderr (eventstore/rocksdb_logger.h) and no
  // WAL sync follows a failed append: the engine stays up on a full disk.
  const bool alive = c.request("GET", "/health").status == 200;
  CHECK(alive);
  // ...but not ready: its writer refuses every command until space returns.
  auto ready = c.request("GET", "/ready");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("\"writer\"") != std::string::npos);
  if (alive) {
    auto refusal = order_one(c, ada, cup);
    MESSAGE("a command on the full disk: " << refusal.status << " " << refusal.body);
    if (refusal.status != 0) {  // (the abort may strike just now)
      CHECK(refusal.header("content-type") == "application/problem+json");
      CHECK(refusal.status == 507);
      CHECK(refusal.body.find("\"insufficient_storage\"") != std::string::npos);
      // Queries still answer.
      CHECK(c.send("GET", "/api/orders/" + fill.acknowledged.front().id, ada.access_token).status ==
            200);
    }
  } else {
    MESSAGE("the engine died when the disk filled (see the RocksDB assertion on stderr)");
  }

  // Space again: the engine is ready and takes commands by itself (its
  // writer retries the store every second), without a restart.
  std::filesystem::remove(filler);
  const RunResult grown = fs.grow();
  CAPTURE(grown.output);
  REQUIRE(grown.exit_code == 0);
  const auto space_back = std::chrono::steady_clock::now();
  CHECK(wait_until([&] { return c.request("GET", "/ready").status == 200; },
                   std::chrono::seconds(60)));
  MESSAGE("ready again " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - space_back)
                                .count()
                         << " ms after space returned");
  for (int i = 0; i < 20; ++i) {
    OrderAnswer a = place_order(c, ada.access_token, cup);
    CHECK(a.status == 201);
    if (a.acknowledged())
      fill.acknowledged.push_back(a);
  }

  // Stopped (SIGTERM), checked offline, restarted.
  const int stopped = server.stop();
  MESSAGE("SIGTERM after the full disk: exit status " << stopped);
  CHECK(stopped == 0);
  const auto verify = run_command({ORDERLY_BINARY, "verify", "--data-dir", data});
  CAPTURE(verify.output);
  CHECK(verify.exit_code == 0);
  server.start();
  HttpClient after = server.client();

  // Every acknowledged order is there, and nothing else: the refused ones
  // appended nothing; every reservation is one of them.
  uint64_t last = 0;
  for (const auto& a : fill.acknowledged)
    last = std::max(last, a.position);
  size_t missing = 0;
  for (const auto& a : fill.acknowledged) {
    auto r = after.send("GET", "/api/orders/" + a.id, ada.access_token, "",
                        {{"X-Min-Position", std::to_string(last)}});
    missing += r.status != 200;
  }
  const int64_t total =
      num(after.send("GET", "/api/orders?per_page=1", ada.access_token).json(), "total");
  const auto product = after.request("GET", "/api/products/" + cup).json();
  const auto& p =
      product.as_object().contains("product") ? product.as_object().at("product") : product;
  MESSAGE(fill.acknowledged.size() << " acknowledged orders checked after the restart: " << missing
                                   << " missing; the log holds " << total << " orders, "
                                   << num(p, "reserved") << " units reserved");
  CHECK(missing == 0);
  CHECK(total >= static_cast<int64_t>(fill.acknowledged.size()));
  // An order refused with io_error while the disk filled may still be in
  // the log (written before the failed batch, its fsync never made: the
  // answer said so, and a retry with its Idempotency-Key tells): never more
  // orders than commands sent.
  CHECK(total <=
        static_cast<int64_t>(fill.acknowledged.size() + fill.refused.size() + fill.unanswered));
  CHECK(num(p, "reserved") == total);

  // And it takes commands again.
  CHECK(place_order(after, ada.access_token, cup).status == 201);
  CHECK(server.stop() == 0);
}
