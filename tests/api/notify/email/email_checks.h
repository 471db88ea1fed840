// What the email tests need beyond SmtpSink: a strict RFC 5322 check of a
// message (Python's email package, policy.default, plus the grammar of the
// Date and Message-ID fields), a private CA with a certificate for
// 127.0.0.1 (openssl), and an aiosmtpd that speaks STARTTLS or implicit TLS
// and stamps each message with whether it arrived over TLS.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/free_port.h"
#include "tests/support/process.h"
#include "tests/support/services.h"
#include "tests/support/temp_dir.h"

namespace orderly::testing {

// Exit 0 and "ok" when the message file is clean; else one problem a line.
inline constexpr const char* kRfc5322Checker = R"py(
import email, re, sys
from email import policy
from email.utils import parsedate_to_datetime
data = open(sys.argv[1], 'rb').read()
problems = []
for n, line in enumerate(data.split(b'\r\n'), 1):
    if len(line) > 998:
        problems.append(f'line {n}: {len(line)} octets (RFC 5322 2.1.1: at most 998)')
    if any(b > 127 for b in line):
        problems.append(f'line {n}: 8-bit octets')
    if b'\n' in line or b'\r' in line:
        problems.append(f'line {n}: a bare CR or LF')
raw = email.message_from_bytes(data)  # compat32: the fields as sent
msg = email.message_from_bytes(data, policy=policy.default)
for name in ('Date', 'From', 'To', 'Subject', 'Message-ID', 'MIME-Version'):
    if len(raw.get_all(name, [])) != 1:
        problems.append(f'{name}: {len(raw.get_all(name, []))} fields, not 1')
for part in msg.walk():
    for d in part.defects:
        problems.append(f'{part.get_content_type()}: {d!r}')
for name, value in msg.items():
    for d in getattr(value, 'defects', ()):
        problems.append(f'header {name}: {d!r}')
date = re.sub(r'\r\n(?=[ \t])', '', raw.get('Date', '')).strip()
day = r'(Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
month = r'(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
grammar = day + r', (0[1-9]|[12][0-9]|3[01]) ' + month + r' [0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60) [+-][0-9]{4}'
if not re.fullmatch(grammar, date):
    problems.append(f'Date: {date!r} is not an RFC 5322 date-time')
else:
    when = parsedate_to_datetime(date)
    if when.tzinfo is None or when.strftime('%a') != date[:3]:
        problems.append(f'Date: {date!r}: no zone, or the wrong day of the week')
atext = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
dot_atom = atext + r'(\.' + atext + r')*'
mid = raw.get('Message-ID', '').strip()
if not re.fullmatch('<' + dot_atom + '@' + dot_atom + '>', mid):
    problems.append(f'Message-ID: {mid!r} is not an RFC 5322 msg-id')
print('\n'.join(problems) if problems else 'ok')
sys.exit(1 if problems else 0)
)py";

// "" when the message in `path` passes the checks above, else what fails.
inline std::string rfc5322_problems(const std::string& path) {
  const std::string script = path + ".check.py";
  std::ofstream(script) << kRfc5322Checker;
  auto r = run_command({"/usr/bin/python3", script, path});
  std::filesystem::remove(script);
  return r.exit_code == 0 ? "" : r.output + " (exit " + std::to_string(r.exit_code) + ")";
}

// The same for a message held in memory.
inline std::string rfc5322_problems_of(const TempDir& dir, const std::string& message) {
  const std::string path = dir.path() + "/message.eml";
  std::ofstream(path, std::ios::binary) << message;
  return rfc5322_problems(path);
}

// RFC 5322 3.3 date-time, as a C++ regex over the Date line of a message.
inline bool has_rfc5322_date_line(const std::string& message) {
  static const std::regex date(
      "(^|\r\n)Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), (0[1-9]|[12][0-9]|3[01]) "
      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]:"
      "([0-5][0-9]|60) [+-][0-9]{4}\r\n");
  return std::regex_search(message, date);
}

// A CA, and a certificate it signed for 127.0.0.1 (subjectAltName IP).
struct TestPki {
  explicit TestPki(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir);
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "set -e; cd '" + dir + "'; " + "openssl req -x509 " + ec +
        " -keyout ca.key -out ca.pem -days 2 -subj '/CN=Orderly test CA' "
        "-addext 'basicConstraints=critical,CA:TRUE' "
        "-addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null; "
        "openssl req -new " +
        ec +
        " -keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null; "
        "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n"
        "keyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n' > ext.cnf; "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile ext.cnf 2>/dev/null";
    auto r = run_command({"/bin/sh", "-c", script});
    if (r.exit_code != 0)
      throw std::runtime_error("openssl could not make the test certificates");
  }
  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string cert() const { return dir_ + "/server.pem"; }
  std::string key() const { return dir_ + "/server.key"; }

 private:
  std::string dir_;
};

// aiosmtpd writing a Maildir; every message starts with "X-Test-TLS: yes"
// or "X-Test-TLS: no", as it arrived.
class TlsSmtpSink {
 public:
  enum class Mode {
    kPlain,             // no TLS offered
    kStartTls,          // STARTTLS offered and required before MAIL
    kStartTlsOptional,  // STARTTLS offered, clear text accepted too
    kImplicitTls,       // smtps: TLS from the first byte
  };
  TlsSmtpSink(const std::string& dir, Mode mode, const TestPki* pki)
      : dir_(dir), maildir_(dir + "/maildir"), mode_(mode) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/tlsmailbox.py") << R"py(
from aiosmtpd.handlers import Mailbox
class TlsMailbox(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        tls = server.transport.get_extra_info('ssl_object') is not None
        envelope.content = (b'X-Test-TLS: yes\r\n' if tls else b'X-Test-TLS: no\r\n') + envelope.content
        return await super().handle_DATA(server, session, envelope)
)py";
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "PYTHONPATH=" + dir,
                                     "/usr/bin/python3",
                                     "-m",
                                     "aiosmtpd",
                                     "-n",
                                     "-l",
                                     "127.0.0.1:" + std::to_string(port_)};
    if (mode == Mode::kStartTls || mode == Mode::kStartTlsOptional) {
      argv.insert(argv.end(), {"--tlscert", pki->cert(), "--tlskey", pki->key()});
      if (mode == Mode::kStartTlsOptional)
        argv.push_back("--no-requiretls");
    }
    if (mode == Mode::kImplicitTls)
      argv.insert(argv.end(), {"--smtpscert", pki->cert(), "--smtpskey", pki->key()});
    argv.insert(argv.end(), {"-c", "tlsmailbox.TlsMailbox", maildir_});
    proc_ = std::make_unique<ChildProcess>(argv);
    if (!wait_for_listener(port_, std::chrono::seconds(30)))
      throw std::runtime_error("aiosmtpd did not start");
  }
  std::string url() const {
    return (mode_ == Mode::kImplicitTls ? "smtps://127.0.0.1:" : "smtp://127.0.0.1:") +
           std::to_string(port_);
  }
  // Every message delivered so far, as text.
  std::vector<std::string> messages() const { return maildir_messages(maildir_); }
  // Without the account emails (the registration's verification link).
  std::vector<std::string> order_messages() const { return without_account_emails(messages()); }

 private:
  uint16_t port_ = free_port();
  std::string dir_, maildir_;
  Mode mode_;
  std::unique_ptr<ChildProcess> proc_;
};

}  // namespace orderly::testing
