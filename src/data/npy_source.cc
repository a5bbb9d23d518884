#include "data/npy_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "data/npz_archive.h"
#include "util/error.h"
#include "util/little_endian.h"

namespace seqtrain::data {
namespace {

bool IsFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Prefix(Split split) { return split == Split::kTrain ? "train" : "test"; }

[[noreturn]] void Fail(const NpyArray& a, const std::string& what) {
  throw Error(a.name + ": " + what);
}

std::string DescrText(const NpyArray& a) {
  return "descr = '" + a.header.descr + "', shape " + a.ShapeText();
}

// One step's I values as floats.
void ConvertValues(const NpyArray& x, size_t first, int n, float scale, float* out) {
  const uint8_t* p = x.data() + first * x.header.itemsize;
  if (x.header.kind == NpyKind::kUnsigned) {  // uint8, as the IDX pixels: value * scale
    for (int j = 0; j < n; ++j) out[j] = static_cast<float>(p[j]) * scale;
  } else if (x.header.itemsize == 4) {
    for (int j = 0; j < n; ++j) {
      const auto bits = static_cast<uint32_t>(ReadLittleEndian(p + 4 * j, 4));
      std::memcpy(&out[j], &bits, sizeof(float));
    }
  } else {
    for (int j = 0; j < n; ++j) {
      const uint64_t bits = ReadLittleEndian(p + 8 * j, 8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      out[j] = static_cast<float>(d);
    }
  }
}

}  // namespace

NpySetLookup FindNpySet(const std::string& dir, Split split) {
  const std::string p = Prefix(split);
  NpySetLookup found;
  NpySetFiles& f = found.files;
  const std::string x = PathUnder(dir, p + "_x.npy"), npz = PathUnder(dir, p + ".npz");
  const bool have_npy = IsFile(x), have_npz = IsFile(npz);
  if (have_npy && have_npz) {
    throw Error(x + " and " + npz + " are both there: keep one (data.format npy reads either)");
  }
  if (have_npz) {
    f.npz = npz;
  } else if (have_npy) {
    f.x = x;
    f.y = PathUnder(dir, p + "_y.npy");
    const std::string lengths = PathUnder(dir, p + "_len.npy");
    if (IsFile(lengths)) f.lengths = lengths;
  }
  found.found = have_npy || have_npz;
  return found;
}

std::string NpySetDescription(Split split) {
  const std::string p = Prefix(split);
  return p + "_x.npy (with " + p + "_y.npy, [" + p + "_len.npy]) or " + p + ".npz";
}

NpyTargets TargetsFromY(const NpyArray& y, const TargetSpec& spec, int64_t count, int steps,
                        int num_classes, const std::vector<int32_t>& lengths) {
  const std::vector<int64_t>& s = y.shape();
  const std::string head = " (model.head reads " + Describe(spec) + ")";
  if (s.empty() || s[0] != count) {
    Fail(y, DescrText(y) + ": y must hold the targets of " + std::to_string(count) +
                " sequences (x's N)");
  }
  // The shape y must have: (N,), (N, K); per step (N, T), (N, T, K). Width 1 may drop K.
  std::vector<int64_t> wanted{count};
  if (spec.per_step()) wanted.push_back(steps);
  const bool with_width =
      spec.width > 1 || (s.size() == wanted.size() + 1 && spec.width == 1 && !spec.is_class());
  if (with_width) wanted.push_back(spec.width);
  if (s != wanted) {
    Fail(y, DescrText(y) + ": y must be of shape " + ShapeText(wanted) + head);
  }
  if (spec.is_class() && y.is_float()) {
    Fail(y, DescrText(y) + ": class ids must be integers" + head);
  }
  NpyTargets t;
  const int per_sample = static_cast<int>(spec.PerSample(steps));
  const size_t total = static_cast<size_t>(count) * per_sample;
  if (spec.is_class()) {
    t.classes.assign(total, 0);
  } else {
    t.values.assign(total, 0.0f);
  }
  for (int64_t i = 0; i < count; ++i) {
    // Per-step targets past a length are padding: kept 0, never checked.
    const int real = spec.per_step() ? lengths[static_cast<size_t>(i)] * spec.width : per_sample;
    for (int e = 0; e < real; ++e) {
      const int64_t flat = i * per_sample + e;
      if (spec.is_class()) {
        const int64_t v = y.IntegerAt(flat);
        if (v < 0 || v >= num_classes) {
          Fail(y, "class " + std::to_string(v) + " at index " + std::to_string(i) +
                      (spec.per_step() ? ", step " + std::to_string(e) : std::string()) +
                      " is out of range [0, " + std::to_string(num_classes) +
                      ") (model.num_classes = " + std::to_string(num_classes) + ")");
        }
        t.classes[static_cast<size_t>(flat)] = static_cast<int32_t>(v);
      } else {
        const double v = y.ValueAt(flat);
        const float f = static_cast<float>(v);
        if (!std::isfinite(f)) {
          Fail(y, std::string(std::isnan(v) ? "NaN" : "Inf or a value beyond float32") +
                      " in y at index " + std::to_string(i) + ": targets must be finite");
        }
        t.values[static_cast<size_t>(flat)] = f;
      }
    }
  }
  return t;
}

NpyDataSource::NpyDataSource(NpyArray x, const NpyArray* y, const NpyArray* lengths, int steps,
                             int inputs, int num_classes, const TargetSpec& targets,
                             double uint8_scale, std::vector<AgreedFile> files_read)
    : x_(std::move(x)),
      steps_(steps),
      inputs_(inputs),
      num_classes_(targets.is_class() ? num_classes : 0),
      spec_(targets),
      uint8_scale_(static_cast<float>(uint8_scale)),
      files_(std::move(files_read)) {
  const NpyHeader& h = x_.header;
  const std::string d = h.descr;
  if (d != "<f4" && d != "<f8" && d != "|u1") {
    Fail(x_, "descr = '" + d + "': x must be float32 ('<f4'), float64 ('<f8') or uint8 ('|u1')");
  }
  if (h.shape.size() != 3) {
    Fail(x_, "shape " + x_.ShapeText() + ": x must be (N, T, I): sequences, steps, inputs");
  }
  if (h.shape[0] < 1) Fail(x_, "shape " + x_.ShapeText() + ": no sequences");
  if (h.shape[1] != steps || h.shape[2] != inputs) {
    Fail(x_, "shape " + x_.ShapeText() + " (N, T, I) but model.time_steps = " +
                 std::to_string(steps) + " and model.input_size = " + std::to_string(inputs) +
                 ": the model's shape must match the data (--set model.time_steps=" +
                 std::to_string(h.shape[1]) +
                 " --set model.input_size=" + std::to_string(h.shape[2]) + ")");
  }
  count_ = h.shape[0];
  lengths_.assign(static_cast<size_t>(count_), steps);
  if (lengths) {
    const NpyArray& n = *lengths;
    if (n.is_float()) Fail(n, DescrText(n) + ": lengths must be integers");
    if (n.shape().size() != 1 || n.shape()[0] != count_) {
      Fail(n, "shape " + n.ShapeText() + ": lengths must be (N,) = (" + std::to_string(count_) +
                  ",), one per sequence of x");
    }
    for (int64_t i = 0; i < count_; ++i) {
      const int64_t v = n.IntegerAt(i);
      if (v < 1 || v > steps) {
        Fail(n, "length " + std::to_string(v) + " at index " + std::to_string(i) +
                    " is out of range [1, " + std::to_string(steps) + "] (T of x)");
      }
      lengths_[static_cast<size_t>(i)] = static_cast<int32_t>(v);
      variable_length_ = variable_length_ || v < steps;
    }
  }
  if (y) {
    targets_ = TargetsFromY(*y, spec_, count_, steps, num_classes, lengths_);
  } else if (spec_.is_class()) {  // inputs only (prediction): every target 0
    targets_.classes.assign(static_cast<size_t>(count_) * spec_.PerSample(steps), 0);
  } else {
    targets_.values.assign(static_cast<size_t>(count_) * spec_.PerSample(steps), 0.0f);
  }
  // Values within each length must be finite as float; padding is never read.
  if (d != "|u1") {
    std::vector<float> row(static_cast<size_t>(inputs));
    for (int64_t i = 0; i < count_; ++i) {
      for (int t = 0; t < lengths_[static_cast<size_t>(i)]; ++t) {
        const size_t first = (static_cast<size_t>(i) * steps + t) * inputs;
        ConvertValues(x_, first, inputs, uint8_scale_, row.data());
        for (int j = 0; j < inputs; ++j) {
          if (std::isfinite(row[static_cast<size_t>(j)])) continue;
          const double v = x_.ValueAt(static_cast<int64_t>(first) + j);
          Fail(x_, std::string(std::isnan(v)   ? "NaN"
                               : std::isinf(v) ? "Inf"
                                               : "a value beyond "
                                                 "float32") +
                       " in x at sequence " + std::to_string(i) + ", step " + std::to_string(t) +
                       ", input " + std::to_string(j) + ": x must be finite");
        }
      }
    }
  }
}

void NpyDataSource::CopySteps(int64_t index, int length, float* out, size_t stride) const {
  for (int t = 0; t < length; ++t) {
    const size_t first = (static_cast<size_t>(index) * steps_ + t) * inputs_;
    ConvertValues(x_, first, inputs_, uint8_scale_, out + t * stride);
  }
}

int NpyDataSource::Read(int64_t index, float* sequence, const TargetsOut& targets) const {
  SEQ_CHECK(index >= 0 && index < count_);
  const int length = lengths_[static_cast<size_t>(index)];
  CopySteps(index, length, sequence, static_cast<size_t>(inputs_));
  std::fill(sequence + static_cast<size_t>(length) * inputs_,
            sequence + static_cast<size_t>(steps_) * inputs_, 0.0f);
  const size_t per_sample = spec_.PerSample(steps_);
  const size_t first = static_cast<size_t>(index) * per_sample;
  if (spec_.is_class()) {
    std::copy_n(targets_.classes.data() + first, per_sample, targets.classes);
  } else {
    std::copy_n(targets_.values.data() + first, per_sample, targets.values);
  }
  return length;
}

void NpyDataSource::Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
                         const TargetsOut& targets) const {
  const int width = spec_.width;
  const int target_steps = spec_.per_step() ? steps_ : 1;
  const size_t per_sample = spec_.PerSample(steps_);
  const size_t stride = static_cast<size_t>(batch) * inputs_;
  for (int b = 0; b < batch; ++b) {
    const int64_t index = indices[b];
    SEQ_CHECK(index >= 0 && index < count_);
    const int length = lengths_[static_cast<size_t>(index)];
    float* row = x + static_cast<size_t>(b) * inputs_;
    CopySteps(index, length, row, stride);
    for (int t = length; t < steps_; ++t) std::fill_n(row + t * stride, inputs_, 0.0f);
    lengths[b] = length;
    // Time-major like x (data_source.h TargetsOut).
    const size_t first = static_cast<size_t>(index) * per_sample;
    for (int t = 0; t < target_steps; ++t) {
      const size_t from = first + static_cast<size_t>(t) * width;
      const size_t to = (static_cast<size_t>(t) * batch + b) * width;
      if (spec_.is_class()) {
        std::copy_n(targets_.classes.data() + from, width, targets.classes + to);
      } else {
        std::copy_n(targets_.values.data() + from, width, targets.values + to);
      }
    }
  }
}

SetFacts NpyDataSource::Facts() const {
  SetFacts f;
  f.noun = "sequences";
  f.count = count_;
  f.shape[0] = steps_;
  f.shape[1] = inputs_;
  f.files = files_;
  return f;
}

std::unique_ptr<DataSource> OpenNpyDataSource(const OpenRequest& request) {
  const DataConfig& c = request.config;
  const NpySetLookup lookup = FindNpySet(c.dir(), request.split);
  if (!lookup.found) {
    throw Error(PathUnder(c.dir(), Prefix(request.split) + "_x.npy") + ": cannot open: no " +
                NpySetDescription(request.split) + " in " + c.dir() + " (data.format npy)");
  }
  const NpySetFiles& f = lookup.files;
  std::vector<AgreedFile> files;
  std::optional<NpyArray> x, y, lengths;
  if (!f.npz.empty()) {
    const NpzArchive npz = NpzArchive::OpenFile(f.npz);
    x = npz.ReadArray("x", request.stop_requested);
    y = npz.ReadArray("y", request.stop_requested);
    if (npz.Find("len")) lengths = npz.ReadArray("len", request.stop_requested);
    files.push_back({f.npz, ChecksumFile(f.npz)});
  } else {
    AgreedFile file{f.x, {}};
    x = ReadNpyFile(f.x, request.stop_requested, &file.checksum);
    files.push_back(file);
    file.path = f.y;
    y = ReadNpyFile(f.y, request.stop_requested, &file.checksum);
    files.push_back(file);
    if (!f.lengths.empty()) {
      file.path = f.lengths;
      lengths = ReadNpyFile(f.lengths, request.stop_requested, &file.checksum);
      files.push_back(file);
    }
  }
  if (request.stop_requested && request.stop_requested()) throw LoadStopped();
  return std::make_unique<NpyDataSource>(std::move(*x), &*y, lengths ? &*lengths : nullptr,
                                         request.steps, request.inputs, request.num_classes,
                                         request.targets, c.uint8_scale(), std::move(files));
}

std::unique_ptr<DataSource> OpenNpyInputs(const std::string& x_path,
                                          const std::string& lengths_path, int steps, int inputs,
                                          const TargetSpec& targets, double uint8_scale) {
  AgreedFile file{x_path, {}};
  NpyArray x = ReadNpyFile(x_path, nullptr, &file.checksum);
  std::vector<AgreedFile> files{file};
  std::optional<NpyArray> lengths;
  if (!lengths_path.empty()) {
    file.path = lengths_path;
    lengths = ReadNpyFile(lengths_path, nullptr, &file.checksum);
    files.push_back(file);
  }
  return std::make_unique<NpyDataSource>(std::move(x), nullptr, lengths ? &*lengths : nullptr,
                                         steps, inputs, 0, targets, uint8_scale, std::move(files));
}

}  // namespace seqtrain::data
