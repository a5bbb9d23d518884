#include "export/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "util/atomic_file.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::exporting {
namespace {

using Json = nlohmann::json;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; add byte swapping for this platform");

constexpr int kMaxRank = 8;
constexpr int64_t kMaxDim = int64_t{1} << 31;

// A JSON value in an error message, cut short.
std::string Shown(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

class HeaderReader {
 public:
  HeaderReader(const std::string& path, uint64_t data_bytes)
      : path_(path), data_bytes_(data_bytes) {}

  Entry Read(const std::string& name, const Json& value) const {
    const std::string where = path_ + ": tensor '" + name + "'";
    if (!value.is_object()) throw Error(where + ": " + Shown(value) + " is not an object");
    for (const auto& [key, unused] : value.items()) {
      if (key != "dtype" && key != "shape" && key != "data_offsets") {
        throw Error(where + ": unknown key '" + key + "' (keys: dtype, shape, data_offsets)");
      }
    }
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(key)) throw Error(where + ": no " + key);
    }
    const Json& dtype = value["dtype"];
    if (!dtype.is_string()) throw Error(where + ": dtype = " + Shown(dtype) + ": not a string");
    if (dtype.get<std::string>() != "F32") {
      throw Error(where + ": dtype = " + dtype.get<std::string>() + ": only F32 is read");
    }
    Entry entry;
    entry.name = name;
    const Json& shape = value["shape"];
    if (!shape.is_array() || shape.size() > kMaxRank) {
      throw Error(where + ": shape = " + Shown(shape) + ": not an array of at most " +
                  std::to_string(kMaxRank) + " sizes");
    }
    uint64_t count = 1;
    bool overflow = false, empty = false;
    for (const Json& dim : shape) {
      if (!dim.is_number_unsigned() || dim.get<uint64_t>() > static_cast<uint64_t>(kMaxDim)) {
        throw Error(where + ": shape = " + Shown(shape) + ": sizes must be integers in 0.." +
                    std::to_string(kMaxDim));
      }
      entry.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
      overflow = __builtin_mul_overflow(count, dim.get<uint64_t>(), &count) || overflow;
      empty = empty || dim.get<uint64_t>() == 0;
    }
    if (empty) count = 0;
    if (overflow && !empty) {
      throw Error(where + ": shape = " + Shown(shape) + ": more values than 2^64");
    }
    const Json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned() ||
        offsets[0].get<uint64_t>() > offsets[1].get<uint64_t>()) {
      throw Error(where + ": data_offsets = " + Shown(offsets) +
                  ": not [begin, end] with 0 <= begin <= end");
    }
    entry.begin = offsets[0].get<uint64_t>();
    entry.end = offsets[1].get<uint64_t>();
    if (entry.end > data_bytes_) {
      throw Error(where + ": data_offsets = " + Shown(offsets) + ": past the end of the data (" +
                  std::to_string(data_bytes_) + " bytes after the header)");
    }
    // count <= data bytes first, so count * 4 cannot overflow.
    if (count > data_bytes_ || entry.end - entry.begin != count * sizeof(float)) {
      throw Error(where + ": data_offsets = " + Shown(offsets) + " hold " +
                  std::to_string(entry.end - entry.begin) + " bytes, shape " +
                  ShapeText(entry.shape) + " of F32 needs " + std::to_string(count) + " x 4");
    }
    return entry;
  }

 private:
  const std::string& path_;
  uint64_t data_bytes_;
};

Json ParseHeader(const std::string& text, const std::string& path) {
  // nlohmann keeps the last of duplicate keys; a duplicate tensor name is an error here.
  std::set<std::string> top_keys;
  std::string duplicate;
  const Json::parser_callback_t on_event = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 && duplicate.empty() &&
        !top_keys.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text, on_event);
  } catch (const Json::exception& e) {
    throw Error(path + ": the header is not valid JSON: " + e.what());
  }
  if (!duplicate.empty()) throw Error(path + ": tensor '" + duplicate + "': named twice");
  if (!header.is_object())
    throw Error(path + ": the header " + Shown(header) + " is not an object");
  return header;
}

std::map<std::string, std::string> ReadMetadata(const Json& value, const std::string& path) {
  if (!value.is_object()) throw Error(path + ": __metadata__ is not an object of strings");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, text] : value.items()) {
    if (!text.is_string()) {
      throw Error(path + ": __metadata__ '" + key + "' = " + Shown(text) + ": not a string");
    }
    metadata[key] = text.get<std::string>();
  }
  return metadata;
}

}  // namespace

std::string EncodeSafetensors(const Safetensors& file) {
  Json header = Json::object();
  uint64_t offset = 0;
  for (const NamedTensor& t : file.tensors) {
    const uint64_t bytes = t.values.size() * sizeof(float);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  // Invalid UTF-8 (a path in the config, say) is replaced rather than thrown on.
  std::string text = header.dump(-1, ' ', false, Json::error_handler_t::replace);
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  AppendLittleEndian(&out, text.size(), 8);
  out += text;
  for (const NamedTensor& t : file.tensors) {
    out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
  }
  return out;
}

Safetensors DecodeSafetensors(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 8) {
    throw Error(path + ": " + std::to_string(bytes.size()) +
                " bytes: too short for the 8-byte header length (not a safetensors file)");
  }
  const uint64_t header_bytes = ReadLittleEndian(bytes.data(), 8);
  if (header_bytes > kMaxSafetensorsHeaderBytes) {
    throw Error(path + ": header length " + std::to_string(header_bytes) +
                " exceeds the limit of " + std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  }
  if (header_bytes > bytes.size() - 8) {
    throw Error(path + ": header length " + std::to_string(header_bytes) +
                " runs past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
  }
  const Json header = ParseHeader(bytes.substr(8, header_bytes), path);
  const size_t data_start = 8 + header_bytes;
  const uint64_t data_bytes = bytes.size() - data_start;
  const HeaderReader reader(path, data_bytes);
  Safetensors file;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      file.metadata = ReadMetadata(value, path);
    } else {
      entries.push_back(reader.Read(name, value));
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // The ranges must tile the data exactly: no overlap, no gap, nothing after the last.
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered) {
      throw Error(path + ": tensor '" + e.name + "': data_offsets [" + std::to_string(e.begin) +
                  ", " + std::to_string(e.end) + ") overlap tensor '" + previous->name + "' [" +
                  std::to_string(previous->begin) + ", " + std::to_string(previous->end) + ")");
    }
    if (e.begin > covered) {
      throw Error(path + ": tensor '" + e.name + "': data_offsets begin at " +
                  std::to_string(e.begin) + ", leaving bytes " + std::to_string(covered) + ".." +
                  std::to_string(e.begin) + " to no tensor");
    }
    covered = e.end;
    previous = &e;
  }
  if (covered != data_bytes) {
    throw Error(path + ": " + std::to_string(data_bytes - covered) +
                " trailing bytes after the last tensor (its data ends at " +
                std::to_string(covered) + " of " + std::to_string(data_bytes) + ")");
  }
  for (const Entry& e : entries) {
    NamedTensor t;
    t.name = e.name;
    t.shape = e.shape;
    t.values.resize((e.end - e.begin) / sizeof(float));
    if (!t.values.empty()) {
      std::memcpy(t.values.data(), bytes.data() + data_start + e.begin, e.end - e.begin);
    }
    file.tensors.push_back(std::move(t));
  }
  return file;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Safetensors ReadSafetensors(const std::string& path) {
  return DecodeSafetensors(ReadWholeFile(path, kMaxSafetensorsFileBytes), path);
}

}  // namespace seqtrain::exporting
