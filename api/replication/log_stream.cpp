#include "api/replication/log_stream.h"

#include <charconv>
#include <cstdio>

#include "api/nats/jetstream.h"
#include "eventstore/crc32c.h"

namespace orderly::api::replication {

namespace {

std::optional<uint64_t> parse_u64(const char* text, int base = 10) {
  if (text == nullptr)
    return std::nullopt;
  const std::string_view s(text);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

const char* header(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  return natsMsgHeader_Get(msg, key, &value) == NATS_OK ? value : nullptr;
}

}  // namespace

Status ensure_log_stream(jsCtx* js, const LogStreamOptions& o) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js, kLogStream, nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return Status::ok();
  }
  if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr)
    return Status::unavailable(nats::nats_error("cannot read stream ORDERLY_LOG", s));
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = kLogStream;
  const char* subjects[] = {kLogSubject};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = static_cast<int64_t>(o.replicas);
  cfg.MaxBytes = o.max_bytes;
  cfg.MaxAge = std::chrono::duration_cast<std::chrono::nanoseconds>(o.max_age).count();
  cfg.MaxMsgSize = o.max_message_bytes + 4096;  // the headers
  cfg.Discard = js_DiscardOld;
  s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return Status::ok();
  }
  // Another node made it meanwhile.
  if (js_GetStreamInfo(&si, js, kLogStream, nullptr, nullptr) == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return Status::ok();
  }
  return Status::unavailable(nats::nats_error(
      "cannot create stream ORDERLY_LOG (" + std::to_string(o.replicas) + " replicas)", s));
}

Result<LogStreamState> log_stream_state(jsCtx* js) {
  jsStreamInfo* si = nullptr;
  const natsStatus s = js_GetStreamInfo(&si, js, kLogStream, nullptr, nullptr);
  if (s != NATS_OK)
    return Status::unavailable(nats::nats_error("cannot read stream ORDERLY_LOG", s));
  LogStreamState out;
  if (si->State.Msgs > 0) {
    out.first_sequence = si->State.FirstSeq;
    out.last_sequence = si->State.LastSeq;
  } else {
    out.last_sequence = si->State.LastSeq;  // emptied by retention: still where it ends
  }
  jsStreamInfo_Destroy(si);
  return out;
}

Result<natsMsg*> log_message(const eventstore::ReplicatedRecord& record, uint64_t term,
                             bool commit_end, uint64_t expected_last_sequence) {
  natsMsg* msg = nullptr;
  if (natsMsg_Create(&msg, kLogSubject, nullptr, record.bytes.data(),
                     static_cast<int>(record.bytes.size())) != NATS_OK) {
    return Status::internal("cannot make a NATS message");
  }
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", eventstore::crc32c(record.bytes));
  const std::string position = std::to_string(record.first_position);
  const std::string term_text = std::to_string(term);
  const std::string expected = std::to_string(expected_last_sequence);
  if (natsMsgHeader_Set(msg, "Orderly-Position", position.c_str()) != NATS_OK ||
      natsMsgHeader_Set(msg, "Orderly-Term", term_text.c_str()) != NATS_OK ||
      natsMsgHeader_Set(msg, "Orderly-Crc32c", crc) != NATS_OK ||
      (commit_end && natsMsgHeader_Set(msg, "Orderly-Commit-End", "1") != NATS_OK) ||
      // Set here rather than through jsPubOptions, which cannot say 0 (an
      // empty stream): the server checks the header whenever it is there.
      natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence", expected.c_str()) != NATS_OK) {
    natsMsg_Destroy(msg);
    return Status::internal("cannot set a NATS message header");
  }
  return msg;
}

Result<LogMessage> parse_log_message(natsMsg* msg) {
  LogMessage out;
  const auto position = parse_u64(header(msg, "Orderly-Position"));
  const auto term = parse_u64(header(msg, "Orderly-Term"));
  const auto crc = parse_u64(header(msg, "Orderly-Crc32c"), 16);
  if (!position || *position == 0 || !term || !crc)
    return Status::corruption("a message of ORDERLY_LOG lacks its Orderly-* headers");
  const char* data = natsMsg_GetData(msg);
  const int len = natsMsg_GetDataLength(msg);
  out.record.first_position = *position;
  out.record.bytes.assign(data == nullptr ? "" : data, static_cast<size_t>(len));
  if (eventstore::crc32c(out.record.bytes) != *crc) {
    return Status::corruption("the record at position " + std::to_string(*position) +
                              " in ORDERLY_LOG does not match its checksum");
  }
  out.term = *term;
  const char* end = header(msg, "Orderly-Commit-End");
  out.commit_end = end != nullptr && std::string_view(end) == "1";
  return out;
}

}  // namespace orderly::api::replication
