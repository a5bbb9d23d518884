// Runs a step that may fail with seqtrain::Error on some ranks only (a file
// missing on one node, say) and makes every rank leave it the same way: the
// lowest failing rank prints its message once and all ranks throw
// AgreedFailure, so none is left waiting in the next collective.
#pragma once

#include <cstdio>
#include <new>
#include <string>

#include "dist/communicator.h"
#include "util/error.h"

namespace seqtrain::dist {

template <typename Fn>
void RunAgreed(Communicator& comm, Fn&& fn) {
  std::string message;
  try {
    fn();
  } catch (const Error& e) {
    message = e.what();
  } catch (const std::bad_alloc&) {
    message = "out of memory (std::bad_alloc): this rank could not allocate what the run needs";
  }
  const int first = comm.FirstFailingRank(message.empty());
  if (first < 0) return;
  if (first == comm.rank()) {
    if (comm.size() > 1 && first != 0) {
      std::fprintf(stderr, "seqtrain: error: [rank %d] %s\n", first, OneLine(message).c_str());
    } else {
      std::fprintf(stderr, "seqtrain: error: %s\n", OneLine(message).c_str());
    }
    std::fflush(stderr);
  }
  throw AgreedFailure(kExitFailure);
}

}  // namespace seqtrain::dist
