#include "benchmarks/bench/orderly_http.h"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/nats_cluster.h"

namespace orderly::bench {

namespace json = boost::json;

namespace {

// The bench is 20-50 customers placing orders that stay unpaid for the
// reservation's 15 minutes: thousands each, so the per-customer hold and
// email limits of issue 19 are off (as are the rate limits).
// The connection caps are well above the sweep's 1,024 connections from
// one address (wrk's).
const std::vector<std::string> kServeFlags = {"--no-demo", "--rate-limit-ip",
                                              "0",         "--rate-limit-user",
                                              "0",         "--hold-max-units",
                                              "0",         "--hold-max-orders",
                                              "0",         "--hold-max-cents",
                                              "0",         "--email-recipient-rate",
                                              "0",         "--email-recipient-daily",
                                              "0",         "--max-connections",
                                              "20000",     "--max-connections-per-address",
                                              "16000"};

constexpr const char* kAdminPassword = "bench-admin-password";

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// `orderly CMD ...` to completion; its exit status.
int run(const std::vector<std::string>& argv) {
  return testing::run_command(argv).exit_code;
}

}  // namespace

Result<std::unique_ptr<ServeProcess>> ServeProcess::start(const std::string& binary,
                                                          const std::string& data_dir,
                                                          const std::vector<std::string>& flags,
                                                          bool create_admin) {
  try {
    auto server = std::make_unique<testing::OrderlyServer>(
        flags, testing::OrderlyServer::Options{
                   .binary = binary,
                   .data_dir = data_dir,
                   .create_admin = create_admin,
                   .admin_password = kAdminPassword,
                   .log_file = std::filesystem::absolute(data_dir + ".serve.log"),
                   .startup_timeout = std::chrono::minutes(10)});
    return std::unique_ptr<ServeProcess>(new ServeProcess(std::move(server)));
  } catch (const std::exception& e) {
    return Status::internal(e.what());
  }
}

Result<std::string> ServeProcess::admin_token() const {
  try {
    return server_->admin().access_token;
  } catch (const std::exception& e) {
    return Status::internal(std::string("admin login failed: ") + e.what());
  }
}

namespace {

// The data directories of every system run so far, removed at exit.
std::vector<std::unique_ptr<ScratchDir>>& used_scratch() {
  static std::vector<std::unique_ptr<ScratchDir>> dirs;
  return dirs;
}

class OrderlyHttp final : public HttpTarget {
 public:
  OrderlyHttp(const RunOptions& o, const Workload& w, bool replicated)
      : o_(o), w_(w), replicated_(replicated) {}
  ~OrderlyHttp() override { stop(); }
  std::string system() const override { return replicated_ ? "orderly-replicated" : "orderly"; }
  std::string variant() const override {
    return replicated_ ? "orderly serve, leader, 3 nats-servers R3" : "orderly serve";
  }
  uint16_t port() const override { return serve_->port(); }
  const std::vector<std::string>& product_ids() const override { return products_; }
  const std::vector<std::string>& tokens() const override { return tokens_; }
  std::vector<int> server_pids() const override {
    std::vector<int> pids = serve_ ? process_tree(serve_->pid()) : std::vector<int>{};
    for (int i = 0; nats_ && i < testing::NatsCluster::kSize; ++i) {
      if (nats_->pid(i) > 0)
        pids.push_back(nats_->pid(i));
    }
    return pids;
  }
  // Back to the copy of the data directory taken once the catalog and the
  // users were in (the tokens stay valid: the signing secret is in it).
  // The used directory is moved aside, not deleted, until the end: ext4
  // skips inodes freed in the last minutes when it allocates new ones,
  // scanning past each, so deleting the last run's tens of thousands of
  // outbox emails made every email of the next run cost several times more
  // to create.
  Status reset() override {
    if (serve_)
      serve_->stop();
    serve_.reset();
    std::error_code ec;
    std::filesystem::create_directories(scratch_->path() + "/used", ec);
    std::filesystem::rename(data_, scratch_->path() + "/used/" + std::to_string(++resets_), ec);
    if (ec)
      std::filesystem::remove_all(data_, ec);
    std::filesystem::copy(pristine_, data_, std::filesystem::copy_options::recursive, ec);
    if (ec)
      return Status::io_error("cannot copy " + pristine_ + ": " + ec.message());
    return launch(replicated_);
  }
  Status check(uint64_t acknowledged, uint64_t in_flight, std::string& note) override;
  void stop() override {
    if (serve_)
      serve_->stop();
    serve_.reset();
    nats_.reset();
    // Deleted when the harness exits, not now: the next system's emails
    // would be created among the inodes just freed (see reset()).
    if (scratch_)
      used_scratch().push_back(std::move(scratch_));
  }

  Status start();

 private:
  // Starts serve on data_ and waits until its catalog is listed in full;
  // `replicate`: first a fresh NATS cluster, and serve leads it.
  Status launch(bool replicate);
  Status start_nats();

  const RunOptions o_;
  const Workload w_;
  const bool replicated_;
  std::unique_ptr<testing::NatsCluster> nats_;
  int clusters_ = 0;
  std::string data_, pristine_;
  std::unique_ptr<ScratchDir> scratch_;
  std::unique_ptr<ServeProcess> serve_;
  std::vector<std::string> products_, tokens_;
  int resets_ = 0;
};

Status OrderlyHttp::start() {
  scratch_ = std::make_unique<ScratchDir>("orderly-bench-http");
  if (!scratch_->ok())
    return Status::io_error("cannot make a temporary directory");
  const std::string& dir = scratch_->path();
  const std::string& data = data_ = dir + "/data";
  pristine_ = dir + "/pristine";
  // The catalog through the normal commands, before the server starts.
  json::array catalog;
  for (int i = 0; i < w_.products; ++i) {
    catalog.push_back(json::object{{"name", product_name(i)},
                                   {"description", product_description(i)},
                                   {"sku", "SKU-" + std::to_string(i)},
                                   {"category", "category-" + std::to_string(i % 40)},
                                   {"price_cents", price_cents(i)},
                                   {"stock", w_.stock}});
  }
  const std::string file = write_file(dir + "/catalog.json", json::serialize(catalog));
  auto server = ServeProcess::start(o_.orderly_binary, data, kServeFlags);
  if (!server)
    return server.status();
  (*server)->stop();
  if (run({o_.orderly_binary, "import-catalog", file, "--data-dir", data}) != 0)
    return Status::internal("orderly import-catalog failed");
  // The shop is made on one node; a replicated run turns it into a cluster.
  ORDERLY_RETURN_IF_ERROR(launch(false));
  testing::HttpClient c(serve_->port());
  // Product ids by SKU index.
  std::vector<std::string> ids(static_cast<size_t>(w_.products));
  for (int page = 1; page <= (w_.products + 99) / 100; ++page) {
    const json::value listed =
        c.request("GET", "/api/products?per_page=100&page=" + std::to_string(page)).json();
    for (const auto& p : listed.at("items").as_array()) {
      const std::string sku = json::value_to<std::string>(p.at("sku"));
      const int index = std::stoi(sku.substr(4));
      if (index >= 0 && index < w_.products)
        ids[static_cast<size_t>(index)] = json::value_to<std::string>(p.at("id"));
    }
  }
  if (std::count(ids.begin(), ids.end(), std::string()) > 0)
    return Status::internal("the catalog was not fully listed");
  const int pool = w_.hot_products > 0 ? w_.hot_products : w_.products;
  products_.assign(ids.begin(), ids.begin() + pool);
  // Users, each logged in once.
  tokens_.clear();
  for (int u = 0; u < http_users(o_); ++u) {
    auto r = c.send(
        "POST", "/api/auth/register", "",
        json::serialize(json::object{{"username", "user" + std::to_string(u)},
                                     {"email", "user" + std::to_string(u) + "@shop.test"},
                                     {"password", "password-of-user-" + std::to_string(u)}}));
    if (r.status != 201)
      return Status::internal("registering a user failed: " + std::to_string(r.status));
    tokens_.push_back(json::value_to<std::string>(r.json().at("access_token")));
  }
  serve_->stop();
  serve_.reset();
  std::error_code ec;
  std::filesystem::copy(data_, pristine_, std::filesystem::copy_options::recursive, ec);
  if (ec)
    return Status::io_error("cannot copy " + data_ + ": " + ec.message());
  return launch(replicated_);
}

Status OrderlyHttp::start_nats() {
  nats_.reset();
  try {
    nats_ = std::make_unique<testing::NatsCluster>(scratch_->path() + "/nats-" +
                                                   std::to_string(++clusters_));
  } catch (const std::exception& e) {
    return Status::internal(std::string("cannot start the NATS cluster: ") + e.what());
  }
  if (!nats_->wait_ready(std::chrono::seconds(60)))
    return Status::internal("the NATS cluster did not form within a minute");
  return Status::ok();
}

Status OrderlyHttp::launch(bool replicate) {
  std::vector<std::string> flags = kServeFlags;
  if (replicate) {
    ORDERLY_RETURN_IF_ERROR(start_nats());
    flags.insert(flags.end(), {"--replicate", nats_->urls(), "--replicas", "3"});
  }
  auto server = ServeProcess::start(o_.orderly_binary, data_, flags, false);
  if (!server)
    return server.status();
  serve_ = std::move(*server);
  testing::HttpClient c(serve_->port());
  // A replicated node publishes the copied log into the empty stream, then
  // leads.
  for (int i = 0; replicate; ++i) {
    const json::value health = c.request("GET", "/health").json();
    const json::value* role = health.is_object() ? health.as_object().if_contains("role") : nullptr;
    if (role && role->is_string() && role->as_string() == "leader")
      break;
    if (i == 2400)
      return Status::internal("the replicated node did not lead within two minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The imported catalog is folded by the read models after the start:
  // wait until it is all listed.
  for (int i = 0; i < 1200; ++i) {
    const json::value first = c.request("GET", "/api/products?per_page=1").json();
    if (first.at("total").to_number<int64_t>() >= w_.products)
      return Status::ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::internal("the catalog was not listed in full within a minute");
}

// Invariants through the API: every 201 is an order, each order's total
// is its lines, and the products reserve exactly what the orders hold.
Status OrderlyHttp::check(uint64_t acknowledged, uint64_t in_flight, std::string& note) {
  testing::HttpClient c(serve_->port());
  auto admin = serve_->admin_token();
  if (!admin)
    return admin.status();
  std::map<std::string, int64_t> reserved_by_orders;
  uint64_t orders = 0;
  std::string problem;
  for (int page = 1;; ++page) {
    const json::value listed =
        c.send("GET", "/api/orders?per_page=100&page=" + std::to_string(page), *admin).json();
    const auto& items = listed.at("items").as_array();
    for (const auto& order : items) {
      ++orders;
      int64_t sum = 0;
      for (const auto& l : order.at("items").as_array()) {
        sum += l.at("line_total_cents").to_number<int64_t>();
        if (l.at("line_total_cents").to_number<int64_t>() !=
            l.at("unit_price_cents").to_number<int64_t>() * l.at("quantity").to_number<int64_t>())
          problem = "a line's total is not price x quantity";
        reserved_by_orders[json::value_to<std::string>(l.at("product_id"))] +=
            l.at("quantity").to_number<int64_t>();
      }
      if (sum != order.at("total_cents").to_number<int64_t>())
        problem = "an order's total is not the sum of its lines";
    }
    if (items.size() < 100)
      break;
  }
  // wrk stops counting at its deadline: requests still in flight then (at
  // most one per connection) are stored but their 201 is not counted.
  if (orders < acknowledged || orders > acknowledged + in_flight)
    problem = std::to_string(acknowledged) + " orders acknowledged, " + std::to_string(orders) +
              " stored";
  else if (orders > acknowledged)
    note = std::to_string(orders - acknowledged) + " in flight when wrk stopped, stored";
  for (const auto& [id, units] : reserved_by_orders) {
    // The catalog read model may be a few positions behind the orders one.
    for (int attempt = 0; attempt < 100; ++attempt) {
      const json::value answer = c.request("GET", "/api/products/" + id).json();
      const json::value& p = answer.at("product");
      const int64_t stock = p.at("stock").to_number<int64_t>();
      const int64_t reserved = p.at("reserved").to_number<int64_t>();
      std::string found;
      if (reserved > stock)
        found = "product " + id + " is oversold";
      else if (reserved != units)
        found = "product " + id + " reserves other than its orders";
      if (found.empty() || attempt == 99) {
        if (!found.empty())
          problem = found;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return problem.empty() ? Status::ok() : Status::internal(problem);
}

}  // namespace

Result<std::unique_ptr<HttpTarget>> start_orderly_http(const RunOptions& o, const Workload& w) {
  auto target = std::make_unique<OrderlyHttp>(o, w, false);
  ORDERLY_RETURN_IF_ERROR(target->start());
  return std::unique_ptr<HttpTarget>(std::move(target));
}

Result<std::unique_ptr<HttpTarget>> start_orderly_replicated_http(const RunOptions& o,
                                                                  const Workload& w) {
  auto target = std::make_unique<OrderlyHttp>(o, w, true);
  ORDERLY_RETURN_IF_ERROR(target->start());
  return std::unique_ptr<HttpTarget>(std::move(target));
}

}  // namespace orderly::bench
