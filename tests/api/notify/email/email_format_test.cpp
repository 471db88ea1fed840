// The emails as Internet messages (issue 18): the Date header is an RFC 5322
// date-time (it was RFC 3339, "2026-12-06T09:42:56.874Z", which mail
// servers flag), the Message-ID a msg-id, no line longer than 998 octets,
// non-ASCII header values encoded; checked on the outbox's .eml and on the
// message a real SMTP server received. And the order is named as the web
// pages name it ("Order #0A1B2C3D"), with a link to its page built from
// --public-url (default: where the API listens).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/notify/email/email.h"
#include "api/notify/email/rfc5322.h"
#include "tests/api/notify/email/email_checks.h"
#include "tests/api/shop_steps.h"
#include "tests/support/json_fields.h"
#include "tests/support/order_label.h"
#include "tests/support/orderly_server.h"
#include "tests/support/services.h"
#include "tests/support/shop_requests.h"

using namespace orderly;
using namespace orderly::testing;

namespace {

// The order emails in the outbox (not the registration's verification link).
std::vector<std::string> outbox_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".eml")
      continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!without_account_emails({text.str()}).empty())
      out.push_back(f.path().string());
  }
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Maildir keeps messages with LF line ends; on the wire they were CRLF.
std::string with_crlf(const std::string& stored) {
  std::string out;
  for (size_t i = 0; i < stored.size(); ++i) {
    if (stored[i] == '\n' && (i == 0 || stored[i - 1] != '\r'))
      out += '\r';
    out += stored[i];
  }
  return out;
}

// The Subject and the plain-text part as a mail reader shows them (LF line ends).
std::string decoded_subject_and_text(const std::string& path) {
  auto r = run_command(
      {"/usr/bin/python3", "-c",
       "import email, sys\nfrom email import policy\n"
       "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)\n"
       "sys.stdout.write(m['Subject'] + '\\n' + "
       "m.get_body(('plain',)).get_content().replace('\\r\\n', '\\n'))\n",
       path});
  return r.output;
}

}  // namespace

TEST_CASE("email format: RFC 5322 dates, message ids, encoded subjects, lines that fit") {
  // 2026-12-06T09:42:56.874Z, the instant of the example.
  CHECK(api::notify::email::rfc5322_date(1796550176874000) == "Sun, 06 Dec 2026 09:42:56 +0000");
  CHECK(api::notify::email::rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
  CHECK(api::notify::email::rfc5322_message_id("0192f0c1-aaaa", "shop@example.com") ==
        "<0192f0c1-aaaa@example.com>");
  CHECK(api::notify::email::rfc5322_message_id("0192f0c1-aaaa", "orders@localhost") ==
        "<0192f0c1-aaaa@localhost>");
  CHECK(api::notify::email::rfc5322_message_id("x", "not an address") == "<x@orderly.invalid>");

  // A subject in UTF-8, a product line far longer than 998 octets, a line
  // of one dot and one with "=": all survive as a mail reader decodes them.
  api::notify::email::Email e;
  e.from = "shop@example.com";
  e.to = "ada@example.com";
  e.message_id = "<0192f0c1-0000-7000-8000-0123456789ab@example.com>";
  e.subject = "Commande #0A1B2C3D reçue: café crème, 2 × 12,50 € — merci beaucoup, à bientôt!";
  e.text = "Bonjour,\n" + std::string(2000, 'x') + "\n.\n1 = 1\ntrailing space \n";
  e.html = "<p>caf\xc3\xa9</p>";
  const std::string m = api::notify::email::mime_message(e);
  TempDir dir;
  CHECK(rfc5322_problems_of(dir, m) == "");
  CHECK(has_rfc5322_date_line(m));
  CHECK(m.find("Subject: =?utf-8?B?") != std::string::npos);
  CHECK(m.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
  const std::string shown = decoded_subject_and_text(dir.path() + "/message.eml");
  CAPTURE(shown);
  CHECK(shown.find(e.subject + "\n") == 0);
  CHECK(shown.find(std::string(2000, 'x') + "\n.\n1 = 1\ntrailing space \n") != std::string::npos);
  // Plain ASCII stays readable as it is (7bit).
  api::notify::email::Email plain = e;
  plain.subject = "Order #0A1B2C3D received: 25.00 USD";
  plain.text = "Hello ada,\n  2 x Espresso cup at 12.50 USD = 25.00 USD\n";
  plain.html = "<p>Hello</p>";
  const std::string p = api::notify::email::mime_message(plain);
  CHECK(rfc5322_problems_of(dir, p) == "");
  CHECK(p.find("Subject: Order #0A1B2C3D received: 25.00 USD\r\n") != std::string::npos);
  CHECK(p.find("Content-Transfer-Encoding: 7bit") != std::string::npos);
  CHECK(p.find("2 x Espresso cup at 12.50 USD = 25.00 USD") != std::string::npos);
}

TEST_CASE("email format: the outbox .eml is RFC 5322 and links to the order on the API's address") {
  OrderlyServer server({"--mail-from", "shop@example.com"});
  Session ada = server.register_user("ada");
  const std::string order = place_order(server, ada);
  auto files = wait_for_messages([&] { return outbox_files(server.data_dir() + "/outbox"); }, 1,
                                 std::chrono::seconds(60));
  REQUIRE(files.size() == 1);
  const std::string m = read_all(files[0]);
  CAPTURE(m);
  CHECK(has_rfc5322_date_line(m));
  CHECK(rfc5322_problems(files[0]) == "");
  CHECK(m.find("Message-ID: <") != std::string::npos);
  CHECK(m.find("@example.com>\r\n") != std::string::npos);
  // Named as the pages name it, linked to its page (default: the API's address).
  const std::string label = order_label(order);
  CHECK(m.find("Subject: Order " + label + " received: 12.50 USD\r\n") != std::string::npos);
  const std::string link =
      "http://127.0.0.1:" + std::to_string(server.port()) + "/#/orders/" + order;
  CHECK(m.find("Your order: " + link + "\r\n") != std::string::npos);
  CHECK(m.find("<a href=\"" + link + "\">See order " + label + "</a>") != std::string::npos);
  // That page exists: the shop's pages route #/orders/<id>.
  HttpClient c = server.client();
  CHECK(c.request("GET", "/web/app.js").body.find("add('/orders/:id', orderView") !=
        std::string::npos);
}

TEST_CASE("email format: the message a real SMTP server received is RFC 5322, --public-url links") {
  TempDir mail;
  SmtpSink smtp(mail.sub("maildir"));
  smtp.start();
  OrderlyServer server({"--smtp-url", smtp.url(), "--public-url", "https://shop.example.com/"});
  Session ada = server.register_user("ada");
  const std::string order = place_order(server, ada);
  auto messages =
      wait_for_messages([&] { return smtp.order_messages(); }, 1, std::chrono::seconds(60));
  REQUIRE(messages.size() == 1);
  const std::string m = with_crlf(messages[0]);
  CAPTURE(m);
  CHECK(has_rfc5322_date_line(m));
  CHECK(rfc5322_problems_of(mail, m) == "");
  CHECK(m.find("Message-ID: <") != std::string::npos);
  CHECK(m.find("@localhost>\r\n") != std::string::npos);  // the default --mail-from's domain
  const std::string label = order_label(order);
  CHECK(m.find("Subject: Order " + label + " received: 12.50 USD\r\n") != std::string::npos);
  CHECK(m.find("Your order: https://shop.example.com/#/orders/" + order + "\r\n") !=
        std::string::npos);
  CHECK(m.find("<a href=\"https://shop.example.com/#/orders/" + order + "\">See order " + label) !=
        std::string::npos);
}
