// Which build produced a run, and on which libraries and instruction set it ran: printed
// by `seqtrain version` and at the start of every run, kept in every checkpoint and in the
// final metrics line, so a result can be traced to its binary and hardware.
#pragma once

#include <string>

#include "build_info.pb.h"

namespace seqtrain::train {

// This binary (version, git describe, build type, compiler, flags class, compiled SIMD
// targets, protobuf and Highway versions) and what it runs on in this process: the SIMD
// target the kernels use now (after simd::SelectTargetFromEnvironment), the OpenBLAS and
// MPI libraries loaded.
BuildInfo CurrentBuildInfo();

// "seqtrain 0.1.0 (git 478fb4c)" then one "key: value" line per field.
std::string FormatBuildInfo(const BuildInfo& info);
// The same on one line, for the start of a run.
std::string BuildInfoLine(const BuildInfo& info);
// One JSON object with the fields' proto names as keys, for the final metrics line.
std::string BuildInfoJson(const BuildInfo& info);

}  // namespace seqtrain::train
