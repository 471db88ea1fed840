// If-Match in the single writer (CommandMeta::expected_version): checked
// against the state at decision time, batch neighbours included.
#include <doctest/doctest.h>

#include <future>
#include <vector>

#include "commands/processor.h"
#include "tests/commands/harness.h"
#include "tests/support/temp_dir.h"

using namespace orderly;
using namespace orderly::commands;
using namespace orderly::eventstore;
using namespace orderly::testing;

namespace {

const Uuid kAdmin = *Uuid::parse("0192f0c1-7e4a-7000-8000-00000000a0a0");

CommandMeta admin(std::optional<uint32_t> expected = std::nullopt) {
  CommandMeta m;
  m.actor = kAdmin;
  m.role = Role::kAdmin;
  m.expected_version = expected;
  return m;
}

}  // namespace

TEST_CASE("expected version: stale refused naming the current one, nothing appended") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.path()).value());
  auto processor = std::move(CommandProcessor::start(*store).value());

  const CreateProduct c = new_product(100, 5);
  REQUIRE(processor->execute(c, admin()).is_ok());
  const std::string stream = "product-" + c.product_id.to_string();

  UpdateProduct rename{c.product_id, std::string("Mug"), {}, {}, {}};
  REQUIRE(processor->execute(rename, admin(1)).is_ok());  // version 1 -> 2
  const uint64_t end = store->last_position();

  auto stale = processor->execute(SetStock{c.product_id, 9}, admin(1));
  REQUIRE_FALSE(stale.is_ok());
  CHECK(stale.status().code() == ErrorCode::kVersionConflict);
  CHECK(current_version_of(stale.status()) == 2u);
  CHECK(stale.status().message().find(stream) != std::string::npos);
  CHECK(store->last_position() == end);
  CHECK(*store->stream_version(stream) == 2);

  // Many with the same expected version in one go (they share batches):
  // exactly one is decided, each later one sees its events.
  std::vector<std::future<Result<CommandReply>>> racing;
  for (int i = 0; i < 16; ++i)
    racing.push_back(processor->submit(AdjustStock{c.product_id, 1}, admin(2)));
  int ok = 0, conflicts = 0;
  for (auto& f : racing) {
    auto r = f.get();
    ok += r.is_ok();
    conflicts += !r.is_ok() && r.status().code() == ErrorCode::kVersionConflict;
  }
  CHECK(ok == 1);
  CHECK(conflicts == 15);
  CHECK(*store->stream_version(stream) == 3);

  // A command that takes no If-Match is refused as invalid; an unknown
  // aggregate is the command's own not_found.
  auto create = processor->execute(c, admin(1));
  CHECK(create.status().code() == ErrorCode::kInvalidArgument);
  auto missing = processor->execute(DiscontinueProduct{new_id()}, admin(3));
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK_FALSE(current_version_of(missing.status()).has_value());

  processor->stop();
  REQUIRE(store->close().is_ok());
}
