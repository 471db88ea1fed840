#include "eventstore/verify.h"

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "core/big_endian.h"
#include "core/envelope.h"
#include "eventstore/keys.h"
#include "eventstore/record.h"
#include "eventstore/rocksdb_handle.h"

namespace orderly::eventstore {

namespace {

constexpr size_t kMaxListedProblems = 100;

uint64_t mix(uint64_t version, uint64_t position) {
  uint64_t z = version * 0x9E3779B97F4A7C15ull ^ (position + 0x632BE59BD9B4E019ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// What one side (log or index) says about a stream: an order-independent
// fingerprint of its (version, position) pairs.
struct StreamFacts {
  uint64_t last_version = 0;
  uint64_t count = 0;
  uint64_t fingerprint = 0;
};

class Checker {
 public:
  explicit Checker(VerifyReport& r) : r_(r) {}
  void problem(std::string what) {
    if (r_.problems.size() < kMaxListedProblems)
      r_.problems.push_back(std::move(what));
    ++r_.problem_count;
  }

 private:
  VerifyReport& r_;
};

}  // namespace

Result<VerifyReport> verify_data_dir(const std::string& dir, const VerifyProgress& progress) {
  auto opened = open_rocksdb(dir, {.create_if_missing = false, .read_only = true});
  if (!opened)
    return opened.status();
  RocksDbHandle& h = *opened;
  VerifyReport report;
  Checker check(report);

  // 1. Every SST block against its checksum (bit rot, torn files).
  if (auto s = h.db->VerifyChecksum(); !s.ok())
    check.problem("checksum: " + s.ToString());

  // 2. The log: records gapless from 1, every event decodes, positions agree,
  //    each stream's versions run 1, 2, 3, ...
  std::unordered_map<std::string, StreamFacts> from_log;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  uint64_t expected = 1;
  {
    std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(ro, h.log));
    AlignedBuffer buf;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) {
        check.problem("log key of " + std::to_string(it->key().size()) + " bytes");
        continue;
      }
      const uint64_t first = get_be64(it->key().data());
      ++report.records;
      if (first != expected) {
        check.problem("gap in the log: expected a record at position " + std::to_string(expected) +
                      ", found one at " + std::to_string(first));
      }
      auto rec = RecordView::parse(buf.assign(it->value().ToStringView()), first);
      if (!rec) {
        check.problem(rec.status().message());
        expected = first + 1;
        continue;
      }
      for (uint32_t i = 0; i < rec->count(); ++i) {
        const uint64_t pos = first + i;
        ++report.events;
        auto ev = decode_event(rec->entry(i));
        if (!ev) {
          check.problem("position " + std::to_string(pos) + ": " + ev.status().message());
          continue;
        }
        if (ev->position() != pos) {
          check.problem("event stored at position " + std::to_string(pos) + " says it is at " +
                        std::to_string(ev->position()));
        }
        StreamFacts& f = from_log[std::string(ev->stream())];
        if (ev->version() != f.last_version + 1) {
          check.problem("stream " + std::string(ev->stream()) + ": version " +
                        std::to_string(ev->version()) + " at position " + std::to_string(pos) +
                        " follows version " + std::to_string(f.last_version));
        }
        f.last_version = ev->version();
        ++f.count;
        f.fingerprint += mix(ev->version(), pos);
      }
      expected = rec->last_position() + 1;
      if (progress && report.records % 256 == 0)
        progress(report.events, expected - 1);
    }
    if (!it->status().ok())
      check.problem("reading the log: " + it->status().ToString());
  }
  report.last_position = expected - 1;
  report.streams = from_log.size();
  if (progress)
    progress(report.events, report.last_position);

  // 3. The stream index agrees with the log, stream by stream.
  {
    std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(ro, h.streams));
    std::string current;
    StreamFacts facts;
    bool have = false;
    auto finish_stream = [&] {
      if (!have)
        return;
      auto f = from_log.find(current);
      if (f == from_log.end()) {
        check.problem("stream index has stream " + current + ", the log has no event of it");
      } else {
        if (f->second.count != facts.count || f->second.fingerprint != facts.fingerprint) {
          check.problem("stream index of " + current + " disagrees with the log (" +
                        std::to_string(facts.count) + " entries indexed, " +
                        std::to_string(f->second.count) + " events logged)");
        }
        f->second.count = UINT64_MAX;  // mark as seen
      }
    };
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.index_chunks;
      std::string_view stream;
      uint64_t first_version = 0;
      const std::string_view value = it->value().ToStringView();
      if (!parse_stream_key(it->key().ToStringView(), &stream, &first_version) || value.empty() ||
          value.size() % kIndexRunSize != 0) {
        check.problem("damaged stream index chunk");
        continue;
      }
      if (!have || stream != current) {
        finish_stream();
        current.assign(stream);
        facts = {};
        have = true;
      }
      if (first_version != facts.last_version + 1) {
        check.problem("stream index of " + current + ": chunk at version " +
                      std::to_string(first_version) + " follows version " +
                      std::to_string(facts.last_version));
      }
      uint64_t version = first_version;
      for (size_t i = 0; i < value.size() / kIndexRunSize; ++i) {
        const IndexRun run = index_run_at(value, i);
        if (run.count == 0 || run.first_position == 0 ||
            run.first_position + run.count - 1 > report.last_position) {
          check.problem("stream index of " + current + " points outside the log");
        }
        for (uint32_t k = 0; k < run.count; ++k)
          facts.fingerprint += mix(version++, run.first_position + k);
        facts.count += run.count;
      }
      facts.last_version = version - 1;
    }
    finish_stream();
    if (!it->status().ok())
      check.problem("reading the stream index: " + it->status().ToString());
    for (const auto& [stream, f] : from_log) {
      if (f.count != UINT64_MAX)
        check.problem("stream " + stream + " is missing from the stream index");
    }
  }

  // 4. Command ids point at events that carry them.
  {
    std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(ro, h.commands));
    std::unique_ptr<rocksdb::Iterator> log_it(h.db->NewIterator(rocksdb::ReadOptions(), h.log));
    AlignedBuffer buf;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.commands;
      const std::string id = it->key().ToString();
      if (it->value().size() != kCommandValueSize) {
        check.problem("command " + id + ": damaged entry");
        continue;
      }
      uint64_t first = 0;
      uint32_t count = 0;
      parse_command_value(it->value().ToStringView(), &first, &count);
      if (first == 0 || count == 0 || first + count - 1 > report.last_position) {
        check.problem("command " + id + " points outside the log");
        continue;
      }
      log_it->SeekForPrev(log_key(first));
      if (!log_it->Valid())
        continue;  // reported by the log check
      const uint64_t rec_first = get_be64(log_it->key().data());
      auto rec = RecordView::parse(buf.assign(log_it->value().ToStringView()), rec_first);
      if (!rec || first > rec->last_position())
        continue;
      auto ev = decode_envelope_only(rec->entry(static_cast<uint32_t>(first - rec_first)));
      if (ev && ev->command_id() != id) {
        check.problem("command " + id + " points at position " + std::to_string(first) +
                      " which belongs to command " + std::string(ev->command_id()));
      }
    }
  }

  // 5. No checkpoint is ahead of the log.
  {
    std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(ro, h.checkpoints));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.checkpoints;
      if (it->value().size() != 8) {
        check.problem("checkpoint " + it->key().ToString() + " is damaged");
      } else if (get_be64(it->value().data()) > report.last_position) {
        check.problem("checkpoint " + it->key().ToString() + " is at " +
                      std::to_string(get_be64(it->value().data())) + ", beyond the log's end " +
                      std::to_string(report.last_position));
      }
    }
  }
  return report;
}

}  // namespace orderly::eventstore
