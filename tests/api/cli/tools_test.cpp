// replay, inspect, import-catalog and admin create-user, run as a user runs
// them: the real binary on a real data directory.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

#include "commands/processor.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::testing;

namespace {

const std::string kOrderly = ORDERLY_BINARY;

std::vector<boost::json::object> json_lines(const std::string& text) {
  std::vector<boost::json::object> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty())
      out.push_back(boost::json::parse(line).as_object());
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string import(const TempDir& dir, const std::string& data) {
  write_file(
      dir.sub("catalog.json"),
      R"([{"name":"Espresso cup","price_cents":1299,"stock":40,"category":"kitchen","sku":"CUP-1"},
                 {"name":"Moka pot","price_cents":3499,"stock":5,"category":"kitchen"}])");
  auto r = run_command({kOrderly, "import-catalog", dir.sub("catalog.json"), "--data-dir", data});
  REQUIRE(r.exit_code == 0);
  return r.output;
}

}  // namespace

TEST_CASE(
    "orderly import-catalog: valid products through the commands, bad lines named, re-import "
    "idempotent") {
  TempDir dir;
  const std::string data = dir.sub("data");
  CHECK(import(dir, data).find("imported 2 products") != std::string::npos);
  CHECK(run_command({kOrderly, "import-catalog", dir.sub("catalog.json"), "--data-dir", data})
            .output.find("0 products, 2 already present") != std::string::npos);
  write_file(dir.sub("bad.json"),
             R"([{"name":"Half cent","price_cents":12.5,"stock":1,"category":"x"}])");
  CHECK(run_command({kOrderly, "import-catalog", dir.sub("bad.json"), "--data-dir", data})
            .exit_code == 1);
  write_file(dir.sub("broken.json"), R"([{"name": "oops",)");
  CHECK(run_command({kOrderly, "import-catalog", dir.sub("broken.json"), "--data-dir", data})
            .exit_code == 2);
  write_file(dir.sub("object.json"), R"({"name": "not an array"})");
  CHECK(run_command({kOrderly, "import-catalog", dir.sub("object.json"), "--data-dir", data})
            .exit_code == 2);
  CHECK(run_command({kOrderly, "import-catalog", dir.sub("none.json"), "--data-dir", data})
            .exit_code == 3);
}

TEST_CASE(
    "orderly replay: JSON lines with every envelope field, filtered by position, stream, type and "
    "time") {
  TempDir dir;
  const std::string data = dir.sub("data");
  import(dir, data);
  write_file(dir.sub("pw"), "correct horse battery\n");
  REQUIRE(run_command({kOrderly, "admin", "create-user", "--username", "root", "--email",
                       "Root@Example.com", "--password-file", dir.sub("pw"), "--data-dir", data})
              .exit_code == 0);
  auto all = json_lines(run_command({kOrderly, "replay", "--data-dir", data}).output);
  // The first product of "kitchen" made the category (commands/category.h).
  REQUIRE(all.size() == 4);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].at("position").as_int64() == static_cast<int64_t>(i + 1));
    CHECK(all[i].at("version").as_int64() == 1);
    CHECK(all[i].contains("time"));
    CHECK(all[i].contains("command_id"));
    CHECK(all[i].at("data").is_object());
  }
  CHECK(all[0].at("type").as_string() == "product.created");
  CHECK(all[0].at("data").at("price_cents").as_int64() == 1299);
  CHECK(all[0].at("data").at("category_slug").as_string() == "kitchen");
  CHECK(all[1].at("type").as_string() == "category.created");
  CHECK(all[1].at("data").at("slug").as_string() == "kitchen");
  // The password hash never leaves the log.
  CHECK(all[3].at("data").at("password_hash").as_string() == "[redacted]");
  CHECK(all[3].at("data").at("email").as_string() == "root@example.com");

  CHECK(
      json_lines(
          run_command({kOrderly, "replay", "--data-dir", data, "--from", "2", "--to", "2"}).output)
          .size() == 1);
  CHECK(json_lines(
            run_command({kOrderly, "replay", "--data-dir", data, "--stream", "product-"}).output)
            .size() == 2);
  const std::string stream(all[2].at("stream").as_string());
  auto one =
      json_lines(run_command({kOrderly, "replay", "--data-dir", data, "--stream", stream}).output);
  REQUIRE(one.size() == 1);
  CHECK(one[0].at("position").as_int64() == 3);
  CHECK(
      json_lines(
          run_command({kOrderly, "replay", "--data-dir", data, "--type", "user.registered"}).output)
          .size() == 1);
  CHECK(json_lines(
            run_command({kOrderly, "replay", "--data-dir", data, "--until", "2000-01-01T00:00:00Z"})
                .output)
            .empty());
  CHECK(json_lines(
            run_command({kOrderly, "replay", "--data-dir", data, "--since", "2000-01-01T00:00:00Z"})
                .output)
            .size() == 4);

  CHECK(run_command({kOrderly, "replay", "--data-dir", data, "--since", "yesterday"}).exit_code ==
        2);
  CHECK(run_command({kOrderly, "replay", "--data-dir", data, "--type", "order.teleported"})
            .exit_code == 2);
  CHECK(run_command({kOrderly, "replay", "--data-dir", dir.sub("nothing")}).exit_code == 3);
}

TEST_CASE("orderly replay --follow: prints what a running writer appends") {
  TempDir dir;
  const std::string data = dir.sub("data");
  import(dir, data);
  auto store =
      std::move(eventstore::EventStore::open(data).value());  // holds the lock, like a server
  auto processor = std::move(commands::CommandProcessor::start(*store).value());
  ChildProcess follow({kOrderly, "replay", "--follow", "--data-dir", data});
  for (int i = 0; i < 3; ++i)  // the backlog: two products and their category
    REQUIRE(follow.read_line(std::chrono::seconds(60)).has_value());
  commands::CreateProduct c;
  c.product_id = *Uuid::parse("0192f0c1-7e4a-7000-8000-0000000000f1");
  c.sku = "LIVE-1";
  c.name = "Live";
  c.category = "kitchen";
  c.price_cents = 1;
  c.stock = 1;
  commands::CommandMeta admin;
  admin.role = commands::Role::kAdmin;
  REQUIRE(processor->execute(c, admin).is_ok());
  auto live = follow.read_line(std::chrono::seconds(60));
  REQUIRE(live.has_value());
  auto line = boost::json::parse(*live).as_object();
  CHECK(line.at("position").as_int64() == 4);
  CHECK(line.at("data").at("sku").as_string() == "LIVE-1");
  ::kill(follow.pid(), SIGTERM);
  CHECK(follow.wait() == 0);
}

TEST_CASE(
    "orderly inspect: an order's state at each version, and a product's reservations from order "
    "events") {
  TempDir dir;
  const std::string data = dir.sub("data");
  import(dir, data);
  std::string order_stream, product_stream;
  {
    auto store = std::move(eventstore::EventStore::open(data).value());
    auto processor = std::move(commands::CommandProcessor::start(*store).value());
    Uuid cup;
    processor->inspect([&](const commands::ShopState& s) {
      for (const auto& [id, p] : s.products) {
        if (p.sku == "CUP-1")
          cup = id;
      }
    });
    commands::PlaceOrder place;
    place.order_id = *Uuid::parse("0192f0c1-7e4a-7000-8000-0000000000a1");
    place.items = {{cup, 3}};
    commands::CommandMeta user;
    user.actor = *Uuid::parse("0192f0c1-7e4a-7000-8000-0000000000b1");
    REQUIRE(processor->execute(place, user).is_ok());
    commands::CommandMeta admin;
    admin.role = commands::Role::kAdmin;
    REQUIRE(processor
                ->execute(
                    commands::ChangeOrderStatus{place.order_id, commands::OrderStatus::kConfirmed},
                    admin)
                .is_ok());
    order_stream = "order-" + place.order_id.to_string();
    product_stream = "product-" + cup.to_string();
    processor->stop();
  }
  auto at1 = boost::json::parse(
      run_command({kOrderly, "inspect", order_stream, "--at-version", "1", "--data-dir", data})
          .output);
  CHECK(at1.at("version").as_int64() == 1);
  CHECK(at1.at("state").at("status").as_string() == "pending");
  CHECK(at1.at("events").as_array().size() == 1);
  auto now = boost::json::parse(
      run_command({kOrderly, "inspect", order_stream, "--data-dir", data}).output);
  CHECK(now.at("state").at("status").as_string() == "confirmed");
  CHECK(now.at("events").as_array().size() == 2);
  auto product = boost::json::parse(
      run_command({kOrderly, "inspect", product_stream, "--data-dir", data}).output);
  CHECK(product.at("state").at("stock").as_int64() == 37);  // 3 sold by the confirmed order
  CHECK(run_command(
            {kOrderly, "inspect", "order-0192f0c1-7e4a-7000-8000-00000000ffff", "--data-dir", data})
            .exit_code == 3);  // not found (1 is for damage)
  CHECK(run_command({kOrderly, "inspect", "basket-1", "--data-dir", data}).exit_code == 2);
}

TEST_CASE("orderly admin create-user: an admin, duplicates and short passwords refused") {
  TempDir dir;
  const std::string data = dir.sub("data");
  write_file(dir.sub("pw"), "correct horse battery\n");
  write_file(dir.sub("short"), "short\n");
  auto ok = run_command({kOrderly, "admin", "create-user", "--username", "root", "--email",
                         "root@example.com", "--password-file", dir.sub("pw"), "--data-dir", data});
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.output.find("created admin root") != std::string::npos);
  CHECK(run_command({kOrderly, "admin", "create-user", "--username", "ROOT", "--email",
                     "other@example.com", "--password-file", dir.sub("pw"), "--data-dir", data})
            .exit_code == 2);
  CHECK(run_command({kOrderly, "admin", "create-user", "--username", "root2", "--email",
                     "r2@example.com", "--password-file", dir.sub("short"), "--data-dir", data})
            .exit_code == 2);
  CHECK(run_command({kOrderly, "admin", "create-user", "--username", "root3", "--email",
                     "r3@example.com", "--password-file", dir.sub("missing"), "--data-dir", data})
            .exit_code == 2);
}
