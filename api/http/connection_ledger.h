// Who holds the server's connections: a count per client address, so that
// one address cannot take the whole of `max_connections` (idle sockets or
// WebSockets held open) and keep everyone else out.
//
// The last `reserve` connections of the global limit go only to addresses
// that hold few connections (fewer than `kGuestConnections`): a flood from
// many addresses still leaves room for a health check, a load balancer's
// probe or one more customer.
//
// Request bodies too: one address may hold at most `body_bytes_per_address`
// of the server's body budget (api/http/body_budget.h) at once, so a few
// addresses trickling bodies cannot take all of it and leave every other
// client's POST refused.
//
// Thread safety: every member from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "core/mutex.h"

namespace orderly::api::http {

struct ConnectionLimits {
  size_t max_connections = 10'000;  // HTTP and WebSocket, all addresses
  size_t per_address = 512;         // connections one client address may hold
  size_t websockets_per_address = 128;
  size_t reserve = 1'000;  // of max_connections, kept for addresses holding few
  // Request-body bytes one address holds at once; one body of any admitted
  // size fits an address that holds none (connection_ledger.cpp).
  size_t body_bytes_per_address = 4 << 20;
};

class ConnectionLedger {
 public:
  // An address holding fewer than this may take a reserved connection.
  static constexpr size_t kGuestConnections = 4;

  explicit ConnectionLedger(ConnectionLimits limits) : limits_(limits) {}

  // Counts one more connection of `address`; false (and nothing counted)
  // when that would pass a limit.
  bool open(const std::string& address) EXCLUDES(mu_);
  void close(const std::string& address) EXCLUDES(mu_);
  // One of `address`'s connections becomes a WebSocket; false (nothing
  // counted) when the address holds its share of WebSockets already.
  bool open_websocket(const std::string& address) EXCLUDES(mu_);
  void close_websocket(const std::string& address) EXCLUDES(mu_);

  // Counts `bytes` of request body for one of `address`'s connections;
  // false (nothing counted) past the address's share, except that an
  // address holding no body may always take one.
  bool reserve_body(const std::string& address, size_t bytes) EXCLUDES(mu_);
  void release_body(const std::string& address, size_t bytes) EXCLUDES(mu_);

  size_t total() const EXCLUDES(mu_);
  size_t websockets() const EXCLUDES(mu_);

 private:
  struct Held {
    size_t connections = 0, websockets = 0, body_bytes = 0;
  };
  const ConnectionLimits limits_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Held> by_address_ GUARDED_BY(mu_);  // only addresses holding some
  size_t total_ GUARDED_BY(mu_) = 0, websockets_ GUARDED_BY(mu_) = 0;
};

}  // namespace orderly::api::http
