#include "eventstore/recorded_event.h"

#include <cstring>

namespace orderly::eventstore {

Result<RecordedEvent> RecordedEvent::copy_of(std::span<const uint8_t> bytes) {
  RecordedEvent e;
  e.words_.resize((bytes.size() + 7) / 8);
  if (!bytes.empty())  // memcpy's pointers must not be null, even for 0 bytes
    std::memcpy(e.words_.data(), bytes.data(), bytes.size());
  e.size_ = bytes.size();
  auto view = decode_event(e.bytes());
  if (!view)
    return view.status();
  e.view_ = *view;
  return e;
}

}  // namespace orderly::eventstore
