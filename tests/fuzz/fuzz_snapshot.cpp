// Binary snapshots read back from disk (core/binary_codec.h): every read
// model's load() (projections/registry.h) and the writer's load_state()
// (commands/shop_state_snapshot.h). Damaged bytes must be refused as
// corruption, never crash, never reserve memory a count merely claims.
//
// Input: one byte choosing the snapshot kind (a read model by index, or the
// writer's state), then the snapshot's bytes.
//
// Properties: a refused read-model snapshot leaves the model cleared (the
// runner then folds the log from the start); an accepted one saves and
// loads back to the same rows (the same state for the writer).
#include <algorithm>
#include <string>
#include <vector>

#include "commands/shop_state_snapshot.h"
#include "projections/registry.h"
#include "tests/commands/state_diff.h"
#include "tests/fuzz/fuzz_check.h"

using namespace orderly;

namespace {

// The registry's names; the writer's state is the one past the end.
const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& m : projections::all_read_models())
      out.emplace_back(m->name());
    return out;
  }();
  return names;
}

void check_read_model(const std::string& name, std::string_view bytes) {
  auto model = projections::make_read_model(name);
  FUZZ_CHECK(model != nullptr, name);
  BinaryReader in(bytes);
  if (!model->load(in).is_ok()) {
    // Cleared: the rows of a new model (stats always has its counters row).
    FUZZ_CHECK(model->rows() == projections::make_read_model(name)->rows(),
               "a refused " + name + " snapshot left rows");
    return;
  }
  // Sorted by key and value: a damaged snapshot can hold two rows with one
  // key (a payment whose id text is not its key), which sort_rows would
  // leave in hash-map order.
  projections::Rows rows = model->rows();
  std::sort(rows.begin(), rows.end());
  BinaryWriter out;
  model->save(out);
  const std::string saved = out.take();
  auto again = projections::make_read_model(name);
  BinaryReader in2(saved);
  const Status st = again->load(in2);
  FUZZ_CHECK(st.is_ok() && in2.finish(name).is_ok(), name + " does not load its own save");
  projections::Rows rows2 = again->rows();
  std::sort(rows2.begin(), rows2.end());
  std::string diff;
  for (size_t i = 0; i < std::max(rows.size(), rows2.size()) && diff.empty(); ++i) {
    const auto row = [&](const projections::Rows& r) {
      return i < r.size() ? r[i].first + " " + r[i].second : std::string("(none)");
    };
    if (i >= rows.size() || i >= rows2.size() || rows[i] != rows2[i])
      diff = row(rows) + "\n  became " + row(rows2);
  }
  FUZZ_CHECK(diff.empty(), name + " rows differ after a save and a load: " + diff);
}

void check_writer_state(std::string_view bytes) {
  commands::ShopState s;
  BinaryReader in(bytes);
  if (!commands::load_state(in, s).is_ok())
    return;
  BinaryWriter out;
  commands::save_state(s, out);
  const std::string saved = out.take();
  commands::ShopState again;
  BinaryReader in2(saved);
  FUZZ_CHECK(commands::load_state(in2, again).is_ok() && in2.finish("state").is_ok(),
             "the writer state does not load its own save");
  const std::string diff = testing::diff_states(s, again);
  FUZZ_CHECK(diff.empty(), diff);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  const auto& names = model_names();
  const size_t kind = data[0] % (names.size() + 1);
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (kind < names.size())
    check_read_model(names[kind], bytes);
  else
    check_writer_state(bytes);
  return 0;
}
