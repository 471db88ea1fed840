// fastapi-postgres: the stack a shop would otherwise run, over HTTP.
// uvicorn (uvloop, httptools) runs benchmarks/peers/fastapi_shop/app.py
// with N worker processes over a PostgreSQL of its own (PgServer); the
// harness creates the schema (schema.sql beside the app), loads the
// workload's catalog and users through libpq, signs each user a token with
// the secret it hands the app, and reads PostgreSQL back for the
// invariants. Every process is stopped by its PID.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "api/auth/jwt.h"
#include "benchmarks/bench/peers.h"
#include "benchmarks/bench/pg_server.h"
#include "core/clock.h"
#include "tests/support/free_port.h"
#include "tests/support/process.h"

namespace orderly::bench {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string random_hex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", rd() & 0xff);
    out += b;
  }
  return out;
}

// A process that has exited (a zombie not yet reaped) or is gone.
bool exited(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line) || line.rfind(')') == std::string::npos)
    return true;
  return line[line.rfind(')') + 2] == 'Z';
}

// Quotes a string for SQL (the harness's own values: no NUL).
std::string lit(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  return out + "'";
}

class FastapiPostgres final : public HttpTarget {
 public:
  FastapiPostgres(const RunOptions& o, const Workload& w, int workers)
      : o_(o), w_(w), workers_(workers) {}
  ~FastapiPostgres() override { stop(); }
  std::string system() const override { return "fastapi-postgres"; }
  std::string variant() const override {
    return "uvicorn, " + std::to_string(workers_) + (workers_ == 1 ? " worker" : " workers");
  }
  int workers() const override { return workers_; }
  uint16_t port() const override { return port_; }
  const std::vector<std::string>& product_ids() const override { return products_; }
  const std::vector<std::string>& tokens() const override { return tokens_; }
  std::vector<int> server_pids() const override {
    std::vector<int> pids = pg_ ? pg_->pids() : std::vector<int>{};
    if (app_) {
      for (int pid : process_tree(app_->pid()))
        pids.push_back(pid);
    }
    return pids;
  }
  Status reset() override;
  Status check(uint64_t acknowledged, uint64_t in_flight, std::string& note) override;
  void stop() override;

  Status start();

 private:
  Status load(PGconn* c);

  const RunOptions o_;
  const Workload w_;
  const int workers_;
  std::unique_ptr<ScratchDir> scratch_;
  std::unique_ptr<PgServer> pg_;
  std::unique_ptr<testing::ChildProcess> app_;
  uint16_t port_ = 0;
  std::vector<std::string> products_, tokens_;
};

Status FastapiPostgres::load(PGconn* c) {
  const std::string app_dir = o_.peers_dir + "/fastapi_shop";
  const std::string schema = read_file(app_dir + "/schema.sql");
  if (schema.empty())
    return Status::not_found("no " + app_dir + "/schema.sql (--peers-dir)");
  ORDERLY_RETURN_IF_ERROR(PgServer::exec(c, schema));
  std::string values;
  products_.clear();
  for (int i = 0; i < w_.products; ++i) {
    const std::string id = product_id(w_, i).to_string();
    values += std::string(i ? ",(" : "(") + lit(id) + "," + lit("SKU-" + std::to_string(i)) + "," +
              lit(product_name(i)) + "," + lit(product_description(i)) + "," +
              lit("category-" + std::to_string(i % 40)) + "," + std::to_string(price_cents(i)) +
              "," + std::to_string(w_.stock) + ")";
    if (i < (w_.hot_products > 0 ? w_.hot_products : w_.products))
      products_.push_back(id);
  }
  ORDERLY_RETURN_IF_ERROR(PgServer::exec(
      c, "INSERT INTO products (id, sku, name, description, category, price_cents, stock) VALUES " +
             values));
  values.clear();
  for (int u = 0; u < http_users(o_); ++u) {
    values += std::string(u ? ",(" : "(") + lit(user_id(w_, u).to_string()) + "," +
              lit("user" + std::to_string(u)) + "," +
              lit("user" + std::to_string(u) + "@shop.test") + ")";
  }
  ORDERLY_RETURN_IF_ERROR(
      PgServer::exec(c, "INSERT INTO users (id, username, email) VALUES " + values));
  return PgServer::exec(c, "ANALYZE");
}

Status FastapiPostgres::start() {
  scratch_ = std::make_unique<ScratchDir>("orderly-bench-fastapi");
  if (!scratch_->ok())
    return Status::io_error("cannot make a temporary directory");
  auto pg = PgServer::start();
  if (!pg)
    return pg.status();
  pg_ = std::move(*pg);
  PGconn* c = pg_->connect();
  if (!c)
    return Status::internal("cannot connect to PostgreSQL");
  Status st = load(c);
  PQfinish(c);
  ORDERLY_RETURN_IF_ERROR(st);
  // Tokens as the app's own login would issue them: HS256, sub = user id.
  const std::string secret = random_hex(32);
  tokens_.clear();
  const int64_t now = now_us() / 1'000'000;
  for (int u = 0; u < http_users(o_); ++u) {
    api::auth::AccessClaims claims;
    claims.sub = user_id(w_, u).to_string();
    claims.role = "customer";
    claims.iat = now;
    claims.exp = now + 6 * 3600;
    tokens_.push_back(api::auth::sign_jwt(claims, secret));
  }
  const std::string ready = scratch_->path() + "/ready";
  std::filesystem::create_directories(ready);
  port_ = testing::free_port();
  // The pool: 16 connections per worker (PostgreSQL's max_connections is 300).
  app_ = std::make_unique<testing::ChildProcess>(
      testing::with_stderr_to(scratch_->path() + "/uvicorn.log", {"/usr/bin/env",
                                                                  "SHOP_DATABASE_URL=" + pg_->url(),
                                                                  "SHOP_JWT_SECRET=" + secret,
                                                                  "SHOP_READY_DIR=" + ready,
                                                                  "SHOP_POOL_SIZE=16",
                                                                  "/usr/bin/python3",
                                                                  "-m",
                                                                  "uvicorn",
                                                                  "app:app",
                                                                  "--app-dir",
                                                                  o_.peers_dir + "/fastapi_shop",
                                                                  "--host",
                                                                  "127.0.0.1",
                                                                  "--port",
                                                                  std::to_string(port_),
                                                                  "--workers",
                                                                  std::to_string(workers_),
                                                                  "--loop",
                                                                  "uvloop",
                                                                  "--http",
                                                                  "httptools",
                                                                  "--no-access-log",
                                                                  "--log-level",
                                                                  "warning"}));
  // Every worker writes ready/<pid> once its pool is open.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (true) {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(ready, ec);
         it != std::filesystem::directory_iterator(); ++it) {
      ++n;
    }
    if (n >= static_cast<size_t>(workers_) &&
        testing::wait_for_listener(port_, std::chrono::seconds(1)))
      return Status::ok();
    if (exited(app_->pid()) || std::chrono::steady_clock::now() > deadline) {
      return Status::internal("uvicorn did not start: " +
                              read_file(scratch_->path() + "/uvicorn.log").substr(0, 600));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status FastapiPostgres::reset() {
  PGconn* c = pg_->connect();
  if (!c)
    return Status::internal("cannot connect to PostgreSQL");
  Status st = PgServer::exec(c,
                             "TRUNCATE order_lines, outbox, orders; "
                             "UPDATE products SET reserved = 0 WHERE reserved <> 0");
  if (st.is_ok())
    st = PgServer::exec(c, "VACUUM ANALYZE products");
  PQfinish(c);
  return st;
}

Status FastapiPostgres::check(uint64_t acknowledged, uint64_t in_flight, std::string& note) {
  PGconn* c = pg_->connect();
  if (!c)
    return Status::internal("cannot connect to PostgreSQL");
  auto count = [&](const char* sql) {
    return std::strtoull(PgServer::scalar(c, sql).c_str(), nullptr, 10);
  };
  // Requests wrk left in flight finish after it stopped: wait until the
  // orders stop growing, then read everything in one snapshot.
  uint64_t seen = count("SELECT count(*) FROM orders");
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const uint64_t now = count("SELECT count(*) FROM orders");
    if (now == seen)
      break;
    seen = now;
  }
  (void)PgServer::exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
  const uint64_t orders = count("SELECT count(*) FROM orders");
  const uint64_t outbox = count("SELECT count(*) FROM outbox WHERE type = 'order.created'");
  const uint64_t bad_totals = count(
      "SELECT count(*) FROM orders o WHERE o.total_cents <> "
      "(SELECT coalesce(sum(l.line_total_cents), 0) FROM order_lines l WHERE l.order_id = o.id) "
      "OR NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)");
  const uint64_t bad_lines = count(
      "SELECT count(*) FROM order_lines WHERE line_total_cents <> unit_price_cents * quantity");
  const uint64_t oversold = count("SELECT count(*) FROM products WHERE reserved > stock");
  const uint64_t misreserved = count(
      "SELECT count(*) FROM products p LEFT JOIN (SELECT product_id, sum(quantity) AS q "
      "FROM order_lines GROUP BY product_id) l ON l.product_id = p.id "
      "WHERE p.reserved <> coalesce(l.q, 0)");
  (void)PgServer::exec(c, "COMMIT");
  PQfinish(c);
  if (orders < acknowledged || orders > acknowledged + in_flight)
    return Status::internal(std::to_string(acknowledged) + " orders acknowledged, " +
                            std::to_string(orders) + " stored");
  if (outbox != orders)
    return Status::internal(std::to_string(orders) + " orders but " + std::to_string(outbox) +
                            " order.created outbox events");
  if (bad_totals > 0)
    return Status::internal(std::to_string(bad_totals) + " orders' totals are not their lines");
  if (bad_lines > 0)
    return Status::internal(std::to_string(bad_lines) + " lines' totals are not price x quantity");
  if (oversold > 0)
    return Status::internal(std::to_string(oversold) + " products oversold");
  if (misreserved > 0)
    return Status::internal(std::to_string(misreserved) +
                            " products reserve other than their orders");
  if (orders > acknowledged)
    note = std::to_string(orders - acknowledged) + " in flight when wrk stopped, stored";
  return Status::ok();
}

void FastapiPostgres::stop() {
  if (app_) {
    // uvicorn's master stops its workers on SIGTERM; anything left after
    // 15 s is killed, workers by their PIDs too.
    const std::vector<int> tree = process_tree(app_->pid());
    app_->terminate();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!exited(app_->pid()) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    app_->kill_hard();
    app_->wait();
    for (size_t i = 1; i < tree.size(); ++i) {
      if (!exited(tree[i]))
        ::kill(tree[i], SIGKILL);
    }
    app_.reset();
  }
  pg_.reset();
  scratch_.reset();
}

}  // namespace

Result<std::unique_ptr<HttpTarget>> start_fastapi_postgres(const RunOptions& o, const Workload& w,
                                                           int workers) {
  auto target = std::make_unique<FastapiPostgres>(o, w, workers);
  ORDERLY_RETURN_IF_ERROR(target->start());
  return std::unique_ptr<HttpTarget>(std::move(target));
}

}  // namespace orderly::bench
