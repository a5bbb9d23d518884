#!/usr/bin/env bash
# Runs seqtrain on N local ranks: launch/local.sh [-n N] [--hostfile FILE] SEQTRAIN_ARGS...
# Handles root (Open MPI refuses it by default), more ranks than cores, and
# one OpenBLAS thread per rank unless OPENBLAS_NUM_THREADS says otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ranks=2
mpirun_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n|-np) ranks=$2; shift 2 ;;
    --hostfile) mpirun_args+=(--hostfile "$2"); shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
binary=${SEQTRAIN_BIN:-$here/../build/seqtrain}
if [ ! -x "$binary" ]; then
  echo "launch/local.sh: $binary not found; build first (tools/setup.sh) or set SEQTRAIN_BIN" >&2
  exit 2
fi
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# Oversubscription only when asked for more ranks than cores: otherwise Open
# MPI binds each rank to its own core.
if [ "$ranks" -gt "$(nproc)" ] && [ ${#mpirun_args[@]} -eq 0 ]; then
  mpirun_args+=(--oversubscribe)
fi
exec mpirun -np "$ranks" "${mpirun_args[@]}" -x OPENBLAS_NUM_THREADS "$binary" "$@"
