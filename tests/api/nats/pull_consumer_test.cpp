// The reply subjects a JetStream pull consumer's messages carry: the
// sequences read from them drive gap detection and de-duplication
// (api/nats/pull_consumer.h).
#include "api/nats/pull_consumer.h"

#include <doctest/doctest.h>

using orderly::api::nats::parse_ack_subject;
using orderly::api::nats::PulledMessage;

TEST_CASE("pull consumer: the sequences in both forms of a JetStream reply subject") {
  PulledMessage m;
  REQUIRE(parse_ack_subject("$JS.ACK.ORDERLY.email-notifier.2.1041.77.1700000000000000000.5", m));
  CHECK(m.stream_sequence == 1041);
  CHECK(m.consumer_sequence == 77);
  CHECK(m.pending == 5);
  PulledMessage v2;
  REQUIRE(parse_ack_subject(
      "$JS.ACK.hub.ACCHASH.ORDERLY.c1.1.9.3.1700000000000000000.0.randomtoken", v2));
  CHECK(v2.stream_sequence == 9);
  CHECK(v2.consumer_sequence == 3);
  CHECK(v2.pending == 0);
  for (const char* bad :
       {"", "_INBOX.abc", "$JS.ACK.ORDERLY.c1.1.9.3", "$JS.ACK.ORDERLY.c1.x.9.3.1.0",
        "$JS.ACK.ORDERLY.c1.1.-9.3.1.0", "$JS.NAK.ORDERLY.c1.1.9.3.1.0",
        "$JS.ACK.ORDERLY.c1.1.99999999999999999999999.3.1.0", "$JS.ACK.a.b.c.d.e.f.g.h.i.j"}) {
    CAPTURE(bad);
    PulledMessage x;
    CHECK_FALSE(parse_ack_subject(bad, x));
  }
}
