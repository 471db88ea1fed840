#include "commands/event_sink.h"

#include <cstring>

namespace orderly::commands {

namespace {
constexpr std::string_view kNames[] = {"user",         "product",   "cart",     "order",  "payment",
                                       "notification", "analytics", "category", "webhook"};
}

std::string_view aggregate_name(Aggregate a) {
  return kNames[static_cast<size_t>(a)];
}

std::string stream_name(Aggregate aggregate, const Uuid& id) {
  std::string s;
  assign_stream_name(s, aggregate, id);
  return s;
}

void assign_stream_name(std::string& out, Aggregate aggregate, const Uuid& id) {
  out.clear();
  out.append(aggregate_name(aggregate));
  out.push_back('-');
  out.append(id.to_string());
}

bool parse_stream_name(std::string_view stream, Aggregate* aggregate, Uuid* id) {
  const size_t dash = stream.find('-');
  if (dash == std::string_view::npos)
    return false;
  const std::string_view name = stream.substr(0, dash);
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (name == kNames[i]) {
      auto u = Uuid::parse(stream.substr(dash + 1));
      if (!u)
        return false;
      *aggregate = static_cast<Aggregate>(i);
      *id = *u;
      return true;
    }
  }
  return false;
}

void EventSink::push(Aggregate aggregate, const Uuid& id, EventType type) {
  const size_t size = fbb_.GetSize();
  const size_t words = (size + 7) / 8;
  const size_t offset = arena_used_;
  if (arena_.size() * 8 < offset + words * 8)
    arena_.resize(std::max(arena_.size() * 2, (offset / 8) + words + 64));
  std::memcpy(reinterpret_cast<uint8_t*>(arena_.data()) + offset, fbb_.GetBufferPointer(), size);
  arena_used_ = offset + words * 8;
  if (count_ == events_.size())
    events_.emplace_back();
  Event& e = events_[count_++];
  e.aggregate = aggregate;
  e.id = id;
  assign_stream_name(e.stream, aggregate, id);
  e.type = type;
  e.offset = offset;
  e.size = size;
}

void EventSink::truncate(size_t count) {
  if (count >= count_)
    return;
  count_ = count;
  arena_used_ =
      count == 0 ? 0 : events_[count - 1].offset + ((events_[count - 1].size + 7) / 8) * 8;
}

}  // namespace orderly::commands
