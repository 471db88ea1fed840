// api/payments/provider/provider_client.h: the base URL rule, and the POST
// against the real simulator (ops/payment_simulator.py): the key and the
// bearer arrive, any HTTP status is a reply, no answer is unavailable.
#include "api/payments/provider/provider_client.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <fstream>

#include "tests/api/payments/payment_simulator.h"
#include "tests/api/payments/webhook_receiver.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::api::payments::provider;
using testing::PaymentSimulator;
using testing::WebhookReceiver;

namespace {

const char* kIntent =
    R"({"payment_id":"pay-c","attempt":2,"amount_cents":250,"currency":"EUR",)"
    R"("payment_method":"pm_card_ok","return_url":"http://127.0.0.1:1/#/orders/o"})";

}  // namespace

TEST_CASE("payments provider: the base URL is https, or http to a loopback host") {
  for (const char* good : {"https://pay.example.com", "https://pay.example.com/api/",
                           "http://127.0.0.1:9000", "http://localhost:1", "http://[::1]:80"}) {
    CAPTURE(good);
    CHECK(check_provider_url(good).is_ok());
  }
  for (const char* bad : {"http://pay.example.com", "http://10.0.0.1", "ftp://127.0.0.1", "",
                          "pay.example.com", "https://u:p@pay.example.com",
                          "https://pay.example.com/?a=1", "https://pay.example.com/#x"}) {
    CAPTURE(bad);
    const Status st = check_provider_url(bad);
    CHECK(st.code() == ErrorCode::kInvalidArgument);
    CHECK(st.message().starts_with("--payment-provider-url"));
  }
}

TEST_CASE("payments provider: a POST carries its key and bearer, any status is a reply") {
  WebhookReceiver receiver;
  testing::TempDir dir;
  std::ofstream(dir.sub("key")) << "sk_test_client_key\n";
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0", "--api-key-file", dir.sub("key")});
  ProviderConfig config;
  config.base_url = sim.url() + "/";
  config.api_key = "sk_test_client_key";

  auto reply = post_to_provider(config, "/v1/payment_intents", kIntent, "pay-c:2");
  REQUIRE(reply.is_ok());
  CHECK(reply->status == 200);
  const auto answer = boost::json::parse(reply->body);
  CHECK(answer.at("payment_id") == "pay-c");
  const auto intents = sim.control("intents");
  REQUIRE(intents.size() == 1);
  CHECK(intents[0].at("idempotency_key") == "pay-c:2");
  CHECK(intents[0].at("currency") == "EUR");
  CHECK(intents[0].at("attempt") == 2);
  // The same key again: the same answer, nothing new.
  auto again = post_to_provider(config, "/v1/payment_intents", kIntent, "pay-c:2");
  REQUIRE(again.is_ok());
  CHECK(again->body == reply->body);
  CHECK(sim.control("intents").size() == 1);

  // A wrong key is a reply (401), not a failure to reach it.
  ProviderConfig wrong = config;
  wrong.api_key = "sk_test_other";
  auto refused = post_to_provider(wrong, "/v1/payment_intents", kIntent, "pay-c:3");
  REQUIRE(refused.is_ok());
  CHECK(refused->status == 401);
  ProviderConfig none = config;
  none.api_key.clear();
  auto anonymous = post_to_provider(none, "/v1/payment_intents", kIntent, "pay-c:3");
  REQUIRE(anonymous.is_ok());
  CHECK(anonymous->status == 401);
}

TEST_CASE("payments provider: no answer, or a cancelled call, is unavailable") {
  ProviderConfig nobody;
  nobody.base_url = "http://127.0.0.1:" + std::to_string(testing::free_port());
  auto down = post_to_provider(nobody, "/v1/refunds", "{}", "r");
  REQUIRE_FALSE(down.is_ok());
  CHECK(down.status().code() == ErrorCode::kUnavailable);

  WebhookReceiver receiver;
  PaymentSimulator sim(receiver.url(), {"--delay-ms", "0:0"});
  const std::atomic<bool> cancelled{true};
  ProviderConfig config;
  config.base_url = sim.url();
  auto cancel = post_to_provider(config, "/v1/payment_intents", kIntent, "pay-c:2", &cancelled);
  REQUIRE_FALSE(cancel.is_ok());
  CHECK(cancel.status().code() == ErrorCode::kUnavailable);
}
