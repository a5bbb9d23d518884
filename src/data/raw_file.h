// Reading a data file's bytes with one-line errors that name it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace seqtrain::data {

// Opens path for reading; "PATH: cannot open: ..." or "PATH: not a regular file".
int OpenRegularFile(const std::string& path);
// read() that retries on EINTR; 0 at the end of the file.
size_t ReadSome(int fd, uint8_t* out, size_t n, const std::string& path);
// Exactly n bytes at offset, or "PATH: truncated ..." / "PATH: read failed: ...".
void ReadExactlyAt(int fd, uint64_t offset, uint8_t* out, size_t n, const std::string& path);
// The size of an open regular file.
uint64_t FileSize(int fd, const std::string& path);

}  // namespace seqtrain::data
