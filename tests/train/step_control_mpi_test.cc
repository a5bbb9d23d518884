// The step's control (train::StepControl) on 1, 2 and 3 ranks: it packs and
// unpacks every field, sums exactly in double where float would not, and every
// rank reaches the same decisions from the sums.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>

#include "dist/communicator.h"
#include "train/step_control.h"

namespace seqtrain::train {
namespace {

StepControl Distinct() {
  StepControl c;
  c.sample_count = 1;
  c.loss_sum = 2;
  c.correct_count = 3;
  c.save_requests = 4;
  c.stop_signals = 5;
  c.nonfinite_ranks = 6;
  c.target_count = 7;
  return c;
}

TEST(StepControl, PackAndUnpackKeepEveryField) {
  const StepControl::Slots slots = Distinct().Pack();
  for (size_t i = 0; i < slots.size(); ++i) EXPECT_EQ(slots[i], static_cast<double>(i + 1));
  const StepControl back = StepControl::Unpack(slots);
  EXPECT_EQ(back.sample_count, 1);
  EXPECT_EQ(back.loss_sum, 2);
  EXPECT_EQ(back.correct_count, 3);
  EXPECT_EQ(back.save_requests, 4);
  EXPECT_EQ(back.stop_signals, 5);
  EXPECT_EQ(back.nonfinite_ranks, 6);
  EXPECT_EQ(back.target_count, 7);
}

TEST(StepControl, DecisionsFollowTheSums) {
  StepControl c;
  c.sample_count = 2;  // e.g. two sequences of lengths 1 and 3 under a per-step head
  c.target_count = 4;
  c.loss_sum = 2;
  c.correct_count = 3;
  EXPECT_TRUE(c.apply_update());
  EXPECT_FALSE(c.save_requested());
  EXPECT_FALSE(c.stop_requested());
  EXPECT_DOUBLE_EQ(c.mean_loss(), 0.5);
  EXPECT_DOUBLE_EQ(c.accuracy(), 0.75);
  EXPECT_DOUBLE_EQ(c.rmse(), std::sqrt(0.5));
  c.nonfinite_ranks = 1;
  c.save_requests = 1;
  c.stop_signals = 2;
  EXPECT_FALSE(c.apply_update());
  EXPECT_TRUE(c.save_requested());
  EXPECT_TRUE(c.stop_requested());
}

TEST(StepControl, SumsOverRanksExactlyBeyondFloatPrecision) {
  dist::Communicator comm(MPI_COMM_WORLD);
  const int n = comm.size(), r = comm.rank();
  StepControl mine;
  // 2^24 + 1 is the first integer a float cannot hold.
  mine.sample_count = (1 << 24) + 1 + r;
  mine.correct_count = (1 << 24) + 1;
  mine.loss_sum = 0.1 * (r + 1);
  mine.save_requests = r == 0 ? 1 : 0;  // only rank 0's timer asks
  mine.stop_signals = r == n - 1 ? 1 : 0;
  mine.nonfinite_ranks = 0;
  const StepControl all = mine.SumOverRanks(comm);
  EXPECT_EQ(all.sample_count, n * ((1.0 * (1 << 24)) + 1) + n * (n - 1) / 2.0);
  EXPECT_EQ(all.correct_count, n * ((1.0 * (1 << 24)) + 1));
  double loss = 0;
  for (int k = 0; k < n; ++k) loss += 0.1 * (k + 1);
  EXPECT_NEAR(all.loss_sum, loss, 1e-15);
  EXPECT_NE(static_cast<float>(all.sample_count), all.sample_count);  // float would have rounded it
  EXPECT_EQ(all.save_requests, 1);
  EXPECT_EQ(all.stop_signals, 1);
  EXPECT_TRUE(all.save_requested());
  EXPECT_TRUE(all.stop_requested());
  EXPECT_TRUE(all.apply_update());
}

TEST(StepControl, OneNonFiniteRankSkipsTheUpdateOnEveryRank) {
  dist::Communicator comm(MPI_COMM_WORLD);
  for (int bad = 0; bad < comm.size(); ++bad) {
    StepControl mine;
    mine.sample_count = 1;
    mine.nonfinite_ranks = comm.rank() == bad ? 1 : 0;
    const StepControl all = mine.SumOverRanks(comm);
    EXPECT_FALSE(all.apply_update()) << "rank " << bad << " non-finite";
    EXPECT_EQ(all.nonfinite_ranks, 1);
    // Every rank holds the same sums, bit for bit.
    double root = all.sample_count;
    MPI_Bcast(&root, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    EXPECT_EQ(root, all.sample_count);
  }
}

}  // namespace
}  // namespace seqtrain::train
