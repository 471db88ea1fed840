// Data files readable by their owner only. The data directory holds the
// log (password hashes, customers' personal data), the JWT signing secret
// and the read models: the directory is 0700 and its files 0600, whatever
// the umask the process was started with (the CLI also sets umask 077 for
// what it creates later).
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace orderly::eventstore {

// Takes group and other permissions away from `dir` and everything under
// it (directories become at most 0700, files at most 0600; symbolic links
// are not followed). Returns how many entries were looser and are now
// tightened (0: nothing to do, or `dir` does not exist).
Result<size_t> restrict_to_owner(const std::string& dir);

}  // namespace orderly::eventstore
