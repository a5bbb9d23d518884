// A cache of a decoded, run-length packed image set, so a run need not
// decompress the images again: DIR/.seqtrain-cache/NAME.packed beside the IDX
// file, or, when DIR is not writable (no write bit, a read-only mount),
// $XDG_CACHE_HOME/seqtrain (default ~/.cache/seqtrain)/NAME-SIZE-CRC.packed.
// It is used only when it names the source file's exact size and CRC32C and
// its own checksum and structure hold; anything else counts as no cache.
// Writers (several ranks at once) replace it atomically.
#pragma once

#include <string>
#include <vector>

#include "data/idx_file.h"
#include "data/labeled_images.h"

namespace seqtrain::data {

// The places tried, in order: beside the file (not under /usr), then the user's cache folder
// (if HOME or XDG_CACHE_HOME is set).
std::vector<std::string> PackedCachePaths(const std::string& images_path,
                                          const FileChecksum& source);

// The set (labels left empty) when one of the places holds a valid cache of
// a source with this checksum; false when they are missing, stale or damaged.
bool ReadPackedCache(const std::string& images_path, const FileChecksum& source,
                     LabeledImages* set);

// Writes the cache to the first place that takes it; returns "" or why none did.
std::string WritePackedCache(const std::string& images_path, const FileChecksum& source,
                             const LabeledImages& set);

}  // namespace seqtrain::data
