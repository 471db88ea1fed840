#include "api/nats/pull_consumer.h"

#include <charconv>

#include "api/nats/jetstream.h"

namespace orderly::api::nats {

namespace {

bool parse_u64(std::string_view text, uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The value of a status message's header, "" when it has none.
std::string header_of(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  return natsMsgHeader_Get(msg, key, &value) == NATS_OK && value != nullptr ? value : "";
}

}  // namespace

void destroy_pulled(std::vector<PulledMessage>& messages) {
  for (auto& m : messages)
    natsMsg_Destroy(m.msg);
  messages.clear();
}

bool parse_ack_subject(std::string_view reply, PulledMessage& out) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (start <= reply.size() && tokens.size() < 16) {
    const size_t dot = reply.find('.', start);
    const size_t end = dot == std::string_view::npos ? reply.size() : dot;
    tokens.push_back(reply.substr(start, end - start));
    if (dot == std::string_view::npos)
      break;
    start = dot + 1;
  }
  if (tokens.size() < 9 || tokens[0] != "$JS" || tokens[1] != "ACK")
    return false;
  // v1: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>
  // v2: $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>...
  const size_t first = tokens.size() == 9 ? 4 : 6;
  if (tokens.size() != 9 && tokens.size() < 11)
    return false;
  uint64_t delivered = 0, time = 0;
  return parse_u64(tokens[first], delivered) && parse_u64(tokens[first + 1], out.stream_sequence) &&
         parse_u64(tokens[first + 2], out.consumer_sequence) &&
         parse_u64(tokens[first + 3], time) && parse_u64(tokens[first + 4], out.pending);
}

Result<std::string> add_consumer(jsCtx* js, const std::string& stream, jsConsumerConfig& config) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_AddConsumer(&ci, js, stream.c_str(), &config, nullptr, &code);
  if (s != NATS_OK) {
    return Status::io_error(nats_error("cannot make a consumer on stream " + stream, s) +
                            (code != 0 ? " [JetStream error " + std::to_string(code) + "]" : ""));
  }
  std::string name = ci->Name != nullptr ? ci->Name : "";
  jsConsumerInfo_Destroy(ci);
  if (name.empty())
    return Status::io_error("the new consumer on stream " + stream + " has no name");
  return name;
}

Result<std::unique_ptr<PullConsumer>> PullConsumer::open(natsConnection* nc, std::string stream,
                                                         std::string consumer) {
  std::unique_ptr<PullConsumer> p(new PullConsumer());
  p->nc_ = nc;
  p->stream_ = std::move(stream);
  p->consumer_ = std::move(consumer);
  p->next_subject_ = "$JS.API.CONSUMER.MSG.NEXT." + p->stream_ + "." + p->consumer_;
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK)
    return Status::internal("cannot make a NATS inbox");
  p->inbox_ = inbox;
  natsInbox_Destroy(inbox);
  const natsStatus s = natsConnection_SubscribeSync(&p->inbox_sub_, nc, p->inbox_.c_str());
  if (s != NATS_OK) {
    p->inbox_sub_ = nullptr;
    return Status::io_error(nats_error("cannot subscribe the pull inbox", s));
  }
  return p;
}

PullConsumer::~PullConsumer() {
  if (inbox_sub_ != nullptr) {
    natsSubscription_Unsubscribe(inbox_sub_);
    natsSubscription_Destroy(inbox_sub_);
  }
}

Status PullConsumer::fetch(int batch, std::chrono::milliseconds wait,
                           std::vector<PulledMessage>& out) {
  const int64_t expires_ns = static_cast<int64_t>(wait.count()) * 1'000'000;
  const std::string request =
      R"({"batch":)" + std::to_string(batch) + R"(,"expires":)" + std::to_string(expires_ns) + "}";
  natsStatus s = natsConnection_PublishRequestString(nc_, next_subject_.c_str(), inbox_.c_str(),
                                                     request.c_str());
  if (s != NATS_OK)
    return Status::io_error(nats_error("cannot ask " + consumer_ + " for messages", s));
  // The server ends the request with a status message (408 when it
  // expires); a little longer here so that one is usually read too.
  const auto deadline = std::chrono::steady_clock::now() + wait + std::chrono::milliseconds(250);
  int got = 0;
  while (got < batch) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0)
      return Status::ok();
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, inbox_sub_, left);
    if (s == NATS_TIMEOUT)
      return Status::ok();
    if (s != NATS_OK)
      return Status::io_error(nats_error("reading the pull inbox", s));
    PulledMessage m;
    const char* reply = natsMsg_GetReply(msg);
    if (reply != nullptr && parse_ack_subject(reply, m)) {
      m.msg = msg;
      out.push_back(m);
      ++got;
      continue;
    }
    // A status message: 404/408 end a request (this one, or an earlier one
    // whose answer came late), 100 is a heartbeat; 409 and 503 mean the
    // consumer is gone or refuses.
    const std::string status = header_of(msg, "Status");
    const std::string description = header_of(msg, "Description");
    natsMsg_Destroy(msg);
    if (status == "404" || status == "408")
      return Status::ok();
    if (status == "409" || status == "503" || status == "400") {
      std::string what = "consumer ";
      what += consumer_;
      what += " on stream ";
      what += stream_;
      what += ": ";
      what += status;
      what += ' ';
      what += description;
      return Status::not_found(std::move(what));
    }
  }
  return Status::ok();
}

Status PullConsumer::ack(const PulledMessage& m) {
  const char* reply = natsMsg_GetReply(m.msg);
  if (reply == nullptr)
    return Status::invalid_argument("not a JetStream message");
  const natsStatus s = natsConnection_PublishString(nc_, reply, "+ACK");
  return s == NATS_OK ? Status::ok() : Status::io_error(nats_error("cannot acknowledge", s));
}

Status PullConsumer::nak(const PulledMessage& m, std::chrono::milliseconds delay) {
  const char* reply = natsMsg_GetReply(m.msg);
  if (reply == nullptr)
    return Status::invalid_argument("not a JetStream message");
  const std::string body =
      R"(-NAK {"delay":)" + std::to_string(static_cast<int64_t>(delay.count()) * 1'000'000) + "}";
  const natsStatus s = natsConnection_PublishString(nc_, reply, body.c_str());
  return s == NATS_OK ? Status::ok() : Status::io_error(nats_error("cannot refuse a message", s));
}

}  // namespace orderly::api::nats
