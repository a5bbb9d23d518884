#include "train/build_info.h"

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>
#include <hwy/highway.h>

#include "build_config.h"
#include "dist/communicator.h"
#include "git_describe.h"
#include "simd/simd_target.h"
#include "tensor/blas.h"

namespace seqtrain::train {
namespace {

using Strings = google::protobuf::RepeatedPtrField<std::string>;

std::string Join(const Strings& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string TrimmedEnd(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  return text;
}

// Absent in checkpoints of builds that did not record it.
std::string OrUnknown(const std::string& value) { return value.empty() ? "?" : value; }

}  // namespace

BuildInfo CurrentBuildInfo() {
  BuildInfo info;
  info.set_version(SEQTRAIN_VERSION);
  info.set_git_describe(SEQTRAIN_GIT_DESCRIBE);
  info.set_build_type(SEQTRAIN_BUILD_TYPE);
  info.set_compiler(SEQTRAIN_COMPILER);
  info.set_flags_class(SEQTRAIN_FLAGS_CLASS);
  for (const simd::Target& target : simd::CompiledTargets()) info.add_simd_compiled(target.name);
  info.set_simd_chosen(simd::ActiveTargetName());
  info.set_openblas_config(TrimmedEnd(tensor::BlasConfig()));  // it ends in a space
  info.set_openblas_corename(tensor::BlasCoreName());
  info.set_mpi_library(dist::MpiLibraryVersion());
  info.set_protobuf_version(google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  info.set_highway_version(std::to_string(HWY_MAJOR) + "." + std::to_string(HWY_MINOR) + "." +
                           std::to_string(HWY_PATCH));
  return info;
}

std::string FormatBuildInfo(const BuildInfo& b) {
  const auto& u = OrUnknown;
  return "seqtrain " + u(b.version()) + " (git " + u(b.git_describe()) + ")\n" +
         "build:     " + u(b.build_type()) + ", " + u(b.compiler()) + ", " + u(b.flags_class()) +
         " flags\n" + "simd:      compiled " + u(Join(b.simd_compiled(), ", ")) + "; chosen " +
         u(b.simd_chosen()) + "\n" + "openblas:  " + u(b.openblas_config()) + " (core " +
         u(b.openblas_corename()) + ")\n" + "mpi:       " + u(b.mpi_library()) + "\n" +
         "protobuf:  " + u(b.protobuf_version()) + "\n" + "highway:   " + u(b.highway_version()) +
         "\n";
}

std::string BuildInfoLine(const BuildInfo& b) {
  const auto& u = OrUnknown;
  return "seqtrain " + u(b.version()) + " (git " + u(b.git_describe()) + "), " + u(b.build_type()) +
         " " + u(b.compiler()) + " " + u(b.flags_class()) + "; SIMD " + u(b.simd_chosen()) +
         " of " + u(Join(b.simd_compiled(), ",")) + "; " + u(b.openblas_config()) + " (core " +
         u(b.openblas_corename()) + "); " + u(b.mpi_library()) + "; protobuf " +
         u(b.protobuf_version()) + "; Highway " + u(b.highway_version());
}

std::string BuildInfoJson(const BuildInfo& info) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // snake_case, like the rest of the metrics file
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(info, &json, options).ok()) return "{}";
  return json;
}

}  // namespace seqtrain::train
