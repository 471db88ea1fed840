#include <doctest/doctest.h>

#include "core/status.h"

using namespace orderly;

TEST_CASE("Status carries a stable code name and a message") {
  CHECK(Status::ok().is_ok());
  const Status s = Status::version_conflict("stream order-1: expected version 3, actual 5");
  CHECK_FALSE(s.is_ok());
  CHECK(error_code_name(s.code()) == "version_conflict");
  CHECK(s.to_string() == "version_conflict: stream order-1: expected version 3, actual 5");
  CHECK(error_code_name(ErrorCode::kInvalidArgument) == "validation_failed");
}

Status fails() {
  return Status::not_found("nothing");
}
Status propagates() {
  ORDERLY_RETURN_IF_ERROR(fails());
  return Status::internal("not reached");
}

TEST_CASE("Result holds a value or an error, the macro returns early") {
  Result<int> good = 42;
  Result<int> bad = Status::io_error("disk");
  CHECK(good.is_ok());
  CHECK(*good == 42);
  CHECK_FALSE(bad.is_ok());
  CHECK(bad.status().code() == ErrorCode::kIOError);
  CHECK(propagates().code() == ErrorCode::kNotFound);
}
