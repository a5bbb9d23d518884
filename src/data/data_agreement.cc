#include "data/data_agreement.h"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace seqtrain::data {
namespace {

// The fixed record each rank contributes. Zero-filled first, so padding is
// the same on every rank; ranks of one job share a byte order.
struct WireFile {
  uint64_t size;
  uint32_t crc;
  uint32_t unused;
};

struct WireSet {
  int64_t count;
  int32_t shape[2];
  int32_t num_files;
  int32_t unused;
  WireFile files[kMaxAgreedFiles];
};

struct WireRecord {
  int32_t status;
  int32_t signal;
  int32_t num_sets;
  int32_t unused;
  WireSet sets[kMaxAgreedSets];
};

WireRecord Encode(const LoadOutcome& outcome) {
  WireRecord r;
  std::memset(&r, 0, sizeof r);
  r.status = static_cast<int32_t>(outcome.status);
  r.signal = outcome.signal;
  if (outcome.status != LoadOutcome::Status::kLoaded) return r;
  SEQ_CHECK(outcome.sets.size() <= kMaxAgreedSets);
  r.num_sets = static_cast<int32_t>(outcome.sets.size());
  for (size_t i = 0; i < outcome.sets.size(); ++i) {
    const SetFacts& f = outcome.sets[i];
    SEQ_CHECK(f.files.size() <= kMaxAgreedFiles);
    WireSet& w = r.sets[i];
    w.count = f.count;
    w.shape[0] = f.shape[0];
    w.shape[1] = f.shape[1];
    w.num_files = static_cast<int32_t>(f.files.size());
    for (size_t k = 0; k < f.files.size(); ++k)
      w.files[k] = {f.files[k].checksum.size, f.files[k].checksum.crc32c, 0};
  }
  return r;
}

std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08X", v);
  return buf;
}

// How one file's facts differ, or "" when they agree.
std::string FileDifference(const std::string& name, uint64_t size, uint32_t crc, uint64_t root_size,
                           uint32_t root_crc) {
  if (crc != root_crc) return name + " crc32c " + Hex(crc) + " vs " + Hex(root_crc) + " (rank 0)";
  if (size != root_size) {
    return name + " " + std::to_string(size) + " bytes vs " + std::to_string(root_size) +
           " (rank 0)";
  }
  return "";
}

// How rank r's data differs from rank 0's ("training set differs ...: detail"), or "".
std::string Difference(const WireRecord& root, const WireRecord& r,
                       const std::vector<SetFacts>& names) {
  if (r.num_sets != root.num_sets) {
    return "loads " + std::to_string(r.num_sets) + " data sets, rank 0 loads " +
           std::to_string(root.num_sets);
  }
  for (int i = 0; i < root.num_sets; ++i) {
    const WireSet &a = r.sets[i], &b = root.sets[i];
    const SetFacts& facts = names[static_cast<size_t>(i)];
    const std::string first = facts.files.empty() ? facts.role : BaseName(facts.files[0].path);
    std::string detail;
    if (a.count != b.count) {
      detail = first + " holds " + std::to_string(a.count) + " " + facts.noun + " vs " +
               std::to_string(b.count) + " (rank 0)";
    } else if (a.shape[0] != b.shape[0] || a.shape[1] != b.shape[1]) {
      detail = first + " " + facts.noun + " are " + std::to_string(a.shape[0]) + "x" +
               std::to_string(a.shape[1]) + " vs " + std::to_string(b.shape[0]) + "x" +
               std::to_string(b.shape[1]) + " (rank 0)";
    } else if (a.num_files != b.num_files) {
      detail = "reads " + std::to_string(a.num_files) + " files vs " + std::to_string(b.num_files) +
               " (rank 0)";
    } else {
      for (int k = 0; k < a.num_files && detail.empty() && k < static_cast<int>(facts.files.size());
           ++k) {
        detail = FileDifference(BaseName(facts.files[static_cast<size_t>(k)].path), a.files[k].size,
                                a.files[k].crc, b.files[k].size, b.files[k].crc);
      }
    }
    if (!detail.empty()) return facts.role + " differs from rank 0's: " + detail;
  }
  return "";
}

std::string RankList(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) out += (out.empty() ? "" : ", ") + std::to_string(r);
  return out;
}

}  // namespace

void AgreeOnData(dist::Communicator& comm, const LoadOutcome& mine, int stop_exit_code) {
  const WireRecord record = Encode(mine);
  const std::vector<uint8_t> bytes =
      comm.AllGatherBytes(&record, sizeof record, "MPI_Allgather (data agreement)");
  std::vector<WireRecord> all(static_cast<size_t>(comm.size()));
  std::memcpy(all.data(), bytes.data(), bytes.size());

  // A rank that could not load: only it has the message.
  for (int r = 0; r < comm.size(); ++r) {
    if (all[r].status != static_cast<int32_t>(LoadOutcome::Status::kFailed)) continue;
    if (r == comm.rank()) {
      const std::string where =
          comm.size() > 1 && r != 0 ? "[rank " + std::to_string(r) + "] " : "";
      std::fprintf(stderr, "seqtrain: error: %s%s\n", where.c_str(), OneLine(mine.error).c_str());
      std::fflush(stderr);
    }
    throw AgreedFailure(kExitFailure);
  }

  std::vector<int> stopped;
  for (int r = 0; r < comm.size(); ++r) {
    if (all[r].status == static_cast<int32_t>(LoadOutcome::Status::kStopped)) stopped.push_back(r);
  }
  if (!stopped.empty()) {
    if (comm.is_root()) {
      const std::string on =
          static_cast<int>(stopped.size()) == comm.size()
              ? ""
              : (stopped.size() == 1 ? " on rank " : " on ranks ") + RankList(stopped);
      std::fprintf(stderr, "seqtrain: stopped during data loading (signal %d%s); nothing to save\n",
                   all[stopped[0]].signal, on.c_str());
      std::fflush(stderr);
    }
    throw AgreedFailure(stop_exit_code);
  }

  std::string first_difference;
  int first_rank = -1, differing = 0;
  for (int r = 1; r < comm.size(); ++r) {
    const std::string d = Difference(all[0], all[r], mine.sets);
    if (d.empty()) continue;
    if (first_rank < 0) {
      first_rank = r;
      first_difference = d;
    }
    ++differing;
  }
  if (first_rank < 0) return;
  const std::string others =
      differing > 1 ? " (" + std::to_string(differing - 1) + " more rank(s) differ)" : "";
  throw AgreedError("[rank " + std::to_string(first_rank) + "] " + first_difference + others,
                    kExitFailure);
}

}  // namespace seqtrain::data
