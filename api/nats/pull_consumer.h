// Reads a JetStream pull consumer with plain NATS: a core subscription on a
// private inbox, pull requests ({"batch", "expires"}) published to the
// consumer's $JS.API.CONSUMER.MSG.NEXT subject with that inbox as reply, and
// acknowledgements published to each message's reply subject.
//
// Why not NATS.c's own pull subscription (js_PullSubscribe + Fetch): with
// Debian 12's NATS.c 3.4.1, `orderly notify email` died of heap corruption
// when nats-server was killed and restarted under load; a core dump showed
// malloc's consistency check failing inside natsSubscription_Fetch (issue
// 8, tests/RELIABILITY.md). Core publish and subscribe are the library's
// most used paths, and they cross reconnects by themselves.
//
// Thread safety: one thread per PullConsumer.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::api::nats {

// One message, with what its reply subject says about it.
struct PulledMessage {
  natsMsg* msg = nullptr;  // destroyed by destroy_pulled()
  uint64_t stream_sequence = 0, consumer_sequence = 0, pending = 0;
};
void destroy_pulled(std::vector<PulledMessage>& messages);

// Creates the consumer (ephemeral when `config` has no Durable) on `stream`
// and returns its name.
Result<std::string> add_consumer(jsCtx* js, const std::string& stream, jsConsumerConfig& config);

class PullConsumer {
 public:
  // `nc` must outlive the PullConsumer; the consumer must exist.
  static Result<std::unique_ptr<PullConsumer>> open(natsConnection* nc, std::string stream,
                                                    std::string consumer);
  ~PullConsumer();
  PullConsumer(const PullConsumer&) = delete;
  PullConsumer& operator=(const PullConsumer&) = delete;

  // Appends up to `batch` messages to `out`, waiting at most about `wait`:
  // ok with none when nothing came. An error when the consumer is gone or
  // refuses (the caller makes it again), or NATS is away.
  Status fetch(int batch, std::chrono::milliseconds wait, std::vector<PulledMessage>& out);
  Status ack(const PulledMessage& m);
  // Asks for a redelivery after `delay`.
  Status nak(const PulledMessage& m, std::chrono::milliseconds delay);
  const std::string& consumer() const { return consumer_; }

 private:
  PullConsumer() = default;
  natsConnection* nc_ = nullptr;
  natsSubscription* inbox_sub_ = nullptr;
  std::string stream_, consumer_, inbox_, next_subject_;
};

// The sequences in a JetStream reply subject
// ($JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>,
// or the longer form with a domain and an account hash). False when it is
// not one.
bool parse_ack_subject(std::string_view reply, PulledMessage& out);

}  // namespace orderly::api::nats
