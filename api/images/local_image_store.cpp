#include "api/images/local_image_store.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace orderly::api::images {

namespace fs = std::filesystem;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

Status write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return Status::io_error("cannot write " + path.string() + ": " + errno_text());
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

Status fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::io_error("cannot open " + dir.string() + ": " + errno_text());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return Status::io_error("fsync of " + dir.string() + " failed: " + errno_text());
  return Status::ok();
}

std::string random_suffix() {
  unsigned char raw[8];
  RAND_bytes(raw, sizeof raw);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The file's bytes, nullopt when it does not exist.
Result<std::optional<std::string>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec) && !ec)
      return std::optional<std::string>();
    return Status::io_error("cannot read " + path.string());
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad())
    return Status::io_error("cannot read " + path.string());
  return std::optional<std::string>(std::move(bytes).str());
}

// Thread safety: no mutable state; the file system orders the calls.
class LocalImageStore final : public ImageStore {
 public:
  explicit LocalImageStore(fs::path dir) : dir_(std::move(dir)) {}

  Status put(const ImageFile& file) override {
    const std::string name = file.name();
    const fs::path target = dir_ / name;
    std::error_code ec;
    if (fs::exists(target, ec))
      return Status::ok();  // content-addressed: what is there is these bytes
    const fs::path temp = dir_ / (name + ".tmp-" + random_suffix());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      return Status::io_error("cannot create " + temp.string() + ": " + errno_text());
    Status written = write_all(fd, file.bytes, temp);
    if (written.is_ok() && ::fsync(fd) != 0)
      written = Status::io_error("fsync of " + temp.string() + " failed: " + errno_text());
    ::close(fd);
    if (written.is_ok() && ::rename(temp.c_str(), target.c_str()) != 0)
      written = Status::io_error("cannot rename into " + target.string() + ": " + errno_text());
    if (!written.is_ok()) {
      fs::remove(temp, ec);
      return written;
    }
    return fsync_directory(dir_);
  }

  Result<std::optional<std::string>> get(std::string_view name) override {
    if (!parse_image_name(name))
      return std::optional<std::string>();
    return read_file(dir_ / std::string(name));
  }

  Result<bool> exists(std::string_view name) override {
    if (!parse_image_name(name))
      return false;
    std::error_code ec;
    const bool there = fs::is_regular_file(dir_ / std::string(name), ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
      return Status::io_error("cannot look at " + (dir_ / std::string(name)).string());
    return there;
  }

  std::string describe() const override { return "directory " + dir_.string(); }

 private:
  const fs::path dir_;
};

}  // namespace

Result<std::unique_ptr<ImageStore>> open_local_image_store(const fs::path& dir) {
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec)
    return Status::io_error("cannot create the image directory " + dir.string() + ": " +
                            ec.message());
  if (!fs::is_directory(dir, ec))
    return Status::io_error("the image store " + dir.string() + " is not a directory");
  // A directory made here is the owner's only, like the data directory; an
  // operator's own directory keeps the mode they gave it.
  if (created)
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec)
    return Status::io_error("cannot restrict " + dir.string() + ": " + ec.message());
  return std::unique_ptr<ImageStore>(std::make_unique<LocalImageStore>(dir));
}

Result<ImageCopyReport> copy_local_image_store(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  ImageCopyReport report;
  if (!fs::exists(from, ec))
    return report;
  auto target = open_local_image_store(to);
  if (!target)
    return target.status();
  for (auto it = fs::directory_iterator(from, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto parsed = parse_image_name(name);
    if (!parsed || !it->is_regular_file())
      continue;
    auto bytes = read_file(it->path());
    if (!bytes)
      return bytes.status();
    if (!bytes->has_value())
      continue;  // gone since the listing
    if (sha256_hex(**bytes) != parsed->hash) {
      report.damaged.push_back(name);
      continue;
    }
    ORDERLY_RETURN_IF_ERROR(
        (*target)->put(ImageFile{std::string(parsed->hash), parsed->format, std::move(**bytes)}));
    ++report.copied;
  }
  if (ec)
    return Status::io_error("cannot list " + from.string() + ": " + ec.message());
  return report;
}

Result<std::vector<std::string>> verify_local_image_store(const fs::path& dir,
                                                          const std::vector<std::string>& names) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::io_error("the image store " + dir.string() + " is not a directory");
  std::vector<std::string> bad;
  for (const std::string& name : names) {
    const auto parsed = parse_image_name(name);
    if (!parsed) {
      bad.push_back(name);
      continue;
    }
    auto bytes = read_file(dir / name);
    if (!bytes || !bytes->has_value() || sha256_hex(**bytes) != parsed->hash ||
        sniff_format(**bytes) != parsed->format) {
      bad.push_back(name);
    }
  }
  return bad;
}

}  // namespace orderly::api::images
