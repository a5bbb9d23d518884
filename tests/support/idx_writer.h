// Writes IDX files for tests, plain or gzip, optionally damaged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::testing {

// Header bytes for an unsigned-byte IDX array of the given dims.
std::vector<uint8_t> IdxHeader(const std::vector<uint32_t>& dims);
std::vector<uint8_t> IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data);
void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);
void WriteGzFile(const std::string& path, const std::vector<uint8_t>& bytes);
// A valid gzip IDX file of dims whose data is all zeros, written without
// holding the data: 2 GB of zeros compress to ~2 MB.
void WriteZerosGzIdx(const std::string& path, const std::vector<uint32_t>& dims);
std::vector<uint8_t> ReadFile(const std::string& path);
// A fresh empty folder under the test's temporary directory.
std::string MakeTempDir(const std::string& name);

}  // namespace seqtrain::testing
