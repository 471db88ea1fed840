// `orderly serve`'s OpenID Connect flags: incomplete or insecure settings
// stop it at start with status 2 and say which flag is wrong, before any
// data directory is opened.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace orderly::testing;

namespace {

const std::string kOrderly = ORDERLY_BINARY;

// The exit code, and what it logged (stderr) as the output.
RunResult serve(const std::string& data, std::vector<std::string> flags) {
  const std::string log = data + ".log";
  std::filesystem::remove(log);
  std::vector<std::string> argv = {kOrderly,       "serve", "--data-dir",     data,
                                   "--log-format", "json",  "--http-address", "127.0.0.1:0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  RunResult r = run_command(with_stderr_to(log, argv));
  std::ifstream in(log);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

}  // namespace

TEST_CASE("orderly serve: incomplete or insecure OpenID flags exit 2 naming the flag") {
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string secret = dir.sub("client.secret");
  std::ofstream(secret) << "s3cret\n";
  const std::string empty = dir.sub("empty.secret");
  std::ofstream(empty) << "\n";

  auto r = serve(data, {"--oidc-client-id", "orderly"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--oidc-issuer") != std::string::npos);
  r = serve(data, {"--oidc-issuer", "http://op.example", "--oidc-client-id", "orderly",
                   "--oidc-client-secret-file", secret});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("https") != std::string::npos);
  r = serve(data, {"--oidc-issuer", "https://op.example", "--oidc-client-secret-file", secret});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--oidc-client-id") != std::string::npos);
  r = serve(data, {"--oidc-issuer", "https://op.example", "--oidc-client-id", "orderly",
                   "--oidc-client-secret-file", dir.sub("missing")});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--oidc-client-secret-file") != std::string::npos);
  r = serve(data, {"--oidc-issuer", "https://op.example", "--oidc-client-id", "orderly",
                   "--oidc-client-secret-file", empty});
  CHECK(r.exit_code == 2);
  // The secret never reaches the output.
  r = serve(data, {"--oidc-issuer", "ftp://op.example", "--oidc-client-id", "orderly",
                   "--oidc-client-secret-file", secret});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("s3cret") == std::string::npos);
  // Refused before the data directory was made.
  CHECK_FALSE(std::filesystem::exists(data));
}
