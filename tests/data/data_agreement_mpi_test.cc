// Ranks agreeing on their data (data::AgreeOnData) on 2 and 3 ranks: every
// rank leaves the same way, and the message names the rank, set, file and values.
#include <gtest/gtest.h>
#include <mpi.h>

#include "data/data_agreement.h"
#include "util/error.h"

namespace seqtrain::data {
namespace {

LoadOutcome Loaded() {
  LoadOutcome o;
  SetFacts train;
  train.role = "training set";
  train.noun = "images";
  train.count = 60000;
  train.shape[0] = train.shape[1] = 28;
  train.files = {{"/data/train-images-idx3-ubyte.gz", {9912422, 0x0510AB2Fu}},
                 {"/data/train-labels-idx1-ubyte.gz", {28881, 0x1A2B3C4Du}}};
  SetFacts test = train;
  test.role = "test set";
  test.count = 10000;
  test.files = {{"/data/t10k-images-idx3-ubyte.gz", {1648877, 0x11111111u}},
                {"/data/t10k-labels-idx1-ubyte.gz", {4542, 0x22222222u}}};
  o.sets = {train, test};
  return o;
}

class DataAgreementTest : public ::testing::Test {
 protected:
  dist::Communicator comm_{MPI_COMM_WORLD};
  int last() const { return comm_.size() - 1; }

  // The AgreedError message every rank got ("" when AgreeOnData returned).
  std::string AgreedMessage(const LoadOutcome& mine) {
    try {
      AgreeOnData(comm_, mine, 75);
    } catch (const AgreedError& e) {
      EXPECT_EQ(e.exit_code(), 1);
      return e.what();
    }
    return "";
  }
};

TEST_F(DataAgreementTest, SameDataPasses) { EXPECT_EQ(AgreedMessage(Loaded()), ""); }

TEST_F(DataAgreementTest, SameCountDifferentLabelsIsNamed) {
  LoadOutcome mine = Loaded();
  if (comm_.rank() == last()) mine.sets[0].files[1].checksum.crc32c = 0x5E6F7081u;
  EXPECT_EQ(AgreedMessage(mine),
            "[rank " + std::to_string(last()) +
                "] training set differs from rank 0's: train-labels-idx1-ubyte.gz crc32c "
                "5E6F7081 vs 1A2B3C4D (rank 0)");
}

TEST_F(DataAgreementTest, DifferentCountIsNamedBeforeTheChecksums) {
  LoadOutcome mine = Loaded();
  if (comm_.rank() != 0) {
    mine.sets[1].count = 9999;
    mine.sets[1].files[0].checksum.crc32c = 0x33333333u;
  }
  std::string want =
      "[rank 1] test set differs from rank 0's: t10k-images-idx3-ubyte.gz holds 9999 images vs "
      "10000 (rank 0)";
  if (comm_.size() > 2) want += " (" + std::to_string(comm_.size() - 2) + " more rank(s) differ)";
  EXPECT_EQ(AgreedMessage(mine), want);
}

TEST_F(DataAgreementTest, DifferentShapeIsNamed) {
  LoadOutcome mine = Loaded();
  if (comm_.rank() == last()) mine.sets[0].shape[0] = mine.sets[0].shape[1] = 32;
  EXPECT_EQ(AgreedMessage(mine),
            "[rank " + std::to_string(last()) +
                "] training set differs from rank 0's: train-images-idx3-ubyte.gz images are "
                "32x32 vs 28x28 (rank 0)");
}

TEST_F(DataAgreementTest, AnyFileOfASourceIsCompared) {
  // A source of three files (as a sequence format's x, y and lengths), of samples.
  LoadOutcome mine;
  SetFacts set;
  set.role = "training set";
  set.count = 100;
  set.shape[0] = 50;
  set.shape[1] = 3;
  set.files = {
      {"/d/train_x.npy", {600, 1}}, {"/d/train_y.npy", {400, 2}}, {"/d/train_len.npy", {400, 3}}};
  mine.sets = {set};
  EXPECT_EQ(AgreedMessage(mine), "");
  if (comm_.rank() == last()) mine.sets[0].files[2].checksum.crc32c = 4;
  EXPECT_EQ(AgreedMessage(mine), "[rank " + std::to_string(last()) +
                                     "] training set differs from rank 0's: train_len.npy crc32c "
                                     "00000004 vs 00000003 (rank 0)");
  mine.sets = {set};
  if (comm_.rank() == last()) mine.sets[0].count = 99;
  EXPECT_EQ(AgreedMessage(mine), "[rank " + std::to_string(last()) +
                                     "] training set differs from rank 0's: train_x.npy holds 99 "
                                     "samples vs 100 (rank 0)");
}

TEST_F(DataAgreementTest, ALoadErrorOnOneRankEndsEveryRank) {
  LoadOutcome mine = Loaded();
  if (comm_.rank() == last()) {
    mine.status = LoadOutcome::Status::kFailed;
    mine.error = "x.gz: truncated";
  }
  try {
    AgreeOnData(comm_, mine, 75);
    ADD_FAILURE() << "returned";
  } catch (const AgreedFailure& e) {
    EXPECT_EQ(e.exit_code(), 1);
  }
}

TEST_F(DataAgreementTest, AStopOnAnyRankStopsEveryRankWithTheStopCode) {
  for (int stopped = 0; stopped < comm_.size(); ++stopped) {
    LoadOutcome mine = Loaded();
    if (comm_.rank() == stopped) {
      mine.status = LoadOutcome::Status::kStopped;
      mine.signal = 15;
    }
    try {
      AgreeOnData(comm_, mine, 75);
      ADD_FAILURE() << "returned";
    } catch (const AgreedFailure& e) {
      EXPECT_EQ(e.exit_code(), 75);
    }
  }
}

}  // namespace
}  // namespace seqtrain::data
