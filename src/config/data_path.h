// Where a data file named in DataConfig is.
#pragma once

#include <string>

#include "config.pb.h"

namespace seqtrain::config {

// A file name that is absolute stays as is; otherwise it is under data.dir.
std::string PathOf(const DataConfig& data, const std::string& file);

}  // namespace seqtrain::config
