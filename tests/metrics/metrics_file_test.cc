// The metrics JSON lines through their Schema: records written then read back
// field by field, a file written by an earlier version (data/run_478fb4c.jsonl,
// from `train --metrics` at commit 478fb4c) read and rewritten byte for byte,
// and malformed lines refused with file, line and field.
#include "metrics/metrics_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace seqtrain::metrics {
namespace {

MetricsHistory Parse(const std::string& text) {
  std::istringstream in(text);
  return ParseMetrics(in, "m.jsonl");
}

std::string ParseError(const std::string& text) {
  try {
    Parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

FinalRecord SampleFinal() {
  FinalRecord r;
  r.step = 4690;
  r.test_accuracy = 0.98509999;
  r.wall_seconds = 58.25;
  r.world_size = 3;
  r.samples_per_sec = 10393.5;
  r.first_step_seconds = 0.39;
  r.peak_rss_mib = {46.5, 47.25, 48.125};
  r.phase_ms_per_step.assign(static_cast<size_t>(Phase::kCount), 0.0);
  for (size_t i = 0; i < r.phase_ms_per_step.size(); ++i) r.phase_ms_per_step[i] = 0.5 + 1.25 * i;
  r.skipped_steps = 2;
  r.simd_target = "avx2";
  r.gemm_profile_json = R"([{"shape":"NT 64x128x512","calls":3,"wall_s":0.25,"gflops":12.5}])";
  return r;
}

TEST(MetricsFile, RecordsWrittenAreReadBackFieldByField) {
  const StepRecord step{100, 2, 0.579123456, 0.8125, 5584.25};
  const EvalRecord eval{300, 0.9149, 0.27240001, 10000};
  const FinalRecord final_record = SampleFinal();
  const MetricsHistory h =
      Parse(JsonLine(step) + "\n" + JsonLine(eval) + "\n" + JsonLine(final_record) + "\n");
  ASSERT_EQ(h.steps.size(), 1u);
  EXPECT_EQ(h.steps[0].step, 100);
  EXPECT_EQ(h.steps[0].epoch, 2);
  EXPECT_DOUBLE_EQ(h.steps[0].loss, 0.579123456);
  EXPECT_DOUBLE_EQ(h.steps[0].train_accuracy, 0.8125);
  EXPECT_DOUBLE_EQ(h.steps[0].samples_per_sec, 5584.25);
  ASSERT_EQ(h.evals.size(), 1u);
  EXPECT_EQ(h.evals[0].step, 300);
  EXPECT_DOUBLE_EQ(h.evals[0].test_accuracy, 0.9149);
  EXPECT_DOUBLE_EQ(h.evals[0].test_loss, 0.27240001);
  EXPECT_EQ(h.evals[0].count, 0) << "the image count is a console field, not in the line";
  ASSERT_EQ(h.finals.size(), 1u);
  const FinalRecord& f = h.finals[0];
  EXPECT_EQ(f.step, 4690);
  EXPECT_DOUBLE_EQ(f.test_accuracy, 0.98509999);
  EXPECT_DOUBLE_EQ(f.wall_seconds, 58.25);
  EXPECT_EQ(f.world_size, 3);
  EXPECT_DOUBLE_EQ(f.samples_per_sec, 10393.5);
  EXPECT_DOUBLE_EQ(f.first_step_seconds, 0.39);
  EXPECT_EQ(f.peak_rss_mib, final_record.peak_rss_mib);
  EXPECT_EQ(f.phase_ms_per_step, final_record.phase_ms_per_step);
  EXPECT_EQ(f.skipped_steps, 2);
  EXPECT_EQ(f.simd_target, "avx2");
  EXPECT_EQ(f.gemm_profile_json, final_record.gemm_profile_json);
}

TEST(MetricsFile, LinesKeepThePrintfFormat) {
  EXPECT_EQ(JsonLine(StepRecord{100, 0, 0.579, 0.812, 5584}),
            R"({"event":"step","step":100,"epoch":0,"loss":0.579,"train_accuracy":0.812,)"
            R"("samples_per_sec":5584})");
  EXPECT_EQ(JsonLine(StepRecord{1, 0, 1.0 / 3, 2e-5, 1234567.8}),
            R"({"event":"step","step":1,"epoch":0,"loss":0.333333333,"train_accuracy":2e-05,)"
            R"("samples_per_sec":1.23457e+06})");
  EXPECT_EQ(JsonLine(EvalRecord{300, 0.9149, 0.2724, 10000}),
            R"({"event":"eval","step":300,"test_accuracy":0.9149,"test_loss":0.2724})");
  FinalRecord f;
  f.step = 60;
  f.test_accuracy = 0.75;
  f.wall_seconds = 3.5;
  f.world_size = 2;
  f.samples_per_sec = 4000;
  f.first_step_seconds = 1;
  f.peak_rss_mib = {100, 100};
  f.simd_target = "avx2";
  EXPECT_EQ(JsonLine(f),
            R"({"event":"final","step":60,"test_accuracy":0.75,"wall_seconds":3.5,"world_size":2,)"
            R"("samples_per_sec":4000,"first_step_seconds":1,"skipped_steps":0,)"
            R"("simd_target":"avx2","peak_rss_mib":[100,100],"phase_ms_per_step":{}})");
}

TEST(MetricsFile, NonFiniteValuesAreBareTokensAndReadBack) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::string nan_line = JsonLine(StepRecord{7, 0, std::nan(""), inf, 10});
  EXPECT_EQ(nan_line, R"({"event":"step","step":7,"epoch":0,"loss":nan,"train_accuracy":inf,)"
                      R"("samples_per_sec":10})");
  FinalRecord f = SampleFinal();
  f.peak_rss_mib = {-inf, 1};
  const MetricsHistory h =
      Parse(nan_line + "\n" + JsonLine(f) + "\n" +
            R"({"event":"eval","step":8,"test_accuracy":-nan,"test_loss":-inf})");
  ASSERT_EQ(h.steps.size(), 1u);
  EXPECT_TRUE(std::isnan(h.steps[0].loss));
  EXPECT_EQ(h.steps[0].train_accuracy, inf);
  ASSERT_EQ(h.finals.size(), 1u);
  EXPECT_EQ(h.finals[0].peak_rss_mib, (std::vector<double>{-inf, 1}));
  ASSERT_EQ(h.evals.size(), 1u);
  EXPECT_TRUE(std::isnan(h.evals[0].test_accuracy));
  EXPECT_EQ(h.evals[0].test_loss, -inf);
  // Only outside strings: a string that says nan stays a string.
  const MetricsHistory text = Parse(R"({"event":"final","step":1,"simd_target":"nan inf"})");
  EXPECT_EQ(text.finals[0].simd_target, "nan inf");
}

TEST(MetricsFile, EarlierVersionsFileIsReadAndRewrittenByteForByte) {
  const std::string path = SEQTRAIN_METRICS_FIXTURE;
  const MetricsHistory h = ReadMetricsFile(path);
  ASSERT_EQ(h.steps.size(), 3u);
  ASSERT_EQ(h.evals.size(), 2u);
  ASSERT_EQ(h.finals.size(), 1u);
  EXPECT_EQ(h.steps[1].step, 10);
  EXPECT_DOUBLE_EQ(h.steps[1].loss, 1.92529058);
  EXPECT_DOUBLE_EQ(h.evals[1].test_accuracy, 0.5186);
  const FinalRecord& f = h.finals[0];
  EXPECT_EQ(f.world_size, 2);
  EXPECT_EQ(f.simd_target, "avx512");
  EXPECT_EQ(f.peak_rss_mib, (std::vector<double>{47.8125, 48.0078}));
  ASSERT_EQ(f.phase_ms_per_step.size(), static_cast<size_t>(Phase::kCount));
  EXPECT_DOUBLE_EQ(f.phase_ms_per_step[static_cast<size_t>(Phase::kAllreduce)], 16.5874);
  EXPECT_EQ(f.gemm_profile_json.rfind(R"([{"shape":"NN 1792x512x28","calls":20,)", 0), 0u)
      << f.gemm_profile_json;

  // What the writer makes of the records is the file, line for line.
  const std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(JsonLine(h.steps[0]), lines[0]);
  EXPECT_EQ(JsonLine(h.steps[1]), lines[1]);
  EXPECT_EQ(JsonLine(h.evals[0]), lines[2]);
  EXPECT_EQ(JsonLine(h.steps[2]), lines[3]);
  EXPECT_EQ(JsonLine(h.evals[1]), lines[4]);
  EXPECT_EQ(JsonLine(f), lines[5]);
}

TEST(MetricsFile, OptionalFieldsKeepDefaultsAndUnknownOnesAreSkipped) {
  const MetricsHistory h = Parse(
      "{\"event\":\"step\",\"step\":4,\"loss\":1.34e0,\"train_accuracy\":0.5,\"new_field\":[1,{}]}"
      "\n"
      "\n"
      "{\"event\":\"restart\",\"anything\":true}\n"
      "{\"event\":\"final\",\"step\":9,\"phase_ms_per_step\":{\"data\":0.25,\"future_phase\":\"x\"}"
      "}\n");
  ASSERT_EQ(h.steps.size(), 1u);
  EXPECT_EQ(h.steps[0].epoch, 0);
  EXPECT_DOUBLE_EQ(h.steps[0].loss, 1.34);
  EXPECT_EQ(h.steps[0].samples_per_sec, 0);
  ASSERT_EQ(h.finals.size(), 1u);
  EXPECT_EQ(h.finals[0].world_size, 1);
  ASSERT_EQ(h.finals[0].phase_ms_per_step.size(), static_cast<size_t>(Phase::kCount));
  EXPECT_EQ(h.finals[0].phase_ms_per_step[0], 0.25);
  EXPECT_EQ(h.finals[0].phase_ms_per_step[1], 0);
  EXPECT_EQ(h.finals[0].gemm_profile_json, "");
}

TEST(MetricsFile, MalformedLinesNameFileLineAndField) {
  const std::string ok = "{\"event\":\"eval\",\"step\":1,\"test_accuracy\":0.5,\"test_loss\":1}\n";
  EXPECT_EQ(ParseError(ok + "{\"event\":\"step\",\"step\":2"),
            "m.jsonl:2: syntax error while parsing object - unexpected end of input; expected '}' "
            "at column 25");
  EXPECT_EQ(
      ParseError(ok + ok + "not json\n"),
      "m.jsonl:3: syntax error while parsing value - invalid literal; last read: 'no' at column 2");
  EXPECT_EQ(ParseError("[1,2]"), "m.jsonl:1: not a JSON object");
  EXPECT_EQ(ParseError("{\"event\":\"step\",\"step\":1,\"loss\":0.5}\n"),
            "m.jsonl:1: step line has no number \"train_accuracy\"");
  EXPECT_EQ(ParseError("{\"event\":\"eval\",\"step\":1.5,\"test_accuracy\":0.5,\"test_loss\":1}"),
            "m.jsonl:1: eval line: \"step\" is not a non-negative integer");
  EXPECT_EQ(ParseError("{\"event\":\"eval\",\"step\":-1,\"test_accuracy\":0.5,\"test_loss\":1}"),
            "m.jsonl:1: eval line: \"step\" is not a non-negative integer");
  EXPECT_EQ(ParseError("{\"step\":1}"), "m.jsonl:1: no string \"event\"");
  EXPECT_EQ(ParseError("{\"event\":\"step\",\"step\":1,\"loss\":\"high\",\"train_accuracy\":1}"),
            "m.jsonl:1: step line has no number \"loss\"");
  EXPECT_EQ(ParseError("{\"event\":\"final\",\"step\":1,\"world_size\":3000000000}"),
            "m.jsonl:1: final line: \"world_size\" is not a non-negative integer");
  EXPECT_EQ(ParseError("{\"event\":\"final\",\"step\":1,\"simd_target\":2}"),
            "m.jsonl:1: final line has no string \"simd_target\"");
  EXPECT_EQ(ParseError("{\"event\":\"final\",\"step\":1,\"peak_rss_mib\":[1,\"x\"]}"),
            "m.jsonl:1: final line: \"peak_rss_mib\" is not an array of numbers");
  EXPECT_EQ(ParseError("{\"event\":\"final\",\"step\":1,\"phase_ms_per_step\":{\"loss\":null}}"),
            "m.jsonl:1: final line: \"phase_ms_per_step\" has no number \"loss\"");
  EXPECT_EQ(ParseError("{\"event\":\"eval\",\"event\":\"step\"}"),
            "m.jsonl:1: duplicate key \"event\"");
  EXPECT_EQ(
      ParseError("{\"event\":\"step\",\"step\":01}"),
      "m.jsonl:1: syntax error while parsing object - unexpected number literal; expected '}' "
      "at column 25");
  // Columns are those of the line as written, before the non-finite tokens are quoted.
  EXPECT_EQ(ParseError("{\"event\":\"step\",\"loss\":nan,\"x\":[1,2}"),
            "m.jsonl:1: syntax error while parsing array - unexpected '}'; expected ']' "
            "at column 36");
  EXPECT_EQ(ParseError(std::string(70, '[') + std::string(70, ']')),
            "m.jsonl:1: nested too deeply");
}

TEST(MetricsFile, MissingFileIsAnErrorNamingIt) {
  try {
    ReadMetricsFile("/nonexistent/m.jsonl");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/m.jsonl: cannot read metrics file", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace seqtrain::metrics
