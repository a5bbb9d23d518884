#!/usr/bin/env bash
# Runs seqtrain on N local ranks: launch/local.sh [-n N] [--hostfile FILE] SEQTRAIN_ARGS...
# (installed as PREFIX/bin/seqtrain-local). The binary: the seqtrain installed beside this
# script, else $SEQTRAIN_BIN, else the source tree's build/seqtrain, else seqtrain on PATH.
# Handles root (Open MPI refuses it by default), more ranks than cores, and
# one OpenBLAS thread per rank unless OPENBLAS_NUM_THREADS says otherwise.
#
# SIGTERM, SIGINT (Ctrl-C) and SIGHUP to this script reach the ranks as the stop
# signal (SIGUSR1 through mpirun): they finish the step, save a checkpoint and
# exit 75, and the script waits for that and exits 75. A second signal ends the job
# at once. (mpirun itself, sent SIGTERM, kills the ranks 2 s later, saved or not:
# so it runs in its own session, out of reach of the terminal's Ctrl-C.)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)  # through symlinks to the real folder
me=$(basename "$0")
[ "$me" != local.sh ] || me=launch/local.sh  # messages name the script as it is called
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
if [ -x "$here/seqtrain" ]; then
  binary=$here/seqtrain
elif [ -n "${SEQTRAIN_BIN:-}" ]; then
  binary=$SEQTRAIN_BIN
elif [ -x "$here/../build/seqtrain" ]; then
  binary=$here/../build/seqtrain
else
  binary=$(command -v seqtrain || true)
fi
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "$me: no seqtrain executable (${binary:-none beside this script, in ../build or on PATH});" \
    "build first (tools/setup.sh) or set SEQTRAIN_BIN" >&2
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

# Once seqtrain has printed its one-line error (or a stop was passed on), Open MPI's banners about the job
# ending ("Primary job terminated normally...", MPI_ABORT, "[host:pid] ..." notes)
# only repeat it at length: drop them. Before that they pass, since then they are
# the only word on what happened (a rank killed, a host unreachable).
quiet_banners() {
  trap '' INT TERM HUP  # a Ctrl-C must not close mpirun's stderr while the ranks save
  local line failed=0 banner=0
  # read, not awk: it passes each line on as it comes (mawk reads pipes in blocks).
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in "seqtrain: error"* | "$me: SIG"*) failed=1 ;; esac
    if [ $failed -eq 1 ]; then
      case $line in
        ------------------------------*) banner=$((1 - banner)); continue ;;
        "mpirun: Forwarding signal"* | \[*:[0-9]*\]\ *) continue ;;
      esac
      [ $banner -eq 1 ] && continue
    fi
    printf '%s\n' "$line"
  done
}
exec {stderr_filter}> >(quiet_banners >&2)
filter=$!

stops=0
stop() {
  stops=$((stops + 1))
  if [ $stops -eq 1 ]; then
    echo "$me: SIG$1: asking the ranks to save a checkpoint and stop (again: end them now)" \
      >&"$stderr_filter"
    kill -USR1 "$mpirun" 2>/dev/null || true
  else
    echo "$me: SIG$1 again: ending the job without waiting for the save" >&"$stderr_filter"
    kill -TERM "$mpirun" 2>/dev/null || true
  fi
}
mpirun=
trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'stop HUP' HUP
# Settings read before main() or per node must reach remote hosts too (mpirun passes only what -x names).
env_args=(-x OPENBLAS_NUM_THREADS)
for name in SEQTRAIN_SIMD OPENBLAS_CORETYPE; do
  [ -z "${!name:-}" ] || env_args+=(-x "$name")
done
# In the background, so that bash runs the trap as soon as a signal arrives.
setsid mpirun --stdin none -np "$ranks" ${mpirun_args[@]+"${mpirun_args[@]}"} "${env_args[@]}" \
  "$binary" "$@" 2>&"$stderr_filter" &
mpirun=$!
set +e
# wait returns >128 when a trap interrupts it; wait again until mpirun is gone (bash keeps
# its exit status, so the last wait returns the real one).
while kill -0 "$mpirun" 2>/dev/null; do
  wait "$mpirun"
done
wait "$mpirun"
rc=$?
exec {stderr_filter}>&-
wait "$filter" 2>/dev/null
exit $rc
