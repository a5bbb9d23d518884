#include "data/format_detection.h"

#include <sys/stat.h>

#include "data/npy_source.h"
#include "util/error.h"

namespace seqtrain::data {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string DetectFormat(const DataConfig& c, Split split) {
  const bool train = split == Split::kTrain;
  const std::string images = train ? c.train_images() : c.test_images();
  const std::string labels = train ? c.train_labels() : c.test_labels();
  if (Exists(PathUnder(c.dir(), images)) || Exists(PathUnder(c.dir(), labels))) return "idx";
  if (FindNpySet(c.dir(), split).found) return "npy";
  const std::string role = train ? "training set" : "test set";
  if (!c.dir().empty() && !Exists(c.dir())) {
    throw Error("data.dir = " + c.dir() + ": no such folder (looked for the " + role + ")");
  }
  throw Error("data.format = \"auto\": no " + role + " in " + (c.dir().empty() ? "." : c.dir()) +
              ": looked for " + images + " and " + labels + " (idx) and for " +
              NpySetDescription(split) + " (npy)");
}

}  // namespace seqtrain::data
