// Replaces a file so that a crash at any moment leaves either the old or the
// new content at `path`, never a mix: write a temporary file in the same
// folder, fsync it, rename it over `path`, fsync the folder.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace seqtrain {

// The moments of an atomic write, for fault injection (crash or stall there).
enum class WritePhase {
  kBeforeCreate,   // nothing written yet
  kMidWrite,       // half of the temporary file written, not synced
  kBeforeRename,   // temporary file complete and synced
  kBeforeDirSync,  // renamed into place, folder not yet synced
};
const char* WritePhaseName(WritePhase phase);
using WriteHook = std::function<void(WritePhase phase, const std::string& temporary)>;

// The temporary file of path: "<dir>/.<name>.tmp.<pid>". The writer holds an
// exclusive flock on it while it exists, so a reader can tell a live write from
// the leftover of a crash (see RemoveIfAbandoned).
std::string TemporaryPathFor(const std::string& path);

// Throws seqtrain::Error naming path and the errno (e.g. "No space left on
// device (ENOSPC)"); the temporary file is removed on failure. hook, when set,
// is called at each phase.
void WriteFileAtomically(const std::string& path, const std::string& bytes,
                         const WriteHook& hook = nullptr);
// The same for content in pieces, written in order, so a large buffer (the decoded-image cache)
// is not copied behind a header first.
void WriteFileAtomically(const std::string& path, const std::vector<std::string_view>& pieces,
                         const WriteHook& hook = nullptr);

// Deletes temporary, a file left by WriteFileAtomically, unless its writer
// still holds it (its process is alive). True when it was deleted.
bool RemoveIfAbandoned(const std::string& temporary);

// Reads a whole file; throws seqtrain::Error naming the path.
std::string ReadWholeFile(const std::string& path, size_t max_bytes);

}  // namespace seqtrain
