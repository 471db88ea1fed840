// FirstAnswers (api/rest/first_answers.h): a keyed command's first answer, kept
// as sent, the first one winning, oldest out first by count and by bytes.
#include <doctest/doctest.h>

#include "api/rest/first_answers.h"

using namespace orderly;
using namespace orderly::api::rest;
using orderly::api::http::Response;

namespace {

Response answer(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.header("X-Log-Position", "7");
  return r;
}

}  // namespace

TEST_CASE("first answers: kept as sent, the first wins, only answers with the resource") {
  FirstAnswers kept;
  commands::CommandMeta meta;
  CHECK(FirstAnswers::key_of(meta).empty());  // no Idempotency-Key: nothing kept
  meta.idempotency_key = "k1";
  const std::string key = FirstAnswers::key_of(meta);
  kept.keep(key, answer(201, "first"));
  kept.keep(key, answer(200, "second"));
  REQUIRE(kept.find(key).has_value());
  CHECK(kept.find(key)->status == 201);
  CHECK(kept.find(key)->body == "first");
  CHECK(kept.find(key)->headers.size() == 1);
  kept.keep("other", answer(202, "accepted, the read model is behind"));
  CHECK_FALSE(kept.find("other").has_value());
  // Keys are per actor.
  commands::CommandMeta other = meta;
  other.actor = *Uuid::parse("0191d9a0-0000-7000-8000-000000000001");
  CHECK(FirstAnswers::key_of(other) != key);
}

TEST_CASE("first answers: bounded by count and by bytes, oldest out first") {
  FirstAnswers by_count(3, 1 << 20);
  for (int i = 0; i < 5; ++i)
    by_count.keep("k" + std::to_string(i), answer(200, "x"));
  CHECK(by_count.size() == 3);
  CHECK_FALSE(by_count.find("k1").has_value());
  CHECK(by_count.find("k4").has_value());
  FirstAnswers by_bytes(1000, 4096);
  for (int i = 0; i < 10; ++i)
    by_bytes.keep("k" + std::to_string(i), answer(200, std::string(1000, 'b')));
  CHECK(by_bytes.size() <= 4);
  CHECK(by_bytes.find("k9").has_value());
  by_bytes.keep("huge", answer(200, std::string(8192, 'h')));  // larger than the bound
  CHECK_FALSE(by_bytes.find("huge").has_value());
}
