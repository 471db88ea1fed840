#include "api/payments/secret_file.h"

#include <fstream>

#include "core/text.h"

namespace orderly::api::payments {

Result<std::vector<std::string>> read_secrets(std::string_view flag, const std::string& path,
                                              size_t min_bytes) {
  const std::string name(flag);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::invalid_argument(name + ": cannot read " + path);
  std::vector<std::string> secrets;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    const std::string_view secret = trim_ows(line);
    if (secret.empty())
      continue;
    if (secret.size() < min_bytes) {
      std::string why = name;
      why += ": line ";
      why += std::to_string(line_number);
      why += " of ";
      why += path;
      why += " is shorter than ";
      why += std::to_string(min_bytes);
      why += " bytes";
      return Status::invalid_argument(std::move(why));
    }
    secrets.emplace_back(secret);
  }
  if (in.bad())
    return Status::invalid_argument(name + ": cannot read " + path);
  if (secrets.empty())
    return Status::invalid_argument(name + ": " + path + " holds no secret");
  return secrets;
}

Result<std::string> read_secret(std::string_view flag, const std::string& path) {
  auto secrets = read_secrets(flag, path);
  if (!secrets.is_ok())
    return secrets.status();
  if (secrets->size() != 1) {
    return Status::invalid_argument(std::string(flag) + ": " + path + " holds " +
                                    std::to_string(secrets->size()) +
                                    " lines, one secret expected");
  }
  return std::move(secrets->front());
}

}  // namespace orderly::api::payments
