// The watchdog's limit as the run goes (start-up bound, derived from timed steps,
// pauses, fixed) and its exit when a collective overruns; cli_watchdog stops a real rank.
#include "dist/watchdog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "util/exit_codes.h"

namespace seqtrain::dist {
namespace {

void SleepSeconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

TEST(Watchdog, StartupBoundUntilAStepIsTimedThenTwentyTimesTheSlowestStep) {
  WatchdogLimits limits;
  limits.startup_seconds = 77;
  Watchdog w(limits, 0, 2);
  Watchdog::LimitKind kind;
  EXPECT_EQ(w.CurrentLimit(&kind), 77);
  EXPECT_EQ(kind, Watchdog::LimitKind::kStartup);
  w.StepDone();  // the first step: nothing timed yet
  EXPECT_EQ(w.CurrentLimit(), 77);
  SleepSeconds(0.01);
  w.StepDone();
  EXPECT_EQ(w.CurrentLimit(&kind),
            Watchdog::kMinDerivedSeconds);  // 20 x ~0.01 s is below the floor
  EXPECT_EQ(kind, Watchdog::LimitKind::kDerived);
  SleepSeconds(1.6);
  w.StepDone();
  const double slow = w.CurrentLimit();
  EXPECT_GE(slow, 20 * 1.6);
  EXPECT_LT(slow, 20 * 3.0);
  // A pause (save, evaluation) gives the start-up bound until the next step is done,
  // and that step is not timed.
  w.Pause();
  EXPECT_EQ(w.CurrentLimit(), 77);
  w.StepDone();
  EXPECT_EQ(w.CurrentLimit(), slow);
}

TEST(Watchdog, AFixedLimitIgnoresTheStepTimes) {
  WatchdogLimits limits;
  limits.fixed_seconds = 5;
  Watchdog w(limits, 0, 2);
  w.StepDone();
  SleepSeconds(0.3);
  w.StepDone();
  Watchdog::LimitKind kind;
  EXPECT_EQ(w.CurrentLimit(&kind), 5);
  EXPECT_EQ(kind, Watchdog::LimitKind::kFixed);
  EXPECT_EQ(w.Describe(), "watchdog: 5 s per collective (failure.collective_timeout_seconds)");
  limits.enabled = false;
  EXPECT_EQ(Watchdog(limits, 0, 2).CurrentLimit(), 0);
}

TEST(WatchdogDeathTest, ACollectivePastTheLimitEndsTheProcessNamingItAndTheOtherRank) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        WatchdogLimits limits;
        limits.fixed_seconds = 1;
        Watchdog w(limits, 1, 2);
        w.Enter("MPI_Allreduce (test)", 7);
        SleepSeconds(30);
      },
      testing::ExitedWithCode(kExitWatchdog),
      "^seqtrain: error: \\[rank 1\\] watchdog: waited 1\\.[0-9] s in MPI_Allreduce \\(test\\) at "
      "step 7 \\(limit 1 s: "
      "failure.collective_timeout_seconds\\); rank 0 has not completed it \\(stalled or "
      "gone\\)\n$");
}

TEST(Watchdog, LeavingInTimeDoesNotFire) {
  WatchdogLimits limits;
  limits.fixed_seconds = 1;
  Watchdog w(limits, 0, 3);
  for (int i = 0; i < 4; ++i) {
    w.Enter("MPI_Allreduce (test)", i);
    SleepSeconds(0.5);
    w.Leave();
  }
  SUCCEED();
}

}  // namespace
}  // namespace seqtrain::dist
