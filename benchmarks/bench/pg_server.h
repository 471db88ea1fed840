// A PostgreSQL 15 server for the peers that use one (postgres in-process,
// fastapi-postgres over HTTP): Debian's binaries, initdb into a temporary
// directory, started on a free loopback port with fsync=on and
// synchronous_commit=on (as the postgres user when run as root, since
// PostgreSQL refuses root), stopped and removed by stop() or the
// destructor.
//
// Thread safety: start/stop from one thread; connect() from any.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace orderly::bench {

class PgServer {
 public:
  static Result<std::unique_ptr<PgServer>> start(int max_connections = 300);
  ~PgServer() { stop(); }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  uint16_t port() const { return port_; }
  // postgresql://bench@127.0.0.1:PORT/postgres
  std::string url() const;
  // A new connection (the caller PQfinish-es it), or nullptr.
  PGconn* connect() const;
  // The postmaster and its children (backends, writers), read from /proc.
  std::vector<int> pids() const;
  void stop();

  // One statement (or several, no parameters); the error names PostgreSQL's message.
  static Status exec(PGconn* c, const std::string& sql);
  // The first column of the first row of a query, as text ("" on an error).
  static std::string scalar(PGconn* c, const std::string& sql);

 private:
  PgServer() = default;
  std::string dir_;
  uint16_t port_ = 0;
  bool started_ = false;
};

}  // namespace orderly::bench
