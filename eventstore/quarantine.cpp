#include "eventstore/quarantine.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "eventstore/crc32c.h"

namespace orderly::eventstore {

namespace {

constexpr std::string_view kMagic = "ORDERLY-QUARANTINE-1\n";

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace

Status write_quarantine_file(const std::string& path,
                             const std::vector<ReplicatedRecord>& records) {
  std::string out(kMagic);
  for (const ReplicatedRecord& r : records) {
    put_le(out, r.first_position, 8);
    put_le(out, r.bytes.size(), 4);
    put_le(out, crc32c(r.bytes), 4);
    out += r.bytes;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::io_error("cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      std::string why = "cannot write " + path;
      why.append(": ").append(std::strerror(errno));
      ::close(fd);
      return Status::io_error(why);
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced)
    return Status::io_error("cannot sync " + path);
  return Status::ok();
}

Result<std::vector<ReplicatedRecord>> read_quarantine_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::not_found("cannot open " + path);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!all.starts_with(kMagic))
    return Status::corruption(path + " is not a quarantine file");
  std::vector<ReplicatedRecord> out;
  size_t at = kMagic.size();
  while (at < all.size()) {
    if (all.size() - at < 16)
      return Status::corruption(path + " ends inside a record's header");
    ReplicatedRecord r;
    r.first_position = get_le(all.data() + at, 8);
    const uint64_t len = get_le(all.data() + at + 8, 4);
    const auto crc = static_cast<uint32_t>(get_le(all.data() + at + 12, 4));
    at += 16;
    if (all.size() - at < len)
      return Status::corruption(path + " ends inside a record");
    r.bytes = all.substr(at, len);
    at += len;
    if (crc32c(r.bytes) != crc) {
      return Status::corruption("the record at position " + std::to_string(r.first_position) +
                                " in " + path + " does not match its checksum");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace orderly::eventstore
