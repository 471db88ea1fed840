// `orderly rebuild [NAME | --all] [--verify]`: folds the whole log into fresh
// read models and saves them. With --verify nothing is written: the result is
// compared, row by row, with what the engine would serve (each stored
// snapshot, resumed to the log's end), and the first differences are printed.
#include <chrono>
#include <cstdio>

#include "api/cli/commands.h"
#include "api/cli/terminal.h"
#include "core/mutex.h"
#include "projections/registry.h"
#include "projections/runner.h"

namespace orderly::cli {

namespace {

constexpr int kDifferencesShown = 5;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Returns the number of differences; prints the first few.
size_t compare(const projections::Rows& rebuilt, const projections::Rows& stored,
               std::string_view model) {
  size_t i = 0, j = 0, differences = 0;
  auto show = [&](const std::string& what) {
    if (++differences <= kDifferencesShown)
      std::printf("  %.*s: %s\n", static_cast<int>(model.size()), model.data(), what.c_str());
  };
  while (i < rebuilt.size() || j < stored.size()) {
    if (j == stored.size() || (i < rebuilt.size() && rebuilt[i].first < stored[j].first)) {
      show("row " + rebuilt[i++].first + " is missing from the stored read model");
    } else if (i == rebuilt.size() || stored[j].first < rebuilt[i].first) {
      show("row " + stored[j++].first + " is stored but the log does not produce it");
    } else {
      if (rebuilt[i].second != stored[j].second) {
        show("row " + rebuilt[i].first + " differs: stored " + stored[j].second +
             ", from the log " + rebuilt[i].second);
      }
      ++i;
      ++j;
    }
  }
  return differences;
}

}  // namespace

int run_rebuild(const CommonOptions& common, const RebuildOptions& o) {
  std::vector<std::unique_ptr<projections::Projection>> models;
  if (o.all) {
    models = projections::all_read_models();
  } else if (auto m = projections::make_read_model(o.model)) {
    models.push_back(std::move(m));
  } else {
    std::string names;
    for (const auto& m : projections::all_read_models())
      names += (names.empty() ? "" : ", ") + std::string(m->name());
    std::fprintf(stderr, "orderly rebuild: name a read model (%s) or pass --all\n", names.c_str());
    return kExitUsage;
  }
  eventstore::StoreOptions options;
  options.read_only = true;
  auto log = eventstore::EventStore::open(common.data_dir, options);
  if (!log) {
    std::fprintf(stderr, "orderly rebuild: %s\n", log.status().to_string().c_str());
    return kExitFailure;
  }
  auto rows = projections::ReadModelStore::open(common.data_dir + "/readmodels");
  if (!rows) {
    std::fprintf(stderr, "orderly rebuild: %s\n", rows.status().to_string().c_str());
    return kExitFailure;
  }
  const uint64_t end = (*log)->last_position();
  // One pass over the log folds every model asked for.
  std::vector<projections::Projection*> raw;
  std::string names;
  for (auto& m : models) {
    raw.push_back(m.get());
    names += (names.empty() ? "" : ", ") + std::string(m->name());
  }
  const auto t0 = std::chrono::steady_clock::now();
  Progress progress("rebuilding " + names);
  auto on_progress = [&](uint64_t at) { progress.update(at, end); };
  if (!o.verify) {
    // Folded in one pass, then each model saved (timed apart: the fold is
    // one core's work, a save mostly the disk's).
    auto folded = projections::fold_from_scratch(**log, raw, on_progress);
    progress.finish();
    if (!folded) {
      std::fprintf(stderr, "orderly rebuild: %s\n", folded.status().to_string().c_str());
      return folded.status().code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
    }
    const auto t1 = std::chrono::steady_clock::now();
    for (auto& m : models) {
      const auto t = std::chrono::steady_clock::now();
      auto written = projections::save_model(**rows, *m, *folded);
      if (!written) {
        std::fprintf(stderr, "orderly rebuild: %s\n", written.status().to_string().c_str());
        return kExitFailure;
      }
      const std::string_view name = m->name();
      std::printf("%.*s: rebuilt (%.1f MB snapshot, saved in %.2f s)\n",
                  static_cast<int>(name.size()), name.data(), static_cast<double>(*written) / 1e6,
                  seconds_since(t));
    }
    const double secs = seconds_since(t0);
    std::printf("rebuilt from %llu events in %.2f s (%.0f events/s; fold %.2f s, saves %.2f s)\n",
                static_cast<unsigned long long>(end), secs,
                secs > 0 ? static_cast<double>(end) / secs : 0.0,
                std::chrono::duration<double>(t1 - t0).count(), seconds_since(t1));
    // The process ends here. Freeing the folded models (millions of
    // entries) would keep the operator waiting seconds for nothing: the
    // memory goes back to the system at exit anyway. Held from a static, so
    // leak checkers see it as reachable.
    static auto* const kept = new std::vector<std::unique_ptr<projections::Projection>>();
    kept->swap(models);
    return kExitOk;
  }
  auto folded = projections::fold_from_scratch(**log, raw, on_progress);
  progress.finish();
  if (!folded) {
    std::fprintf(stderr, "orderly rebuild: %s\n", folded.status().to_string().c_str());
    return folded.status().code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
  }
  // --verify: every model compared with its stored snapshot, resumed to the
  // same position the way `serve` resumes it.
  int status = kExitOk;
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string_view name = models[i]->name();
    const int n = static_cast<int>(name.size());
    auto stored_model = projections::make_read_model(name);
    auto at = projections::load_model(**rows, *stored_model);
    if (!at && at.status().code() != ErrorCode::kCorruption) {
      std::fprintf(stderr, "orderly rebuild: %s\n", at.status().to_string().c_str());
      return kExitFailure;
    }
    if (!at || *at > *folded) {
      std::printf("%.*s: the stored snapshot cannot be used: %s\n", n, name.data(),
                  at ? "it is ahead of the log" : at.status().to_string().c_str());
      status = kExitDamage;
      continue;
    }
    if (Status st = projections::fold_range(**log, *stored_model, *at, *folded); !st.is_ok()) {
      std::fprintf(stderr, "orderly rebuild: %s\n", st.to_string().c_str());
      return st.code() == ErrorCode::kCorruption ? kExitDamage : kExitFailure;
    }
    projections::Rows fresh, stored;
    {
      ReaderLock fresh_lock(models[i]->mutex());
      ReaderLock stored_lock(stored_model->mutex());
      fresh = models[i]->rows();
      stored = stored_model->rows();
    }
    projections::sort_rows(fresh);
    projections::sort_rows(stored);
    const size_t differences = compare(fresh, stored, name);
    std::printf("%.*s: %zu rows, %zu difference(s)\n", n, name.data(), fresh.size(), differences);
    if (differences > 0)
      status = kExitDamage;
  }
  return status;
}

}  // namespace orderly::cli
