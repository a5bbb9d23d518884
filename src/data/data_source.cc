#include "data/data_source.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "data/idx_source.h"
#include "util/error.h"

namespace seqtrain::data {
namespace {

struct Registry {
  std::mutex mutex;
  // The built-in formats: one line each.
  std::map<std::string, DataSourceOpener> openers = {
      {"idx", &OpenIdxDataSource},
  };
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();  // never destroyed: openers may run at exit
  return *registry;
}

}  // namespace

void DataSource::Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
                      int32_t* targets) const {
  const int T = steps(), I = inputs();
  std::vector<float> sequence(static_cast<size_t>(T) * I);
  for (int b = 0; b < batch; ++b) {
    const Sample s = Read(indices[b], sequence.data());
    for (int t = 0; t < T; ++t) {
      std::copy_n(sequence.data() + static_cast<size_t>(t) * I, I,
                  x + (static_cast<size_t>(t) * batch + b) * I);
    }
    lengths[b] = s.length;
    targets[b] = s.target;
  }
}

int DataSource::length(int64_t index) const {
  if (!variable_length()) return steps();
  std::vector<float> sequence(static_cast<size_t>(steps()) * inputs());
  return Read(index, sequence.data()).length;
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
  const std::string& format = request.config.format();
  DataSourceOpener open = nullptr;
  {
    Registry& r = TheRegistry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto found = r.openers.find(format);
    if (found != r.openers.end()) open = found->second;
  }
  if (!open) {
    std::string known;
    for (const std::string& name : DataSourceFormats()) known += (known.empty() ? "" : ", ") + name;
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
