#include "api/notify/email/email.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "api/notify/email/rfc5322.h"
#include "core/clock.h"

namespace orderly::api::notify::email {

extern const std::pair<std::string_view, std::string_view> kEmailTemplates[];
extern const int kEmailTemplateCount;

namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// {{name}} -> value; values named *_html are already HTML and go in as is.
std::string fill(std::string_view text, const std::map<std::string, std::string>& vars, bool html) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    const size_t close = text.find("}}", open);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const std::string key(text.substr(open + 2, close - open - 2));
    auto it = vars.find(key);
    const std::string value = it == vars.end() ? "" : it->second;
    out += html && !key.ends_with("_html") ? html_escape(value) : value;
    i = close + 2;
  }
  return out;
}

// The subject stays on one line (header_field makes it a clean header).
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n')
      c = ' ';
  }
  return s;
}

}  // namespace

Result<Email> render_email(const std::string& name,
                           const std::map<std::string, std::string>& vars) {
  for (int i = 0; i < kEmailTemplateCount; ++i) {
    if (kEmailTemplates[i].first != name)
      continue;
    const std::string_view t = kEmailTemplates[i].second;
    const size_t text_at = t.find("--- text\n");
    const size_t html_at = t.find("--- html\n");
    if (!t.starts_with("Subject: ") || text_at == std::string_view::npos ||
        html_at == std::string_view::npos || html_at < text_at) {
      return Status::internal("email template " + name + " is malformed");
    }
    Email e;
    e.subject = one_line(fill(t.substr(9, t.find('\n') - 9), vars, false));
    e.text = fill(t.substr(text_at + 9, html_at - text_at - 9), vars, false);
    e.html = fill(t.substr(html_at + 9), vars, true);
    return e;
  }
  return Status::not_found("no email template " + name);
}

std::string mime_message(const Email& e) {
  // The message id's local part (a UUID: hex and dashes) names the boundary,
  // which must not occur in the parts: they are 7bit text or
  // quoted-printable, and neither has "--orderly-" followed by that id.
  const size_t at = e.message_id.find('@');
  const std::string local =
      at == std::string::npos || at < 1 ? "message" : e.message_id.substr(1, at - 1);
  const std::string boundary = "orderly-" + local;
  std::string m;
  m += header_field("From", e.from);
  m += header_field("To", e.to);
  m += header_field("Subject", e.subject);
  m += header_field("Message-ID", e.message_id);
  m += header_field("Date", rfc5322_date(e.date_us != 0 ? e.date_us : now_us()));
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  auto part = [&](const char* type, const std::string& text) {
    const EncodedBody body = encode_body(text);
    m += "--" + boundary + "\r\nContent-Type: " + type +
         "; charset=utf-8\r\nContent-Transfer-Encoding: " + body.transfer_encoding + "\r\n\r\n";
    // Lines end in CRLF; a line of one "." would end the message on the
    // wire, which libcurl prevents by dot-stuffing.
    m += body.text;
    m += "\r\n";
  };
  part("text/plain", e.text);
  part("text/html", e.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Upload {
  std::string data;
  size_t at = 0;
  const SmtpOptions* options = nullptr;
  SteadyClock::time_point started, stop_seen, accepted_at;
  bool done = false;  // the last byte was handed to libcurl
  // The server's first reply after that: the reply to the message itself.
  bool final_reply_seen = false, accepted = false;
  bool given_up_before_sent = false, cut_by_stop = false;
};

// How long QUIT may take once the message was accepted: its answer changes
// nothing, and the outcome must be recorded soon.
constexpr auto kQuitTimeout = std::chrono::seconds(10);

size_t read_upload(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t chunk = std::min(size * n, u->data.size() - u->at);
  // libcurl takes `chunk` bytes, not a C string.
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
  std::memcpy(buffer, u->data.data() + u->at, chunk);
  u->at += chunk;
  if (chunk == 0)
    u->done = true;
  return chunk;
}

// libcurl hands every SMTP reply line here (as "headers").
size_t on_reply(char* line, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  if (u->done && !u->final_reply_seen && size * n >= 3) {
    u->final_reply_seen = true;
    u->accepted = line[0] == '2';
    u->accepted_at = SteadyClock::now();
  }
  return size * n;
}

// libcurl has one timeout for every server reply; this callback, which it
// calls about once a second while it waits, gives the phases before the
// message is handed over their own, shorter one. Non-zero aborts.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* u = static_cast<Upload*>(user);
  const auto now = SteadyClock::now();
  if (u->accepted)  // delivered: only QUIT is left
    return now - u->accepted_at > kQuitTimeout ? 1 : 0;
  if (!u->done && now - u->started > std::chrono::seconds(u->options->send_timeout_s)) {
    u->given_up_before_sent = true;
    return 1;
  }
  if (u->options->stopping != nullptr && u->options->stopping->load()) {
    if (!u->done)
      return u->cut_by_stop = true;
    if (u->stop_seen == SteadyClock::time_point{})
      u->stop_seen = now;
    if (now - u->stop_seen > std::chrono::seconds(u->options->stop_grace_s))
      return u->cut_by_stop = true;
  }
  return 0;
}

}  // namespace

void curl_init_once() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Status send_smtp(const SmtpOptions& smtp, const Email& e) {
  curl_init_once();
  CURL* curl = curl_easy_init();
  if (curl == nullptr)
    return Status::internal("libcurl could not start");
  Upload upload;
  upload.data = mime_message(e);
  upload.options = &smtp;
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + e.to + ">").c_str());
  const std::string from = "<" + e.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, smtp.url.c_str());
  apply_smtp_tls(curl, smtp.tls, smtp.ca_file);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, smtp.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, smtp.final_reply_timeout_s);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, smtp.send_timeout_s + smtp.final_reply_timeout_s);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &upload);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_reply);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &upload);
  // QUIT inside curl_easy_perform, where on_progress bounds it, rather than
  // in curl_easy_cleanup, which would wait for it as long as for the reply
  // to the message (10 minutes), before the delivery is recorded.
  curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  upload.started = SteadyClock::now();
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (upload.accepted)
    return Status::ok();  // whatever became of QUIT: the server took the message
  if (rc == CURLE_ABORTED_BY_CALLBACK && upload.given_up_before_sent) {
    return Status::io_error("SMTP: timed out: the message was not handed over within " +
                            std::to_string(smtp.send_timeout_s) + " s");
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK && upload.cut_by_stop) {
    return Status::shutting_down(upload.done ? "SMTP: stopped while waiting for the final reply"
                                             : "SMTP: stopped before the message was handed over");
  }
  if (rc != CURLE_OK)
    return Status::io_error(smtp_tls_error(rc, error, smtp.tls, smtp.ca_file));
  return Status::ok();
}

// Written beside its final name and renamed, so a reader of the outbox
// never sees half a message. Plain system calls: a stream's buffer and
// locale for each of thousands of emails a second cost more than the
// write itself.
Status write_eml(const std::string& dir, const std::string& file_stem, const Email& e) {
  const std::string path = dir + "/" + file_stem + ".eml";
  const std::string tmp = path + ".tmp";
  const std::string text = mime_message(e);
  auto open_tmp = [&] {
    return ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  };
  int fd = open_tmp();
  if (fd < 0 && errno == ENOENT) {  // the first email: no outbox yet
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    fd = open_tmp();
  }
  if (fd < 0)
    return Status::io_error("cannot write " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "no space written";
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::io_error("cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::io_error("cannot write " + tmp + ": " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::io_error("cannot rename " + tmp + ": " + why);
  }
  return Status::ok();
}

}  // namespace orderly::api::notify::email
