#include "api/images/s3/s3_credentials.h"

#include <fstream>
#include <sstream>

namespace orderly::api::images::s3 {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Result<S3Credentials> parse_s3_credentials(std::string_view text, std::string_view origin) {
  S3Credentials out;
  size_t line_number = 0;
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("--s3-credentials-file " + std::string(origin) + " line " +
                                    std::to_string(line_number) + ": " + why);
  };
  while (!text.empty()) {
    ++line_number;
    const size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '[')
      continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return bad("expected \"name = value\"");
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    std::string* field = nullptr;
    if (key == "aws_access_key_id")
      field = &out.access_key_id;
    else if (key == "aws_secret_access_key")
      field = &out.secret_access_key;
    else
      return bad("unknown key \"" + std::string(key) +
                 "\" (only aws_access_key_id and aws_secret_access_key)");
    if (!field->empty())
      return bad(std::string(key) + " given twice");
    if (value.empty())
      return bad(std::string(key) + " is empty");
    *field = std::string(value);
  }
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return Status::invalid_argument("--s3-credentials-file " + std::string(origin) +
                                    " needs both aws_access_key_id and aws_secret_access_key");
  }
  return out;
}

Result<S3Credentials> read_s3_credentials(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return Status::invalid_argument("--s3-credentials-file: cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_s3_credentials(text.str(), file.string());
}

}  // namespace orderly::api::images::s3
