#include "checkpoint/shared_load.h"

#include <algorithm>
#include <cstdio>

#include "checkpoint/checkpoint_file.h"
#include "dist/agreement.h"
#include "util/atomic_file.h"

namespace seqtrain::checkpoint {
namespace {

void Warn(const std::string& warning) {
  std::fprintf(stderr, "seqtrain: warning: %s\n", warning.c_str());
}

const LineageSummary* Find(const std::vector<LineageSummary>& present, const std::string& lineage) {
  const auto it = std::find_if(present.begin(), present.end(),
                               [&](const LineageSummary& l) { return l.lineage == lineage; });
  return it == present.end() ? nullptr : &*it;
}

// A lineage no checkpoint in dir uses yet.
std::string UnusedLineage(const std::vector<LineageSummary>& present) {
  for (;;) {
    std::string id = NewLineageId();
    if (!Find(present, id)) return id;
  }
}

void DecideFresh(const StartRequest& request, const std::vector<LineageSummary>& present,
                 Start* start) {
  if (!present.empty() && !request.new_lineage) {
    throw Error(
        request.dir + ": already holds checkpoints of lineage " + DescribeLineages(present) +
        "; continue with --resume auto, or start a new lineage beside them with --new-lineage");
  }
  start->lineage = UnusedLineage(present);
  start->note = "Starting lineage " + start->lineage +
                (present.empty() ? "" : " beside " + DescribeLineages(present));
}

void DecideAuto(const StartRequest& request, const std::vector<LineageSummary>& present,
                Start* start, std::string* bytes) {
  std::string lineage;
  if (!request.lineage.empty()) {
    lineage = request.lineage == "legacy" ? "" : request.lineage;
    if (!Find(present, lineage)) {
      throw Error(request.dir + ": no checkpoint of lineage " + request.lineage +
                  " (--resume-lineage); it holds " +
                  (present.empty() ? "none" : DescribeLineages(present)));
    }
  } else if (present.size() > 1) {
    throw Error(request.dir + ": --resume auto: " + std::to_string(present.size()) +
                " lineages here, " + DescribeLineages(present) +
                "; choose one with --resume-lineage ID");
  } else if (present.empty()) {
    start->lineage = UnusedLineage(present);
    start->note = "No checkpoint in " + request.dir + ": starting from step 0 (lineage " +
                  start->lineage + ")";
    return;
  } else {
    lineage = present[0].lineage;
  }
  std::optional<Found> found = FindLatestValid(request.dir, lineage, Warn);
  if (!found) {
    throw Error(request.dir + ": the checkpoints of lineage " + LineageLabel(lineage) +
                " vanished");
  }
  start->resume_from = Loaded{found->path, std::move(found->checkpoint)};
  *bytes = std::move(found->bytes);
  start->lineage = lineage;
}

void DecideFile(const StartRequest& request, const std::vector<LineageSummary>& present,
                Start* start, std::string* bytes) {
  *bytes = ReadWholeFile(request.resume, kMaxCheckpointBytes);
  Checkpoint checkpoint =
      Decode(*bytes, request.resume);  // fail here, on rank 0, with the file's name
  start->lineage = checkpoint.lineage();
  const LineageSummary* same = Find(present, checkpoint.lineage());
  if (checkpoint.lineage().empty() && !same) {
    // Old file names continue only where they already are.
    start->lineage = UnusedLineage(present);
    start->note =
        "Starting lineage " + start->lineage + " from the version-1 checkpoint " + request.resume;
  } else if (same && same->last_step > checkpoint.global_step()) {
    // Continuing under the same id would let its newer, abandoned steps win every later --resume
    // auto.
    start->lineage = UnusedLineage(present);
    start->note = "Forked lineage " + start->lineage + " from " +
                  LineageLabel(checkpoint.lineage()) + " at step " +
                  std::to_string(checkpoint.global_step()) + " (" + request.dir +
                  " holds it up to step " + std::to_string(same->last_step) + ", left as it is)";
  }
  start->resume_from = Loaded{request.resume, std::move(checkpoint)};
}

}  // namespace

Loaded LoadOnAllRanks(dist::Communicator& comm, const std::string& path) {
  std::string bytes;
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    bytes = ReadWholeFile(path, kMaxCheckpointBytes);
    Decode(bytes, path);  // fail here, on rank 0, with the file's name
  });
  comm.BroadcastBytes(&bytes, 0);
  Loaded loaded;
  loaded.path = path;
  dist::RunAgreed(comm, [&] { loaded.checkpoint = Decode(bytes, path); });
  return loaded;
}

Start PrepareStart(dist::Communicator& comm, const StartRequest& request) {
  Start start;
  std::string bytes, path;
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    if (!request.dir.empty()) {
      for (const std::string& stale : RemoveStaleTemporaries(request.dir)) {
        Warn("removed " + stale + ", the unfinished save of a run that ended");
      }
    }
    const std::vector<LineageSummary> present =
        request.dir.empty() ? std::vector<LineageSummary>{} : Lineages(request.dir);
    if (request.resume.empty()) {
      DecideFresh(request, present, &start);
    } else if (request.resume == "auto") {
      DecideAuto(request, present, &start, &bytes);
    } else {
      DecideFile(request, present, &start, &bytes);
    }
    if (start.resume_from) path = start.resume_from->path;
  });
  comm.BroadcastBytes(&start.lineage, 0);
  comm.BroadcastBytes(&start.note, 0);
  comm.BroadcastBytes(&path, 0);
  comm.BroadcastBytes(&bytes, 0);
  dist::RunAgreed(comm, [&] {
    if (!path.empty() && !comm.is_root()) start.resume_from = Loaded{path, Decode(bytes, path)};
  });
  return start;
}

}  // namespace seqtrain::checkpoint
