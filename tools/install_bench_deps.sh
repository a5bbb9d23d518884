#!/usr/bin/env bash
# Installs the peers bench/run.sh compares seqtrain with (Debian 12): PyTorch for the DDP peer and
# oneDNN for the LSTM-primitive peer. Not needed to build or test seqtrain, so not in install_deps.sh.
set -euo pipefail
PACKAGES=(
  python3-torch python3-numpy   # bench/peers/pytorch_ddp.py (run by /usr/bin/python3, torchrun)
  libdnnl-dev                   # bench/peers/onednn_lstm.cc
  linux-perf                    # optional: perf, for profiling the step
)
exec "$(dirname "$0")/apt_install_missing.sh" "${PACKAGES[@]}"
