#include "eventstore/owner_only.h"

#include <filesystem>

namespace orderly::eventstore {

namespace fs = std::filesystem;

namespace {

constexpr fs::perms kNotOwner = fs::perms::group_all | fs::perms::others_all;

// Removes group/other bits from one entry; true when it had any.
Result<bool> tighten(const fs::path& path, const fs::file_status& status) {
  if ((status.permissions() & kNotOwner) == fs::perms::none)
    return false;
  std::error_code ec;
  fs::permissions(path, kNotOwner, fs::perm_options::remove | fs::perm_options::nofollow, ec);
  if (ec)
    return Status::io_error("cannot restrict " + path.string() + " to its owner: " + ec.message());
  return true;
}

}  // namespace

Result<size_t> restrict_to_owner(const std::string& dir) {
  std::error_code ec;
  const fs::file_status top = fs::symlink_status(dir, ec);
  if (ec || !fs::is_directory(top))
    return size_t{0};
  size_t tightened = 0;
  auto top_changed = tighten(dir, top);
  if (!top_changed)
    return top_changed.status();
  tightened += *top_changed ? 1 : 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec)
      break;
    if (fs::is_symlink(st))
      continue;  // its target is not ours to change
    auto changed = tighten(it->path(), st);
    if (!changed)
      return changed.status();
    tightened += *changed ? 1 : 0;
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return Status::io_error("cannot list " + dir + ": " + ec.message());
  return tightened;
}

}  // namespace orderly::eventstore
