#include "api/auth/secret.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace orderly::api::auth {

Result<std::string> load_jwt_secret(const std::string& file, const std::string& data_dir) {
  const std::string path = file.empty() ? data_dir + "/jwt.secret" : file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!file.empty())
      return Status::invalid_argument("--jwt-secret-file: cannot read " + path);
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
      return Status::io_error("cannot create " + path);
    const bool ok = ::write(fd, hex, 64) == 64 && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok)
      return Status::io_error("cannot write " + path);
    return std::string(hex, 64);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
    secret.pop_back();
  if (secret.size() < 32)
    return Status::invalid_argument("the JWT secret in " + path + " is shorter than 32 bytes");
  return secret;
}

}  // namespace orderly::api::auth
