// RocksDB's own diagnostics (its "info log"), written to standard error
// instead of a LOG file in the data directory.
//
// Why: Debian's librocksdb is built with assertions on. When the disk is
// full, its LOG file's writer fails once, and the next line RocksDB logs
// (it logs every few seconds while it tries to recover) aborts the whole
// process (WritableFileWriter::AssertFalseAndGetStatusForPrevError). A full
// disk must be a clear error on the commands, not a crash. Warnings and
// errors still reach the operator, one line each on stderr.
#pragma once

#include <memory>

namespace rocksdb {
class Logger;
}

namespace orderly::eventstore {

std::shared_ptr<rocksdb::Logger> stderr_rocksdb_logger();

}  // namespace orderly::eventstore
