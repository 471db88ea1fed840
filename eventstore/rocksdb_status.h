// Translation of RocksDB's status into ours, at the edge of the module.
#pragma once

#include <rocksdb/status.h>

#include <string>

#include "core/status.h"

namespace orderly::eventstore {

inline Status from_rocksdb(const rocksdb::Status& s, const std::string& context) {
  if (s.ok())
    return Status::ok();
  std::string msg = context + ": " + s.ToString();
  if (s.IsNotFound())
    return Status::not_found(msg);
  if (s.IsCorruption())
    return Status::corruption(msg);
  if (s.IsInvalidArgument())
    return Status::invalid_argument(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut())
    return Status::busy(msg);
  if (s.IsNoSpace())
    return Status::insufficient_storage(msg);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::busy(msg + " (is another orderly process using this data directory?)");
  }
  return Status::io_error(msg);
}

}  // namespace orderly::eventstore
