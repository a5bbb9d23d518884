#include "metrics/progress_line.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace seqtrain::metrics {
namespace {

TEST(ProgressLine, FormatDuration) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(59.4), "0:59");
  EXPECT_EQ(FormatDuration(59.6), "1:00");
  EXPECT_EQ(FormatDuration(61), "1:01");
  EXPECT_EQ(FormatDuration(3599), "59:59");
  EXPECT_EQ(FormatDuration(3661), "1:01:01");
  EXPECT_EQ(FormatDuration(100 * 3600 + 5), "100:00:05");
  EXPECT_EQ(FormatDuration(NAN), "--:--");
  EXPECT_EQ(FormatDuration(-1), "--:--");
  EXPECT_EQ(FormatDuration(INFINITY), "--:--");
}

TEST(ProgressLine, EtaIsRemainingStepsAtThisRunsMeanRate) {
  ProgressState s;
  s.first_step = 100;  // resumed at step 100
  s.step = 300;
  s.final_step = 4690;
  s.elapsed_seconds = 10;  // 200 steps in 10 s: 20 steps/s
  EXPECT_DOUBLE_EQ(EstimateEtaSeconds(s), (4690 - 300) / 20.0);
  s.step = s.final_step;
  EXPECT_DOUBLE_EQ(EstimateEtaSeconds(s), 0);
  s.step = s.first_step;  // nothing measured yet
  EXPECT_TRUE(std::isnan(EstimateEtaSeconds(s)));
  s.step = 300;
  s.elapsed_seconds = 0;
  EXPECT_TRUE(std::isnan(EstimateEtaSeconds(s)));
}

TEST(ProgressLine, FormatsEveryField) {
  ProgressState s;
  s.epoch = 1;
  s.total_epochs = 10;
  s.step = 600;
  s.first_step = 0;
  s.final_step = 4690;
  s.loss = 0.31237;
  s.samples_per_sec = 5120.4;
  s.elapsed_seconds = 60;  // 10 steps/s: 409 s left
  EXPECT_EQ(FormatProgress(s),
            "epoch 2/10 | step 600/4690 (12.8%) | loss 0.3124 | 5120 samples/s | ETA 6:49");
  EXPECT_LT(FormatProgress(s).size(), 80u);  // fits a default terminal
  s.total_epochs = 0;
  s.samples_per_sec = 0;
  s.step = 0;
  EXPECT_EQ(FormatProgress(s),
            "epoch 2 | step 0/4690 (0.0%) | loss 0.3124 | - samples/s | ETA --:--");
}

TEST(ProgressLine, DrawsInPlaceAndClearsBeforeOtherOutput) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressLine line(f, true);
    ProgressState s;
    s.final_step = 10;
    s.step = 5;
    line.Draw(s);
    line.Clear();
    line.Clear();  // nothing shown: nothing written
  }
  std::rewind(f);
  char buf[512] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const std::string out(buf, n);
  EXPECT_EQ(out.rfind("\r", 0), 0u) << out;
  EXPECT_NE(out.find("step 5/10"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\033[K");
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find("\r\033[K"), out.size() - 4) << "cleared once only";
}

TEST(ProgressLine, DisabledWritesNothingAndFilesAreNotInteractive) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(IsInteractive(f));
  {
    ProgressLine line(f, false);
    line.Draw(ProgressState{});
    line.Clear();
  }
  EXPECT_EQ(std::ftell(f), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace seqtrain::metrics
