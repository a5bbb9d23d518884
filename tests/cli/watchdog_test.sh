# The default watchdog on real runs: a rank stopped with SIGSTOP mid-run (found by
# its OMPI_COMM_WORLD_RANK once the run is past step 20) ends the whole job in
# well under 90 s with exit 124 and one line naming the collective, the step and
# the stopped rank; nothing of the job is left. Nonsense limits are refused.
source "$(dirname "$0")/lib.sh"
need_mnist
run() {  # run NP [flags]
  local np=$1
  shift
  "$MPIEXEC" -n "$np" "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --hidden-size 32 --batch-size 64 \
    --display-step 1 "$@" </dev/null
}

descendants() {  # descendants PID: every process below PID
  local child
  for child in $(ps -o pid= --ppid "$1"); do
    echo "$child"
    descendants "$child"
  done
}
rank_pid() {  # rank_pid LAUNCHER_PID RANK: the pid of that rank below the launcher
  local child
  for child in $(descendants "$1"); do
    if tr '\0' '\n' <"/proc/$child/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$child"
      return
    fi
  done
}

stopped_rank() {  # stopped_rank NAME RANK: run 2 ranks, SIGSTOP RANK after step 20, expect the watchdog
  local name=$1 victim=$2 out=$SCRATCH/$1.out err=$SCRATCH/$1.err
  run 2 --max-steps 1000000 >"$out" 2>"$err" &
  local launcher=$! pid= start end rc
  for _ in $(seq 1200); do grep -q '^Step 20,' "$out" && break; kill -0 $launcher 2>/dev/null || break; sleep 0.1; done
  pid=$(rank_pid $launcher "$victim")
  if [ -z "$pid" ] || ! grep -q '^Step 20,' "$out"; then
    fail "$name: the run did not reach step 20 with a rank $victim process: $(tail -3 "$err")"
    pkill -TERM -P $launcher 2>/dev/null
    wait $launcher
    return
  fi
  kill -STOP "$pid"
  start=$(date +%s.%N)
  timeout 120 tail --pid=$launcher -f /dev/null
  end=$(date +%s.%N)
  wait $launcher
  rc=$?
  local took
  took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  local survivor=$((1 - victim))
  # A step has two allreduces, the gradients' then the step control's: the stop may land between.
  local want="seqtrain: error: \[rank $survivor\] watchdog: waited [0-9.]+ s in MPI_Allreduce \((gradients|step control)\) at step [0-9]+ \(limit 30 s: 20 x the slowest of the last 100 steps \([0-9.e-]+ s\), at least 30 s\); rank $victim has not completed it \(stalled or gone\)$"
  if [ $rc -ne 124 ]; then
    fail "$name: exit $rc, expected 124: $(tail -5 "$err")"
  elif [ "$(grep -c 'seqtrain: error' "$err")" -ne 1 ] || ! grep -Eq "$want" "$err"; then
    fail "$name: expected one watchdog line naming rank $victim, got: $(grep -v '^  ' "$err" | tail -5)"
  elif awk -v t="$took" 'BEGIN { exit !(t >= 90 || t < 29) }'; then
    fail "$name: the job ended ${took} s after the stop (expected 30-90 s)"
  elif ! timeout 10 tail --pid="$pid" -f /dev/null; then
    fail "$name: the stopped rank $pid is still there 10 s after the launcher"
    kill -KILL "$pid"
  else
    echo "ok: $name: ended ${took} s after SIGSTOP of rank $victim: $(grep 'seqtrain: error' "$err")"
  fi
}
stopped_rank stop_rank1 1
stopped_rank stop_rank0 0

expect_error timeout_too_small 1 \
  "seqtrain: error: --set failure.collective_timeout_seconds=0.001: failure.collective_timeout_seconds = 0.001: must be 0 \(derived from the step times\) or between 1 and 604800 seconds" \
  15 -- run 2 --set failure.collective_timeout_seconds=0.001
expect_error startup_too_small 1 \
  "seqtrain: error: --set failure.startup_timeout_seconds=0: failure.startup_timeout_seconds = 0: must be between 1 and 604800 seconds" \
  15 -- run 2 --set failure.startup_timeout_seconds=0
# The limit in force is printed at the start, derived or fixed.
run 2 --max-steps 2 >"$SCRATCH/describe.out" 2>&1
grep -q '^seqtrain: watchdog: 120 s per collective until a step is timed (failure.startup_timeout_seconds), then max(30 s, 20 x the slowest of the last 100 steps)$' \
  "$SCRATCH/describe.out" || fail "describe: no derived watchdog line: $(grep watchdog "$SCRATCH/describe.out")"
run 2 --max-steps 2 --set failure.collective_timeout_seconds=45 >"$SCRATCH/describe_fixed.out" 2>&1
grep -q '^seqtrain: watchdog: 45 s per collective (failure.collective_timeout_seconds)$' "$SCRATCH/describe_fixed.out" ||
  fail "describe_fixed: $(grep watchdog "$SCRATCH/describe_fixed.out")"
finish
