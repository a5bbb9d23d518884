// Case-insensitive names (SIMD targets, OpenBLAS core names): ASCII only, so no locale applies.
#pragma once

#include <cctype>
#include <string>

namespace seqtrain {

inline std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace seqtrain
