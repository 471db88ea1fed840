// `orderly import-catalog FILE.json` and `orderly admin create-user`: both go
// through the normal command path (the single writer), as an operator.
#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/cli/commands.h"
#include "api/cli/operator_engine.h"
#include "api/engine/engine.h"
#include "commands/password.h"
#include "commands/password_policy.h"
#include "commands/processor.h"
#include "core/digest.h"
#include "core/ids.h"
#include "eventstore/store.h"

namespace orderly::cli {

namespace json = boost::json;

namespace {

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::not_found("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > max_bytes)
    return Status::invalid_argument(path + " is larger than " + std::to_string(max_bytes) +
                                    " bytes");
  return s;
}

// A string field; absent is fine when `required` is false.
Status get_string(const json::object& o, const char* key, bool required, std::string* out,
                  const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return required ? Status::invalid_field(where + "." + key, "is required") : Status::ok();
  }
  if (!v->is_string())
    return Status::invalid_field(where + "." + key, "must be a string");
  *out = std::string(v->as_string());
  return Status::ok();
}

// Money and stock are integers: 12.5 cents is refused, not rounded.
Status get_int(const json::object& o, const char* key, int64_t* out, const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr)
    return Status::invalid_field(where + "." + key, "is required");
  if (v->is_int64()) {
    *out = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(v->as_uint64());
  } else {
    return Status::invalid_field(where + "." + key, "must be an integer");
  }
  return Status::ok();
}

}  // namespace

int run_import_catalog(const CommonOptions& common, const std::string& file) {
  auto text = read_file(file, 256u << 20);
  if (!text) {
    std::fprintf(stderr, "orderly import-catalog: %s\n", text.status().to_string().c_str());
    return kExitFailure;
  }
  boost::system::error_code ec;
  json::stream_parser p;
  const size_t used = p.write(text->data(), text->size(), ec);
  if (!ec)
    p.finish(ec);
  if (ec) {
    std::fprintf(stderr, "orderly import-catalog: %s is not JSON (byte %zu): %s\n", file.c_str(),
                 used, ec.message().c_str());
    return kExitUsage;
  }
  const json::value doc = p.release();
  if (!doc.is_array()) {
    std::fprintf(stderr, "orderly import-catalog: %s must hold an array of product objects\n",
                 file.c_str());
    return kExitUsage;
  }
  auto engine = open_operator_engine(common);
  if (!engine) {
    std::fprintf(stderr, "orderly import-catalog: %s\n", engine.status().to_string().c_str());
    return kExitFailure;
  }
  size_t created = 0, present = 0, invalid = 0;
  std::vector<std::pair<size_t, commands::CreateProduct>> pending;
  auto report = [&](size_t index, const Status& st) {
    std::fprintf(stderr, "[%zu] %s\n", index, st.to_string().c_str());
  };
  const json::array& items = doc.as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string where = "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) {
      report(i, Status::invalid_field(where, "must be a product object"));
      ++invalid;
      continue;
    }
    const json::object& o = items[i].as_object();
    commands::CreateProduct c;
    c.product_id = *Uuid::parse(new_uuid_v7());
    Status st = get_string(o, "name", true, &c.name, where);
    if (st.is_ok())
      st = get_string(o, "description", false, &c.description, where);
    if (st.is_ok())
      st = get_string(o, "category", true, &c.category, where);
    if (st.is_ok())
      st = get_string(o, "sku", false, &c.sku, where);
    if (st.is_ok())
      st = get_string(o, "currency", false, &c.currency, where);
    if (st.is_ok())
      st = get_int(o, "price_cents", &c.price_cents, where);
    if (st.is_ok())
      st = get_int(o, "stock", &c.stock, where);
    if (!st.is_ok()) {
      report(i, st);
      ++invalid;
      continue;
    }
    // Without a SKU, one derived from name and category, so that importing
    // the same file twice finds the product instead of creating it again.
    if (c.sku.empty())
      c.sku = "SKU-" + digest128_hex(c.name + "\n" + c.category).substr(0, 12);
    pending.emplace_back(i, std::move(c));
  }
  // At most 1,000 in flight, so a catalogue of any size never overflows the
  // command queue; a full queue is retried, not reported as a bad product.
  constexpr size_t kInFlight = 1000;
  std::vector<Result<commands::CommandReply>> results;
  results.reserve(pending.size());
  for (size_t start = 0; start < pending.size(); start += kInFlight) {
    const size_t end = std::min(pending.size(), start + kInFlight);
    std::vector<std::future<Result<commands::CommandReply>>> futures;
    for (size_t k = start; k < end; ++k)
      futures.push_back((*engine)->processor().submit(pending[k].second, operator_meta()));
    for (size_t k = start; k < end; ++k) {
      auto r = futures[k - start].get();
      while (!r.is_ok() && r.status().code() == ErrorCode::kOverloaded) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        r = (*engine)->processor().execute(pending[k].second, operator_meta());
      }
      results.push_back(std::move(r));
    }
  }
  for (size_t k = 0; k < pending.size(); ++k) {
    const size_t i = pending[k].first;
    auto& r = results[k];
    if (r.is_ok()) {
      ++created;
    } else if (r.status().code() == ErrorCode::kAlreadyExists) {
      ++present;  // importing the same file again creates nothing twice
    } else {
      report(i, r.status());
      ++invalid;
    }
  }
  (*engine)->stop();
  (void)(*engine)->close();
  std::printf("imported %zu products, %zu already present (same SKU), %zu invalid\n", created,
              present, invalid);
  return invalid == 0 ? kExitOk : kExitDamage;
}

int run_create_admin(const CommonOptions& common, const CreateUserOptions& o) {
  auto password = read_file(o.password_file, 4096);
  if (!password) {
    std::fprintf(stderr, "orderly admin create-user: %s\n", password.status().to_string().c_str());
    return kExitUsage;
  }
  while (!password->empty() && (password->back() == '\n' || password->back() == '\r'))
    password->pop_back();
  // The rules a registration's password meets (commands/password_policy.h).
  if (Status st = commands::validate_new_password(*password, o.username,
                                                  commands::normalize_email(o.email));
      !st.is_ok()) {
    std::fprintf(stderr, "orderly admin create-user: %s\n", st.to_string().c_str());
    return kExitUsage;
  }
  auto hash = commands::hash_password(*password);
  if (!hash) {
    std::fprintf(stderr, "orderly admin create-user: %s\n", hash.status().to_string().c_str());
    return kExitUsage;
  }
  auto engine = open_operator_engine(common);
  if (!engine) {
    std::fprintf(stderr, "orderly admin create-user: %s\n", engine.status().to_string().c_str());
    return kExitFailure;
  }
  commands::RegisterUser c;
  c.user_id = *Uuid::parse(new_uuid_v7());
  c.username = o.username;
  c.email = commands::normalize_email(o.email);
  c.password_hash = *hash;
  c.role = "admin";
  auto r = (*engine)->processor().execute(c, operator_meta());
  (*engine)->stop();
  (void)(*engine)->close();
  if (!r) {
    std::fprintf(stderr, "orderly admin create-user: %s\n", r.status().to_string().c_str());
    return r.status().code() == ErrorCode::kAlreadyExists ||
                   r.status().code() == ErrorCode::kInvalidArgument
               ? kExitUsage
               : kExitFailure;
  }
  std::printf("created admin %s (%s), user id %s\n", c.username.c_str(), c.email.c_str(),
              c.user_id.to_string().c_str());
  return kExitOk;
}

}  // namespace orderly::cli
