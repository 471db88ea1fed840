#include <doctest/doctest.h>

#include <cstring>

#include "eventstore/record.h"

using namespace orderly;
using namespace orderly::eventstore;

TEST_CASE("record: entries come back in order, 8-byte aligned") {
  RecordBuilder b;
  b.reset(41);
  const std::string a = "first", c = "the third entry, longer";
  b.add({reinterpret_cast<const uint8_t*>(a.data()), a.size()});
  b.add({reinterpret_cast<const uint8_t*>("x"), 1});
  b.add({reinterpret_cast<const uint8_t*>(c.data()), c.size()});
  const std::string bytes(b.finish());
  AlignedBuffer buf;
  auto rec = RecordView::parse(buf.assign(bytes), 41);
  REQUIRE(rec.is_ok());
  CHECK(rec->count() == 3);
  CHECK(rec->last_position() == 43);
  auto e2 = rec->entry(2);
  CHECK(std::string(reinterpret_cast<const char*>(e2.data()), e2.size()) == c);
  for (uint32_t i = 0; i < 3; ++i)
    CHECK(reinterpret_cast<uintptr_t>(rec->entry(i).data()) % 8 == 0);
}

TEST_CASE("record: damaged framing is corruption, never a read out of bounds") {
  RecordBuilder b;
  b.reset(1);
  b.add({reinterpret_cast<const uint8_t*>("abcdefgh"), 8});
  b.add({reinterpret_cast<const uint8_t*>("ijkl"), 4});
  const std::string good(b.finish());
  AlignedBuffer buf;
  REQUIRE(RecordView::parse(buf.assign(good), 1).is_ok());

  auto damaged = [&](auto mutate) {
    std::string bytes = good;
    mutate(bytes);
    AlignedBuffer local;
    return RecordView::parse(local.assign(bytes), 1).status().code();
  };
  CHECK(damaged([](std::string& s) { s[0] = 'X'; }) == ErrorCode::kCorruption);  // magic
  CHECK(damaged([](std::string& s) { s[4] = 9; }) == ErrorCode::kCorruption);    // format
  CHECK(damaged([](std::string& s) { s[8] = 0; }) == ErrorCode::kCorruption);    // count 0
  CHECK(damaged([](std::string& s) { s[8] = 100; }) == ErrorCode::kCorruption);  // count too big
  CHECK(damaged([](std::string& s) { s[16] = 3; }) == ErrorCode::kCorruption);   // offset
  CHECK(damaged([](std::string& s) { s.resize(s.size() - 9); }) ==
        ErrorCode::kCorruption);  // truncated
  CHECK(damaged([](std::string& s) { s.resize(10); }) == ErrorCode::kCorruption);
}
