#include "config/data_path.h"

namespace seqtrain::config {

std::string PathOf(const DataConfig& data, const std::string& file) {
  const std::string& dir = data.dir();
  if (!file.empty() && file.front() == '/') return file;
  if (dir.empty()) return file;
  return dir.back() == '/' ? dir + file : dir + "/" + file;
}

}  // namespace seqtrain::config
