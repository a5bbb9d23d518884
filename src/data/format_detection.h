// data.format "auto": which source reads a set, from the files in data.dir.
#pragma once

#include <string>

#include "config.pb.h"
#include "data/data_source.h"

namespace seqtrain::data {

// "idx" when either IDX file of the set (data.{train,test}_{images,labels}) is there (the
// idx source then names one that is missing), else "npy" when its NumPy files are, else an
// Error saying what was looked for where.
std::string DetectFormat(const DataConfig& config, Split split);

}  // namespace seqtrain::data
