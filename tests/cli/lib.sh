# Shared by the end-to-end tests: bash TEST.sh SEQTRAIN MPIEXEC SCRATCH_DIR
set -u
SEQTRAIN=$1
MPIEXEC=$2
SCRATCH=$3
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
FAILURES=0

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

need_mnist() {
  if [ -z "${SEQTRAIN_MNIST_DIR:-}" ] || [ ! -d "$SEQTRAIN_MNIST_DIR" ]; then
    echo "FAIL: SEQTRAIN_MNIST_DIR='${SEQTRAIN_MNIST_DIR:-}' is not a folder (configure with -DSEQTRAIN_TEST_DATA_DIR=...)" >&2
    exit 1
  fi
}

# Node finds onnxruntime-node (the ONNX export's consumer) in SEQTRAIN_NODE_MODULES.
need_onnxruntime_node() {
  if [ ! -d "${SEQTRAIN_NODE_MODULES:-}/onnxruntime-node" ]; then
    echo "FAIL: onnxruntime-node is not in SEQTRAIN_NODE_MODULES='${SEQTRAIN_NODE_MODULES:-}' (tools/install_deps.sh installs it)" >&2
    exit 1
  fi
  export NODE_PATH=$SEQTRAIN_NODE_MODULES
}

# expect_error NAME EXIT_CODE REGEX MAX_SECONDS -- COMMAND...
# Runs COMMAND and checks its exit code, that stderr matches REGEX and holds
# exactly ERROR_LINES (default 1) "seqtrain: error" lines, and that it ended
# within MAX_SECONDS (no rank left hanging).
expect_error() {
  local name=$1 want_rc=$2 regex=$3 max_seconds=$4
  shift 5
  local start end rc
  start=$(date +%s.%N)
  # A background job with a deadline, rather than timeout(1), so COMMAND may be a shell function.
  "$@" >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" </dev/null &
  local pid=$! ticks=0
  while kill -0 "$pid" 2>/dev/null && [ $ticks -lt 600 ]; do
    sleep 0.1
    ticks=$((ticks + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    pkill -KILL -P "$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
  rc=$?
  end=$(date +%s.%N)
  local took
  took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$name: exit code $rc, expected $want_rc; stderr:"
    sed 's/^/    /' "$SCRATCH/$name.err" >&2
  elif ! grep -Eq "$regex" "$SCRATCH/$name.err"; then
    fail "$name: stderr does not match /$regex/:"
    sed 's/^/    /' "$SCRATCH/$name.err" >&2
  elif [ "$(grep -c 'seqtrain: error' "$SCRATCH/$name.err")" -ne "${ERROR_LINES:-1}" ]; then
    fail "$name: expected ${ERROR_LINES:-1} error line(s), got:"
    sed 's/^/    /' "$SCRATCH/$name.err" >&2
  elif awk -v t="$took" -v m="$max_seconds" 'BEGIN { exit !(t > m) }'; then
    fail "$name: took ${took}s, more than ${max_seconds}s"
  else
    echo "ok: $name (exit $rc in ${took}s): $(grep 'seqtrain: error' "$SCRATCH/$name.err")"
  fi
}

# Runs a long command in the background and waits for it, so a TERM (a test's
# own deadline, Ctrl-C) runs the caller's trap at once instead of after the
# command; CHILD names it, for the trap to stop it too.
CHILD=
interruptible() {
  "$@" &
  CHILD=$!
  wait "$CHILD"
  local rc=$?
  CHILD=
  return $rc
}

# guard_test SECONDS TEARDOWN: whenever the test ends (success, failure, INT or
# TERM, or SECONDS passing, which keeps it inside CTest's TIMEOUT) stop the
# interruptible command still running, then run TEARDOWN (daemons, namespaces).
guard_test() {
  GUARD_TEARDOWN=$2
  trap guard_exit EXIT
  exec 3>&2  # the trap may run inside a redirected command
  trap 'echo "FAIL: terminated" >&3; exit 1' INT TERM
  # &&: when guard_exit kills the sleep before its subshell, the subshell must not TERM us.
  (sleep "$1" && kill -TERM $$) </dev/null >/dev/null 2>&1 3>&- &
  GUARD_DEADLINE=$!
}
guard_exit() {
  local rc=$? sleeper
  trap : INT TERM  # a late INT/TERM must not exit this trap before the teardown
  # The deadline shell first: its sleep dying first would wake it to TERM us.
  sleeper=$(ps -o pid= --ppid "$GUARD_DEADLINE")
  kill "$GUARD_DEADLINE" 2>/dev/null
  kill $sleeper 2>/dev/null
  [ -z "$CHILD" ] || { kill -TERM "$CHILD" 2>/dev/null; timeout 10 tail --pid="$CHILD" -f /dev/null; }
  "$GUARD_TEARDOWN"
  exit "$rc"
}

# The checkpoint of step $2 in folder $1, whose checkpoints are of one lineage
# (lineage-ID-step-NNNNNNNNNN.ckpt); the path may not exist.
ckpt() { local f=("$1"/lineage-*-step-*.ckpt); f=${f[0]##*/}; printf '%s/%s-step-%010d.ckpt' "$1" "${f%%-step-*}" "$2"; }
# Whether that checkpoint exists yet (a function, so a wait_for re-evaluates the name).
has_ckpt() { [ -f "$(ckpt "$1" "$2")" ]; }
# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (return 0) or
# SECONDS of wall time pass (return 1): a condition with a deadline, never a fixed sleep.
wait_for() {
  local deadline=$(($(date +%s%N) + $1 * 1000000000))
  shift
  until "$@"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
