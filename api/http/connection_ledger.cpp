#include "api/http/connection_ledger.h"

#include <algorithm>

namespace orderly::api::http {

bool ConnectionLedger::open(const std::string& address) {
  MutexLock lock(mu_);
  if (total_ >= limits_.max_connections)
    return false;
  auto it = by_address_.find(address);
  const size_t held = it == by_address_.end() ? 0 : it->second.connections;
  if (held >= limits_.per_address)
    return false;
  const size_t reserved = std::min(limits_.reserve, limits_.max_connections);
  if (total_ >= limits_.max_connections - reserved && held >= kGuestConnections)
    return false;
  if (it == by_address_.end())
    it = by_address_.emplace(address, Held{}).first;
  ++it->second.connections;
  ++total_;
  return true;
}

void ConnectionLedger::close(const std::string& address) {
  MutexLock lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end() || it->second.connections == 0)
    return;
  --total_;
  if (--it->second.connections == 0)
    by_address_.erase(it);
}

bool ConnectionLedger::open_websocket(const std::string& address) {
  MutexLock lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end() || it->second.websockets >= limits_.websockets_per_address)
    return false;
  ++it->second.websockets;
  ++websockets_;
  return true;
}

void ConnectionLedger::close_websocket(const std::string& address) {
  MutexLock lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end() || it->second.websockets == 0)
    return;
  --it->second.websockets;
  --websockets_;
}

bool ConnectionLedger::reserve_body(const std::string& address, size_t bytes) {
  MutexLock lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end())
    return false;
  // One body always fits an address holding none: a route's limit may pass
  // the share (an admin's image upload, --max-image-bytes), and admission
  // has checked that limit and the caller before any byte is reserved.
  if (it->second.body_bytes > 0 && it->second.body_bytes + bytes > limits_.body_bytes_per_address)
    return false;
  it->second.body_bytes += bytes;
  return true;
}

void ConnectionLedger::release_body(const std::string& address, size_t bytes) {
  MutexLock lock(mu_);
  auto it = by_address_.find(address);
  if (it != by_address_.end())
    it->second.body_bytes -= std::min(bytes, it->second.body_bytes);
}

size_t ConnectionLedger::total() const {
  MutexLock lock(mu_);
  return total_;
}

size_t ConnectionLedger::websockets() const {
  MutexLock lock(mu_);
  return websockets_;
}

}  // namespace orderly::api::http
