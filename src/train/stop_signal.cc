#include "train/stop_signal.h"

#include <csignal>
#include <initializer_list>

namespace seqtrain::train {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void RecordStopSignal(int signal_number) { g_stop_signal = signal_number; }

}  // namespace

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = RecordStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a signal must not fail a read or an MPI call
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &action, nullptr);
}

int StopSignalReceived() { return g_stop_signal; }

void ResetStopSignal() { g_stop_signal = 0; }

}  // namespace seqtrain::train
