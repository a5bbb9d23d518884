// The only top-level catch: an error no rank agreed on ends the whole job
// through dist::AbortJob, so no rank is left waiting in a collective.
#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/commands.h"
#include "app/data_loading.h"
#include "dist/agreement.h"
#include "dist/communicator.h"
#include "dist/mpi_session.h"
#include "simd/simd_target.h"
#include "train/build_info.h"
#include "train/stop_signal.h"
#include "util/exit_codes.h"

int main(int argc, char** argv) {
  using namespace seqtrain;
  // Before MPI_Init (half a second on a busy node): a stop signal to a starting run is then
  // recorded and agreed on, not SIGUSR1's default, death. Other commands keep the defaults.
  if (argc > 1 && std::string(argv[1]) == "train") train::InstallStopHandlers();
  dist::MpiSession mpi(&argc, &argv);
  // Parsed once; a usage error is reported below, by rank 0, like any other.
  std::optional<app::CliRequest> parsed;
  std::exception_ptr parse_failure;
  try {
    parsed = app::ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  } catch (...) {
    parse_failure = std::current_exception();
  }
  if (parsed && parsed->command == app::CliRequest::Command::kTrain) {
    app::StartDataPrefetch(parsed->train);
  }
  const int rank = mpi.world_rank();
  int rc = kExitOk;
  try {
    if (parse_failure) std::rethrow_exception(parse_failure);
    const app::CliRequest& request = *parsed;
    dist::Communicator comm = mpi.World();
    // Before any kernel runs (only these commands run the model); a node that
    // lacks the forced target stops every rank.
    using Command = app::CliRequest::Command;
    if (request.command == Command::kTrain || request.command == Command::kEval ||
        request.command == Command::kPredict || request.command == Command::kVersion) {
      dist::RunAgreed(comm, [] { simd::SelectTargetFromEnvironment(); });
    }
    switch (request.command) {
      case app::CliRequest::Command::kHelp:
        if (rank == 0) std::printf("%s", request.help_text.c_str());
        break;
      case app::CliRequest::Command::kVersion:
        if (rank == 0) std::printf("%s", train::FormatBuildInfo(train::CurrentBuildInfo()).c_str());
        break;
      case app::CliRequest::Command::kTrain:
        rc = app::RunTrain(request.train, comm);
        break;
      case app::CliRequest::Command::kEval:
        rc = app::RunEval(request.eval, comm);
        break;
      case app::CliRequest::Command::kPredict:
        rc = app::RunPredict(request.predict, comm);
        break;
      case app::CliRequest::Command::kInspect:
        rc = app::RunInspect(request.inspect, comm);
        break;
      case app::CliRequest::Command::kDiff:
        rc = app::RunDiff(request.diff, comm);
        break;
      case app::CliRequest::Command::kPlot:
        rc = app::RunPlot(request.plot, comm);
        break;
      case app::CliRequest::Command::kExport:
        rc = app::RunExport(request.export_request, comm);
        break;
      case app::CliRequest::Command::kInit:
        rc = app::RunInit(request.init, comm);
        break;
    }
  } catch (const AgreedFailure& e) {
    rc = e.exit_code();
  } catch (const AgreedError& e) {
    // Every rank reached the same verdict from the same reduced values.
    if (rank == 0) std::fprintf(stderr, "seqtrain: error: %s\n", OneLine(e.what()).c_str());
    rc = e.exit_code();
  } catch (const app::UsageError& e) {
    // Every rank parsed the same argv and failed the same way.
    if (rank == 0) std::fprintf(stderr, "seqtrain: error: %s\n", OneLine(e.what()).c_str());
    rc = kExitUsage;
  } catch (const std::bad_alloc&) {
    // Past the memory preflight this is memory taken by others meanwhile, or a limit it could not
    // see.
    std::fprintf(
        stderr,
        "seqtrain: error: [rank %d] out of memory (std::bad_alloc): the node gave this rank less "
        "memory than the run needs; use fewer ranks per node or a smaller model or batch\n",
        rank);
    std::fflush(stderr);
    dist::AbortJob(kExitFailure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seqtrain: error: [rank %d] %s\n", rank, OneLine(e.what()).c_str());
    std::fflush(stderr);
    dist::AbortJob(kExitFailure);
  }
  app::StopDataPrefetch();
  return rc;  // then ~MpiSession: MPI_Finalize
}
