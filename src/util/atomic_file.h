// Replaces a file so that a crash at any moment leaves either the old or the
// new content at `path`, never a mix: write a temporary file in the same
// folder, fsync it, rename it over `path`, fsync the folder.
#pragma once

#include <string>

namespace seqtrain {

// Throws seqtrain::Error naming the path; the temporary file is removed on failure.
// crash_halfway (fault injection) makes the process exit with kExitInjectedCrash
// after writing half of the temporary file, as a crash would.
void WriteFileAtomically(const std::string& path, const std::string& bytes, bool crash_halfway = false);

// Reads a whole file; throws seqtrain::Error naming the path.
std::string ReadWholeFile(const std::string& path, size_t max_bytes);

}  // namespace seqtrain
