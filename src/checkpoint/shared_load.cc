#include "checkpoint/shared_load.h"

#include <cstdio>

#include "checkpoint/checkpoint_file.h"
#include "dist/agreement.h"
#include "util/atomic_file.h"

namespace seqtrain::checkpoint {

std::optional<Loaded> LoadOnAllRanks(dist::Communicator& comm, const std::string& source,
                                     const std::string& auto_dir) {
  std::string path, bytes;
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    if (source == "auto") {
      const auto found = FindLatestValid(auto_dir, [](const std::string& warning) {
        std::fprintf(stderr, "seqtrain: warning: %s\n", warning.c_str());
      });
      if (!found) return;
      path = found->path;
      bytes = found->bytes;
    } else {
      path = source;
      bytes = ReadWholeFile(source, kMaxCheckpointBytes);
      Decode(bytes, source);  // fail here, on rank 0, with the file's name
    }
  });
  comm.BroadcastBytes(&path, 0);
  comm.BroadcastBytes(&bytes, 0);
  if (path.empty()) return std::nullopt;
  Loaded loaded;
  loaded.path = path;
  dist::RunAgreed(comm, [&] { loaded.checkpoint = Decode(bytes, path); });
  return loaded;
}

}  // namespace seqtrain::checkpoint
