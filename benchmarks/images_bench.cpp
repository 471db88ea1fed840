// Image processing (api/images/image_processing.h): the time of one upload's
// work, from the bytes to the stripped original and the 200 and 800 px WebP
// sizes, with real libvips on the committed fixtures of tests/api/images
// (1600 x 1200, the size of a typical product photo after a shop's export).
//
//   build/bin/orderly-microbench --benchmark_filter=ProcessImage
//
// One thread, as each of the engine's worker threads runs one upload.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/images/image_processing.h"

using namespace orderly;
using namespace orderly::api::images;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(ORDERLY_IMAGE_FIXTURES) + "/" + name, std::ios::binary);
  if (!in)
    throw std::runtime_error("missing fixture " + name);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void process(benchmark::State& state, const std::string& name, ImageFormat format) {
  init_image_library();
  const std::string bytes = fixture(name);
  size_t stored = 0;
  for (auto _ : state) {
    auto r = process_image(bytes, format);
    if (!r.is_ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      return;
    }
    stored = r->original.bytes.size() + r->thumb.bytes.size() + r->medium.bytes.size();
    benchmark::DoNotOptimize(stored);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.counters["upload_kb"] = static_cast<double>(bytes.size()) / 1024;
  state.counters["stored_kb"] = static_cast<double>(stored) / 1024;
}

void BM_ProcessImageJpeg1600x1200(benchmark::State& state) {
  process(state, "large.jpg", ImageFormat::kJpeg);
}
void BM_ProcessImagePng1600x1200(benchmark::State& state) {
  process(state, "large.png", ImageFormat::kPng);
}

}  // namespace

BENCHMARK(BM_ProcessImageJpeg1600x1200)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ProcessImagePng1600x1200)->Unit(benchmark::kMillisecond)->UseRealTime();
