#include "benchmarks/bench/pg_server.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "benchmarks/bench/harness.h"
#include "tests/support/free_port.h"

namespace orderly::bench {

namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

// Runs a shell command (paths here have no spaces); true on exit status 0.
bool sh(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

std::string as_postgres() {
  return getuid() == 0 ? "runuser -u postgres -- " : "";
}

}  // namespace

Result<std::unique_ptr<PgServer>> PgServer::start(int max_connections) {
  std::unique_ptr<PgServer> pg(new PgServer());
  pg->dir_ = make_temp_dir("orderly-bench-pg");
  if (pg->dir_.empty())
    return Status::io_error("cannot make a temporary directory");
  pg->port_ = testing::free_port();
  const std::string as = as_postgres();
  if (getuid() == 0 && !sh("chown postgres " + pg->dir_))
    return Status::internal("cannot hand " + pg->dir_ + " to the postgres user");
  if (!sh(as + kBin + "/initdb -D " + pg->dir_ + "/data -U bench -A trust -E UTF8 --no-sync"))
    return Status::internal("initdb failed (is Debian's postgresql installed?)");
  const std::string opts = "-c port=" + std::to_string(pg->port_) +
                           " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + pg->dir_ +
                           " -c fsync=on -c synchronous_commit=on -c max_connections=" +
                           std::to_string(max_connections) +
                           " -c shared_buffers=256MB -c wal_level=minimal -c max_wal_senders=0";
  if (!sh(as + kBin + "/pg_ctl -D " + pg->dir_ + "/data -l " + pg->dir_ + "/log -w -o \"" + opts +
          "\" start")) {
    return Status::internal("PostgreSQL did not start (see " + pg->dir_ + "/log)");
  }
  pg->started_ = true;
  return pg;
}

std::string PgServer::url() const {
  return "postgresql://bench@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

PGconn* PgServer::connect() const {
  const std::string info =
      "host=127.0.0.1 port=" + std::to_string(port_) + " user=bench dbname=postgres";
  PGconn* c = PQconnectdb(info.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    PQfinish(c);
    return nullptr;
  }
  return c;
}

std::vector<int> PgServer::pids() const {
  std::vector<int> pids;
  std::ifstream in(dir_ + "/data/postmaster.pid");
  int master = 0;
  if (!(in >> master) || master <= 0)
    return pids;
  return process_tree(master);
}

void PgServer::stop() {
  if (started_) {
    sh(as_postgres() + kBin + "/pg_ctl -D " + dir_ + "/data -m fast -w stop");
    started_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

Status PgServer::exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto s = PQresultStatus(r);
  Status st = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK
                  ? Status::ok()
                  : Status::internal(std::string("PostgreSQL: ") + PQerrorMessage(c));
  PQclear(r);
  return st;
}

std::string PgServer::scalar(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  std::string out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0)
    out = PQgetvalue(r, 0, 0);
  PQclear(r);
  return out;
}

}  // namespace orderly::bench
