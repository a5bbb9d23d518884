// The build's provenance: every field filled from this binary and process, the SIMD choice
// followed, the JSON form read back to the same message, and a checkpoint of an earlier build
// (no build recorded) shown as unknown rather than as empty text.
#include "train/build_info.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "simd/simd_target.h"
#include "tensor/blas.h"

namespace seqtrain::train {
namespace {

TEST(BuildInfo, EveryFieldIsFilled) {
  const BuildInfo info = CurrentBuildInfo();
  const auto* descriptor = info.GetDescriptor();
  const auto* reflection = info.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->is_repeated()) {
      EXPECT_GT(reflection->FieldSize(info, field), 0) << field->name();
    } else {
      EXPECT_FALSE(reflection->GetString(info, field).empty()) << field->name();
    }
  }
  EXPECT_NE(info.version().find('.'), std::string::npos);
  EXPECT_TRUE(info.flags_class() == "portable" || info.flags_class().rfind("native", 0) == 0 ||
              info.flags_class().rfind("portable+", 0) == 0)
      << info.flags_class();
  EXPECT_EQ(info.openblas_config().rfind("OpenBLAS ", 0), 0u) << info.openblas_config();
  EXPECT_NE(info.openblas_config().back(), ' ');  // trimmed
  EXPECT_EQ(info.openblas_corename(), tensor::BlasCoreName());
  EXPECT_EQ(info.mpi_library().find('\n'), std::string::npos);
  EXPECT_EQ(info.simd_compiled_size(), static_cast<int>(simd::CompiledTargets().size()));
  EXPECT_EQ(info.simd_compiled(info.simd_compiled_size() - 1), simd::CompiledTargets().back().name);
}

TEST(BuildInfo, ChosenTargetFollowsTheKernels) {
  for (const simd::Target& target : simd::SupportedTargets()) {
    simd::UseTarget(target);
    EXPECT_EQ(CurrentBuildInfo().simd_chosen(), target.name);
  }
  simd::UseTarget(simd::SupportedTargets().front());
}

TEST(BuildInfo, JsonReadsBackToTheSameMessage) {
  const BuildInfo info = CurrentBuildInfo();
  const std::string json = BuildInfoJson(info);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find("\"git_describe\":\"" + info.git_describe() + "\""), std::string::npos)
      << json;
  BuildInfo back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok()) << json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(info, back)) << json;
}

TEST(BuildInfo, TextFormsNameEveryPartAndMarkMissingOnes) {
  const BuildInfo info = CurrentBuildInfo();
  const std::string text = FormatBuildInfo(info);
  EXPECT_EQ(text.rfind("seqtrain " + info.version() + " (git " + info.git_describe() + ")\n", 0),
            0u)
      << text;
  for (const std::string& part :
       {info.compiler(), info.openblas_config(), info.mpi_library(), info.protobuf_version(),
        info.highway_version(), info.simd_chosen()}) {
    EXPECT_NE(text.find(part), std::string::npos) << part;
    EXPECT_NE(BuildInfoLine(info).find(part), std::string::npos) << part;
  }
  EXPECT_EQ(BuildInfoLine(info).find('\n'), std::string::npos);
  BuildInfo partial;  // a checkpoint that recorded only the version
  partial.set_version("0.0.9");
  const std::string shown = FormatBuildInfo(partial);
  EXPECT_NE(shown.find("seqtrain 0.0.9 (git ?)"), std::string::npos) << shown;
  EXPECT_NE(shown.find("mpi:       ?\n"), std::string::npos) << shown;
}

}  // namespace
}  // namespace seqtrain::train
