// libFuzzer target; see fuzz_entries.h.
#include <cstddef>
#include <cstdint>

#include "fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seqtrain::fuzz::SafetensorsInput(data, size);
  return 0;
}
