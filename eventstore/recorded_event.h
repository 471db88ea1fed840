// An event read from the store, owning its (aligned) bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/envelope.h"

namespace orderly::eventstore {

class RecordedEvent {
 public:
  // Copies `bytes` into aligned storage and verifies them.
  static Result<RecordedEvent> copy_of(std::span<const uint8_t> bytes);

  RecordedEvent(RecordedEvent&&) noexcept = default;
  RecordedEvent& operator=(RecordedEvent&&) noexcept = default;

  const EventView& view() const { return view_; }
  const EventView* operator->() const { return &view_; }
  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(words_.data()), size_};
  }

 private:
  RecordedEvent() = default;
  std::vector<uint64_t> words_;  // 8-byte aligned storage; moves keep the address
  size_t size_ = 0;
  EventView view_;
};

}  // namespace orderly::eventstore
