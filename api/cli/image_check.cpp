#include "api/cli/image_check.h"

#include <filesystem>
#include <set>

#include "api/images/local_image_store.h"
#include "core/schemas/product_events_generated.h"
#include "eventstore/store.h"

namespace orderly::cli {

namespace {

void add_name(const events::ImageFile* file, std::set<std::string>& names) {
  if (file == nullptr || file->hash() == nullptr || file->ext() == nullptr)
    return;  // an event without a file names nothing to check
  names.insert(file->hash()->str() + "." + file->ext()->str());
}

}  // namespace

Result<ImageCheck> check_local_images(const std::string& data_dir) {
  eventstore::StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  auto opened = eventstore::EventStore::open(data_dir, options);
  if (!opened)
    return opened.status();
  ImageCheck check;
  std::set<std::string> names;
  eventstore::LogQuery query;
  query.types = {EventType::kProductImageAdded};
  ORDERLY_RETURN_IF_ERROR((*opened)->scan(query, [&](const EventView& view) {
    ++check.events;
    const auto* added = view.as<events::ProductImageAdded>();
    add_name(added->original(), names);
    add_name(added->thumb(), names);
    add_name(added->medium(), names);
    return true;
  }));
  ORDERLY_RETURN_IF_ERROR((*opened)->close());
  check.files = names.size();
  const std::filesystem::path dir = std::filesystem::path(data_dir) / "images";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    // Every referenced file is missing. (Images kept in S3 are not checked
    // here: verify then says so, and fails, rather than pass on a local
    // store that was deleted.)
    check.store_present = false;
    check.bad.assign(names.begin(), names.end());
    return check;
  }
  auto bad = api::images::verify_local_image_store(dir, {names.begin(), names.end()});
  if (!bad)
    return bad.status();
  check.bad = std::move(*bad);
  return check;
}

}  // namespace orderly::cli
