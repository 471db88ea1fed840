// EventStore: the sync thread. Batches are written to RocksDB without sync
// (store_append.cpp) and queued here as tickets; one WAL fsync makes a whole
// round of them durable (group commit), then their callbacks run.
#include <algorithm>
#include <chrono>

#include "eventstore/keys.h"
#include "eventstore/rocksdb_status.h"
#include "eventstore/store_impl.h"

namespace orderly::eventstore {

void EventStore::Impl::enqueue_ticket(SyncTicket ticket) {
  {
    MutexLock lock(sync_mu);
    tickets.push_back(std::move(ticket));
  }
  sync_cv.notify_one();
}

void EventStore::Impl::run_syncer() {
  std::vector<SyncTicket> round;
  while (true) {
    {
      MutexLock lock(sync_mu);
      while (!sync_stop && tickets.empty())
        lock.wait(sync_cv);
      if (tickets.empty())
        return;  // stopping, and nothing left to make durable
      round.swap(tickets);
    }
    // One fsync covers every batch written before it started: all of this
    // round's, since each was written before its ticket was queued.
    uint64_t target = 0;
    for (const SyncTicket& t : round)
      target = std::max(target, t.required_position);
    Status st;
    std::unique_lock wal(wal_mu);
    if (sync_failed.load()) {
      // After a failed fsync, a later one may "succeed" although the failed
      // pages were dropped (Linux forgets the error): never acknowledge or
      // publish anything again in this process.
      if (target > last_position.load()) {
        st = Status::io_error("an fsync of the log failed earlier; reopen the store to recover");
      }
    } else if (write_failed.load() && target > last_position.load()) {
      // Batches written before a failed one: their WAL cannot be synced
      // until RocksDB resumes. Not acknowledged (they may still reach the
      // log), and the store stays usable once space returns.
      st = Status::io_error("a write to the log failed (is the disk full?); not made durable");
    } else if (target > last_position.load()) {
      if (options.sync == SyncMode::kAlways) {
        const auto t0 = std::chrono::steady_clock::now();
        st = from_rocksdb(rocks.db->SyncWAL(), "syncing the log");
        const auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - t0)
                                                  .count());
        stat_sync_micros.fetch_add(us, std::memory_order_relaxed);
        if (us > stat_max_sync_micros.load(std::memory_order_relaxed))
          stat_max_sync_micros.store(us);
        stat_syncs.fetch_add(1, std::memory_order_relaxed);
        sync_seconds.observe_micros(us);
      }
      // A leader's commits become visible and acknowledged only once the
      // replicated log holds them too (eventstore/replication.h).
      ReplicationGate* gate = nullptr;
      for (const SyncTicket& t : round) {
        if (t.gate)
          gate = t.gate.get();
      }
      if (st.is_ok() && gate != nullptr) {
        // Not holding the WAL's lock meanwhile: the writer writes its next
        // batch while this one crosses the network.
        wal.unlock();
        st = gate->wait_replicated(target);
        wal.lock();
        if (st.is_ok()) {
          // Where a restart may trust the log up to (quarantine_after).
          // Unsynced: the next round's fsync carries it, and a crash before
          // that only moves aside, and takes back from the stream, a little more.
          if (!write_failed.load()) {
            rocksdb::WriteOptions wo;
            wo.sync = false;
            (void)rocks.db->Put(wo, rocks.checkpoints, kReplicatedPositionCheckpoint,
                                be64_key(target));
          }
        } else {
          {
            MutexLock lock(replication_failure_mu);
            replication_failure = st;
          }
          replication_failed.store(true);
        }
      }
      if (st.is_ok()) {
        // The followers' window gets the round's events before its
        // positions are published: a follower woken by them finds them
        // there, and reads nothing back from RocksDB.
        for (SyncTicket& t : round) {
          if (t.events)
            tail->offer(std::move(t.events));
        }
        publish_position(target);
      } else if (!replication_failed.load()) {
        sync_failed.store(true);
      }
    }
    wal.unlock();
    for (SyncTicket& t : round) {
      if (!st.is_ok()) {
        for (auto& r : t.results) {
          if (r.is_ok())
            r = st;
        }
      }
      if (t.done)
        t.done(std::move(t.results));
    }
    round.clear();
  }
}

void EventStore::Impl::stop_syncer() {
  if (std::this_thread::get_id() == syncer.get_id())
    return;  // close() from a callback: see store.h
  {
    MutexLock lock(sync_mu);
    sync_stop = true;
  }
  sync_cv.notify_one();
  if (syncer.joinable())
    syncer.join();
}

}  // namespace orderly::eventstore
