// Error kinds and their contract with main():
//   Error          bad user input (flag, config, data file, checkpoint). One line:
//                  "path[:line:col]: field = value: reason". Seen on one rank, it
//                  still ends every rank: main() aborts the job.
//   AgreedFailure  thrown on every rank at once after a failure was agreed on
//                  (see dist/agreement.h) and already printed; main() exits cleanly.
//   SEQ_CHECK      internal invariant; prints file:line and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "util/exit_codes.h"

namespace seqtrain {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure every rank detects at the same point from the same reduced values
// (a diverged run, say): each rank throws it; main() prints it on rank 0 only
// and exits with exit_code without aborting the job.
class AgreedError : public Error {
 public:
  explicit AgreedError(const std::string& message, int exit_code = kExitFailure)
      : Error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A message as one line: newlines and other control characters (say, in a
// --set value) are written as C escapes, so one error is always one line.
inline std::string OneLine(const std::string& message) {
  std::string out;
  out.reserve(message.size());
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 && c != '\t') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

class AgreedFailure : public std::runtime_error {
 public:
  explicit AgreedFailure(int exit_code)
      : std::runtime_error("agreed failure"), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace seqtrain

#define SEQ_CHECK(cond)                                                                           \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "seqtrain: internal error at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)
