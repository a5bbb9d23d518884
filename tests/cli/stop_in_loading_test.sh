# A stop signal while the data is loading ends every rank promptly with the
# reason and the stop exit code (75). SEQTRAIN_FAULT=hang_in_loading@0[:RANK]
# holds loading and says so on stderr; the test waits for that, then signals.
source "$(dirname "$0")/lib.sh"
need_mnist

# start NAME FAULT: a 2-rank run in the background (JOB), its loading paused.
start() {
  : >"$SCRATCH/$1.err"  # exists before the first look at it
  SEQTRAIN_FAULT=$2 "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps 5 \
    >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err" </dev/null &
  JOB=$!
}
# paused_pids NAME COUNT: waits (up to 60 s) until COUNT ranks say they are paused; prints their pids.
paused_pids() {
  local ticks=0
  while [ "$(grep -c 'paused in data loading' "$SCRATCH/$1.err")" -lt "$2" ]; do
    kill -0 "$JOB" 2>/dev/null || { fail "$1: the job ended before loading paused: $(cat "$SCRATCH/$1.err")"; return 1; }
    [ $ticks -lt 1200 ] || { fail "$1: loading did not pause within 60 s"; return 1; }
    sleep 0.05
    ticks=$((ticks + 1))
  done
  sed -n 's/.*(pid \([0-9]*\)) paused in data loading.*/\1/p' "$SCRATCH/$1.err"
}
# finished NAME WANT_RC REGEX: the job ends within 10 s of the signal with WANT_RC
# (or any non-zero code when WANT_RC is "nonzero") and REGEX once on stderr, no error line.
finished() {
  local ticks=0 rc
  while kill -0 "$JOB" 2>/dev/null && [ $ticks -lt 200 ]; do
    sleep 0.05
    ticks=$((ticks + 1))
  done
  if kill -0 "$JOB" 2>/dev/null; then
    fail "$1: still running 10 s after the signal"
    pkill -KILL -P "$JOB"
    kill -KILL "$JOB"
  fi
  wait "$JOB"
  rc=$?
  if [ "$2" = nonzero ] && [ "$rc" -eq 0 ] || [ "$2" != nonzero ] && [ "$rc" -ne "$2" ]; then
    fail "$1: exit code $rc, expected $2; stderr:"
    sed 's/^/    /' "$SCRATCH/$1.err" >&2
  elif [ "$(grep -Ec "$3" "$SCRATCH/$1.err")" -ne 1 ]; then
    fail "$1: stderr does not hold /$3/ once:"
    sed 's/^/    /' "$SCRATCH/$1.err" >&2
  elif grep -q 'seqtrain: error' "$SCRATCH/$1.err"; then
    fail "$1: an error line:"
    sed 's/^/    /' "$SCRATCH/$1.err" >&2
  else
    echo "ok: $1 (exit $rc, $(awk -v t="$ticks" 'BEGIN { printf "%.2f", t * 0.05 }') s after the signal):" \
      "$(grep -E "$3" "$SCRATCH/$1.err")"
  fi
}

# SIGTERM to every rank (what Slurm does to its tasks).
start every_rank hang_in_loading@0
pids=$(paused_pids every_rank 2) && kill -TERM $pids
finished every_rank 75 '^seqtrain: stopped during data loading \(signal 15\); nothing to save$'

# SIGINT to one rank while the other already waits for it in the agreement.
start one_rank hang_in_loading@0:1
pids=$(paused_pids one_rank 1) && kill -INT $pids
finished one_rank 75 '^seqtrain: stopped during data loading \(signal 2 on rank 1\); nothing to save$'

# SIGUSR1 to mpirun (the clean way, docs/launching.md): forwarded to every rank, exit 75.
start via_mpirun_usr1 hang_in_loading@0
paused_pids via_mpirun_usr1 2 >/dev/null && kill -USR1 "$JOB"
finished via_mpirun_usr1 75 '^seqtrain: stopped during data loading \(signal 10\); nothing to save$'

# SIGTERM to mpirun: it forwards the signal to the ranks, which say why they
# stop; mpirun itself then exits non-zero of its own accord.
start via_mpirun hang_in_loading@0
paused_pids via_mpirun 2 >/dev/null && kill -TERM "$JOB"
finished via_mpirun nonzero '^seqtrain: stopped during data loading \(signal 15\); nothing to save$'
finish
