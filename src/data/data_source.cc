#include "data/data_source.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "data/format_detection.h"
#include "data/idx_source.h"
#include "data/npy_source.h"
#include "util/error.h"

namespace seqtrain::data {
namespace {

struct Registry {
  std::mutex mutex;
  // The built-in formats: one line each.
  std::map<std::string, DataSourceOpener> openers = {
      {"idx", &OpenIdxDataSource},
      {"npy", &OpenNpyDataSource},
  };
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();  // never destroyed: openers may run at exit
  return *registry;
}

}  // namespace

std::string Describe(const TargetSpec& spec) {
  const std::string what = spec.is_class()   ? "a class"
                           : spec.width == 1 ? "1 value"
                                             : std::to_string(spec.width) + " values";
  return what + (spec.per_step() ? " per step" : " per sequence");
}

void DataSource::Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
                      const TargetsOut& targets) const {
  const int T = steps(), I = inputs();
  const TargetSpec spec = target_spec();
  std::vector<float> sequence(static_cast<size_t>(T) * I);
  if (spec.kind == TargetKind::kClass) {
    for (int b = 0; b < batch; ++b) {
      lengths[b] = Read(indices[b], sequence.data(), {targets.classes + b, nullptr});
      for (int t = 0; t < T; ++t) {
        std::copy_n(sequence.data() + static_cast<size_t>(t) * I, I,
                    x + (static_cast<size_t>(t) * batch + b) * I);
      }
    }
    return;
  }
  // One sample's targets, then scattered time-major as x is.
  const size_t width = static_cast<size_t>(spec.width);
  const size_t per_sample = spec.PerSample(T);
  std::vector<int32_t> classes(spec.is_class() ? per_sample : 0);
  std::vector<float> values(spec.is_class() ? 0 : per_sample);
  const int target_steps = spec.per_step() ? T : 1;
  for (int b = 0; b < batch; ++b) {
    lengths[b] = Read(indices[b], sequence.data(), {classes.data(), values.data()});
    for (int t = 0; t < T; ++t) {
      std::copy_n(sequence.data() + static_cast<size_t>(t) * I, I,
                  x + (static_cast<size_t>(t) * batch + b) * I);
    }
    for (int t = 0; t < target_steps; ++t) {
      const size_t from = static_cast<size_t>(t) * width;
      const size_t to = (static_cast<size_t>(t) * batch + b) * width;
      if (spec.is_class()) {
        std::copy_n(classes.data() + from, width, targets.classes + to);
      } else {
        std::copy_n(values.data() + from, width, targets.values + to);
      }
    }
  }
}

int DataSource::length(int64_t index) const {
  if (!variable_length()) return steps();
  std::vector<float> sequence(static_cast<size_t>(steps()) * inputs());
  const TargetSpec spec = target_spec();
  std::vector<int32_t> classes(spec.is_class() ? spec.PerSample(steps()) : 0);
  std::vector<float> values(spec.is_class() ? 0 : spec.PerSample(steps()));
  return Read(index, sequence.data(), {classes.data(), values.data()});
}

bool RegisterDataSource(const std::string& format, DataSourceOpener open) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mutex);
  SEQ_CHECK(open != nullptr && r.openers.emplace(format, open).second);
  return true;
}

std::vector<std::string> DataSourceFormats() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& entry : r.openers) names.push_back(entry.first);
  return names;
}

std::unique_ptr<DataSource> OpenDataSource(const OpenRequest& request) {
  const std::string format = request.config.format() == "auto"
                                 ? DetectFormat(request.config, request.split)
                                 : request.config.format();
  DataSourceOpener open = nullptr;
  {
    Registry& r = TheRegistry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto found = r.openers.find(format);
    if (found != r.openers.end()) open = found->second;
  }
  if (!open) {
    std::string known;
    for (const std::string& name : DataSourceFormats()) known += name + ", ";
    known += "auto";
    throw Error("data.format = \"" + format + "\": no such data source (known: " + known + ")");
  }
  const seqtrain::DataConfig::PixelOrder order = request.config.pixel_order();
  if (order != seqtrain::DataConfig::ROWS && format != "idx") {
    throw Error("data.pixel_order = " + seqtrain::DataConfig::PixelOrder_Name(order) +
                ": only data.format \"idx\" reads images, not \"" + format + "\"");
  }
  return open(request);
}

std::string PathUnder(const std::string& dir, const std::string& file) {
  if (!file.empty() && file.front() == '/') return file;
  if (dir.empty()) return file;
  return dir.back() == '/' ? dir + file : dir + "/" + file;
}

}  // namespace seqtrain::data
