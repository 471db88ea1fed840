#include "core/event_json.h"
#include "core/json_writer.h"

#include <flatbuffers/idl.h>

#include <cstdio>
#include <memory>
#include <regex>

#include "core/event_schemas_text.h"  // generated: kEventSchemasText

namespace orderly {

namespace {

// One parser per thread: SetRootType changes it, and parsing the schemas
// once per thread is cheap next to a replay.
flatbuffers::Parser& parser() {
  thread_local std::unique_ptr<flatbuffers::Parser> p = [] {
    flatbuffers::IDLOptions opts;
    opts.strict_json = true;
    opts.indent_step = -1;  // one line
    opts.output_default_scalars_in_json = true;
    auto parser = std::make_unique<flatbuffers::Parser>(opts);
    if (!parser->Parse(kEventSchemasText)) {
      std::fprintf(stderr, "orderly: embedded event schemas do not parse: %s\n",
                   parser->error_.c_str());
    }
    return parser;
  }();
  return *p;
}

// The FlatBuffers table name of each type, from the registry's X-macro.
const char* table_name(EventType type) {
  switch (type) {
#define ORDERLY_X(id, table, name) \
  case EventType::k##table:        \
    return "orderly.events." #table;
    ORDERLY_EVENT_TYPES(ORDERLY_X)
#undef ORDERLY_X
  }
  return nullptr;
}

std::string redact_hashes(const std::string& json) {
  static const std::regex kHash(R"re("([a-z_]*_hash)": ?"(?:[^"\\]|\\.)*")re");
  return std::regex_replace(json, kHash, R"("$1":"[redacted]")");
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  JsonWriter::append_quoted(out, text);
  return out;
}

Result<std::string> event_data_json(const EventView& event) {
  const char* table = table_name(event.type());
  flatbuffers::Parser& p = parser();
  if (table == nullptr || !p.SetRootType(table)) {
    return Status::internal("no schema for event type " + std::string(event.type_name()));
  }
  std::string json;
  if (!flatbuffers::GenerateText(p, event.payload().data(), &json)) {
    return Status::internal("cannot render " + std::string(event.type_name()) + " as JSON");
  }
  while (!json.empty() && (json.back() == '\n' || json.back() == ' '))
    json.pop_back();
  return redact_hashes(json);
}

std::string event_json_line(const EventView& event) {
  std::string line = "{\"position\":" + std::to_string(event.position()) +
                     ",\"stream\":" + json_quote(event.stream()) +
                     ",\"version\":" + std::to_string(event.version()) +
                     ",\"type\":" + json_quote(event.type_name()) +
                     ",\"time\":" + json_quote(format_rfc3339(event.time_us())) +
                     ",\"command_id\":";
  line += event.command_id().empty() ? "null" : json_quote(event.command_id());
  line += ",\"correlation_id\":";
  line += event.correlation_id().empty() ? "null" : json_quote(event.correlation_id());
  auto data = event_data_json(event);
  line += ",\"data\":";
  line += data.is_ok() ? *data : "null";
  line += "}";
  return line;
}

}  // namespace orderly
