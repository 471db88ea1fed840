// Backup and restore of a data directory.
#pragma once

#include <string>

#include "core/status.h"

namespace orderly::eventstore {

// A consistent copy of the store at `data_dir` into `backup_dir` (which must
// not exist), verified before it is reported done. When no other process has
// the store open: a RocksDB checkpoint (hard links, near-instant). When a
// running server holds it: a read-only open copied key by key. That is best
// effort: a read-only open beside a live writer may see written-but-unsynced
// events, or fail when the server switches files under it; the verification
// catches a broken copy, and the command says to retry. The reliable online
// path is EventStore::backup_to inside the server (exposed with the admin API).
Status backup_data_dir(const std::string& data_dir, const std::string& backup_dir);

// Replaces `data_dir` with a copy of the backup at `backup_dir`, after
// checking that the backup opens and its log verifies. Refuses when data_dir
// holds a store unless `force`, and always when a process has it open. The
// old directory is kept beside it as "<data_dir>.before-restore-<time>".
Status restore_data_dir(const std::string& backup_dir, const std::string& data_dir, bool force);

}  // namespace orderly::eventstore
