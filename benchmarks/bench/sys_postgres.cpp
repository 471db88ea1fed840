// What most shops would build: PostgreSQL with an events table (unique
// (stream, version)), the stock checked and reserved in the same
// transaction as the event is inserted, synchronous_commit=on, fsync on.
// The server is Debian's PostgreSQL 15, started by the harness on loopback
// in a temporary directory (as the postgres user when run as root, since
// PostgreSQL refuses root) and stopped at the end.
#include <libpq-fe.h>
#include <unistd.h>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdlib>
#include <mutex>

#include "benchmarks/bench/peers.h"
#include "benchmarks/bench/pg_server.h"

namespace orderly::bench {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE products (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  price_cents bigint NOT NULL,
  stock bigint NOT NULL,
  reserved bigint NOT NULL DEFAULT 0,
  CHECK (reserved <= stock));
CREATE TABLE events (
  position bigserial PRIMARY KEY,
  stream text NOT NULL,
  version int NOT NULL,
  type text NOT NULL,
    data bytea NOT NULL,
  user_id uuid,
  total_cents bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream, version));
-- What the shop's pages ask: a customer's orders, newest first.
CREATE INDEX events_by_user ON events (user_id, position DESC);
CREATE FUNCTION place_order(p_order uuid, p_user uuid, p_products uuid[], p_qty bigint[],
                            p_data bytea)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  total bigint;
BEGIN
  -- Rows locked in id order: two orders never wait for each other in a cycle.
  PERFORM 1 FROM products WHERE id = ANY(p_products) ORDER BY id FOR UPDATE;
  IF EXISTS (SELECT 1 FROM products p JOIN unnest(p_products, p_qty) AS l(id, q) ON p.id = l.id
             WHERE p.stock - p.reserved < l.q) THEN
    RETURN false;
  END IF;
  UPDATE products p SET reserved = p.reserved + l.q
    FROM unnest(p_products, p_qty) AS l(id, q) WHERE p.id = l.id;
  SELECT sum(p.price_cents * l.q) INTO total
    FROM products p JOIN unnest(p_products, p_qty) AS l(id, q) ON p.id = l.id;
    INSERT INTO events (stream, version, type, data, user_id, total_cents)
    VALUES ('order-' || p_order, 1, 'order.placed', p_data, p_user, total);
  RETURN true;
END $$;
)sql";

std::string uuid_array(const Workload& w, const OrderSpec& o) {
  return "{" + product_id(w, o.products[0]).to_string() + "," +
         product_id(w, o.products[1]).to_string() + "," + product_id(w, o.products[2]).to_string() +
         "}";
}

std::string qty_array(const OrderSpec& o) {
  return "{" + std::to_string(o.quantities[0]) + "," + std::to_string(o.quantities[1]) + "," +
         std::to_string(o.quantities[2]) + "}";
}

class Postgres final : public System {
 public:
  Postgres(std::vector<std::string> envelopes, bool stored_function)
      : envelopes_(std::move(envelopes)), stored_function_(stored_function) {}
  ~Postgres() override { stop(); }
  std::string name() const override { return "postgres"; }
  std::string variant() const override {
    return stored_function_ ? "stored function" : "client transaction";
  }
  std::string durability() const override { return "fsync"; }

  Status prepare(const Workload& w) override {
    stop();
    workload_ = w;
    auto server = PgServer::start();
    if (!server)
      return server.status();
    server_ = std::move(*server);
    PGconn* c = connect();
    if (!c)
      return Status::internal("cannot connect to PostgreSQL");
    Status st = exec(c, kSchema);
    // The catalog, in one statement.
    if (st.is_ok()) {
      std::string values;
      for (int i = 0; i < w.products; ++i) {
        values += (i ? ",('" : "('") + product_id(w, i).to_string() + "','" + product_name(i) +
                  "'," + std::to_string(price_cents(i)) + "," + std::to_string(w.stock) + ")";
      }
      st = exec(c, "INSERT INTO products (id, name, price_cents, stock) VALUES " + values);
    }
    // Searches by name: a trigram index when contrib's pg_trgm is there.
    if (st.is_ok() && exec(c, "CREATE EXTENSION IF NOT EXISTS pg_trgm").is_ok())
      st = exec(c, "CREATE INDEX products_name ON products USING gin (name gin_trgm_ops)");
    PQfinish(c);
    return st;
  }

  Outcome place_order(int client, const OrderSpec& o) override {
    PGconn* c = conn(client);
    if (!c)
      return Outcome::kError;
    const std::string& data = envelopes_[static_cast<size_t>(o.order_id.lo % envelopes_.size())];
    const std::string order = o.order_id.to_string(), user = o.user_id.to_string(),
                      ids = uuid_array(workload_, o), qty = qty_array(o);
    if (stored_function_) {
      const char* values[] = {order.c_str(), user.c_str(), ids.c_str(), qty.c_str(), data.data()};
      const int lengths[] = {0, 0, 0, 0, static_cast<int>(data.size())};
      const int formats[] = {0, 0, 0, 0, 1};
      PGresult* r =
          PQexecParams(c, "SELECT place_order($1::uuid, $2::uuid, $3::uuid[], $4::bigint[], $5)", 5,
                       nullptr, values, lengths, formats, 0);
      Outcome out = Outcome::kError;
      if (PQresultStatus(r) == PGRES_TUPLES_OK)
        out = PQgetvalue(r, 0, 0)[0] == 't' ? Outcome::kAccepted : Outcome::kRefused;
      PQclear(r);
      return out;
    }
    // The same work from the client: five round trips.
    if (!exec(c, "BEGIN").is_ok())
      return Outcome::kError;
    auto rollback = [&](Outcome out) {
      (void)exec(c, "ROLLBACK");
      return out;
    };
    const char* lock_values[] = {ids.c_str()};
    PGresult* r = PQexecParams(c,
                               "SELECT id, stock - reserved, price_cents FROM products "
                               "WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                               1, nullptr, lock_values, nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 3) {
      PQclear(r);
      return rollback(Outcome::kError);
    }
    int64_t total = 0;
    bool enough = true;
    for (int row = 0; row < 3; ++row) {
      const std::string id = PQgetvalue(r, row, 0);
      const int64_t available = std::atoll(PQgetvalue(r, row, 1));
      const int64_t price = std::atoll(PQgetvalue(r, row, 2));
      for (size_t i = 0; i < 3; ++i) {
        if (product_id(workload_, o.products[i]).to_string() == id) {
          enough &= available >= o.quantities[i];
          total += price * o.quantities[i];
        }
      }
    }
    PQclear(r);
    if (!enough)
      return rollback(Outcome::kRefused);
    const char* update_values[] = {ids.c_str(), qty.c_str()};
    r = PQexecParams(c,
                     "UPDATE products p SET reserved = p.reserved + l.q "
                     "FROM unnest($1::uuid[], $2::bigint[]) AS l(id, q) WHERE p.id = l.id",
                     2, nullptr, update_values, nullptr, nullptr, 0);
    const bool updated = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!updated)
      return rollback(Outcome::kError);
    const std::string stream = "order-" + order, total_text = std::to_string(total);
    const char* insert_values[] = {stream.c_str(), data.data(), user.c_str(), total_text.c_str()};
    const int lengths[] = {0, static_cast<int>(data.size()), 0, 0};
    const int formats[] = {0, 1, 0, 0};
    r = PQexecParams(c,
                     "INSERT INTO events (stream, version, type, data, user_id, total_cents) "
                     "VALUES ($1, 1, 'order.placed', $2, $3::uuid, $4::bigint)",
                     4, nullptr, insert_values, lengths, formats, 0);
    const bool inserted = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!inserted)
      return rollback(Outcome::kError);
    return exec(c, "COMMIT").is_ok() ? Outcome::kAccepted : Outcome::kError;
  }

  bool has_queries() const override { return true; }

  // The same three reads as Orderly's, in SQL: a search by name (trigram
  // index), a product, a customer's latest orders (index on user, position).
  Outcome query(int client, const Workload& w, std::mt19937_64& rng) override {
    PGconn* c = conn(client);
    if (!c)
      return Outcome::kError;
    PGresult* r = nullptr;
    switch (rng() % 3) {
      case 0: {
        // The first word of the search (ILIKE per word would be the same work).
        std::string words = search_words(rng);
        const std::string like = "%" + words.substr(0, words.find(' ')) + "%";
        const char* v[] = {like.c_str()};
        r = PQexecParams(c,
                         "SELECT id, name, price_cents, stock - reserved FROM products "
                         "WHERE name ILIKE $1 ORDER BY name LIMIT 20",
                         1, nullptr, v, nullptr, nullptr, 0);
        break;
      }
      case 1: {
        const std::string id =
            product_id(w, static_cast<int>(rng() % static_cast<uint64_t>(w.products))).to_string();
        const char* v[] = {id.c_str()};
        r = PQexecParams(c,
                         "SELECT id, name, price_cents, stock, reserved FROM products "
                         "WHERE id = $1::uuid",
                         1, nullptr, v, nullptr, nullptr, 0);
        break;
      }
      default: {
        const std::string user =
            user_id(w, static_cast<int>(rng() % static_cast<uint64_t>(w.users))).to_string();
        const char* v[] = {user.c_str()};
        r = PQexecParams(c,
                         "SELECT stream, total_cents, created_at FROM events "
                         "WHERE user_id = $1::uuid ORDER BY position DESC LIMIT 20",
                         1, nullptr, v, nullptr, nullptr, 0);
      }
    }
    const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok ? Outcome::kAccepted : Outcome::kError;
  }

  Status check(const Workload& w, const std::vector<OrderSpec>& accepted) override {
    PGconn* c = connect();
    if (!c)
      return Status::internal("cannot connect to PostgreSQL");
    absl::flat_hash_map<std::string, int64_t> stored;
    PGresult* r = PQexec(c, "SELECT stream, total_cents FROM events");
    for (int i = 0; i < PQntuples(r); ++i)
      stored[PQgetvalue(r, i, 0)] = std::atoll(PQgetvalue(r, i, 1));
    PQclear(r);
    absl::flat_hash_map<std::string, int64_t> expected_reserved;
    Status st = Status::ok();
    for (const OrderSpec& o : accepted) {
      auto it = stored.find("order-" + o.order_id.to_string());
      if (it == stored.end()) {
        st = Status::internal("acknowledged order " + o.order_id.to_string() + " is missing");
        break;
      }
      if (it->second != order_total(o)) {
        st = Status::internal("order " + o.order_id.to_string() + " has the wrong total");
        break;
      }
      for (size_t i = 0; i < 3; ++i)
        expected_reserved[product_id(w, o.products[i]).to_string()] += o.quantities[i];
    }
    if (st.is_ok() && stored.size() != accepted.size())
      st = Status::internal("the events table holds orders nobody was told about");
    if (st.is_ok()) {
      // Every product: one that lost its reservation is caught too.
      r = PQexec(c, "SELECT id, reserved, stock FROM products");
      for (int i = 0; i < PQntuples(r) && st.is_ok(); ++i) {
        const int64_t reserved = std::atoll(PQgetvalue(r, i, 1));
        auto expected = expected_reserved.find(PQgetvalue(r, i, 0));
        if (reserved > std::atoll(PQgetvalue(r, i, 2)))
          st = Status::internal(std::string("product ") + PQgetvalue(r, i, 0) + " is oversold");
        else if (reserved != (expected == expected_reserved.end() ? 0 : expected->second))
          st = Status::internal(std::string("product ") + PQgetvalue(r, i, 0) +
                                " reserves other than its orders");
      }
      PQclear(r);
    }
    PQfinish(c);
    return st;
  }

  double cpu_seconds() const override {
    double s = cpu_seconds_of_self();
    for (int pid : server_pids())
      s += cpu_seconds_of_pid(pid);
    return s;
  }
  double peak_rss_mb() const override {
    // The postmaster and its backends (shared buffers are counted in each
    // backend that touched them: an upper bound).
    double mb = 0;
    for (int pid : server_pids())
      mb += peak_rss_mb_of_pid(pid);
    return mb;
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      for (PGconn* c : conns_) {
        if (c)
          PQfinish(c);
      }
      conns_.clear();
    }
    server_.reset();
  }

 private:
  PGconn* connect() const { return server_ ? server_->connect() : nullptr; }

  PGconn* conn(int client) {
    std::lock_guard lock(mu_);
    if (conns_.size() <= static_cast<size_t>(client))
      conns_.resize(static_cast<size_t>(client) + 1, nullptr);
    if (!conns_[static_cast<size_t>(client)])
      conns_[static_cast<size_t>(client)] = connect();
    return conns_[static_cast<size_t>(client)];
  }

  static Status exec(PGconn* c, const std::string& sql) { return PgServer::exec(c, sql); }

  std::vector<int> server_pids() const { return server_ ? server_->pids() : std::vector<int>{}; }

  std::vector<std::string> envelopes_;
  bool stored_function_;
  Workload workload_;
  std::unique_ptr<PgServer> server_;
  std::mutex mu_;
  std::vector<PGconn*> conns_;
};

}  // namespace

std::unique_ptr<System> make_postgres(std::vector<std::string> envelopes, bool stored_function) {
  return std::make_unique<Postgres>(std::move(envelopes), stored_function);
}

}  // namespace orderly::bench
