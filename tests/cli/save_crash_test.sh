# kill -9 of rank 0 in each phase of a checkpoint save (2 ranks): before the
# temporary file exists, halfway through writing it, after its fsync before
# the rename, after the rename before the folder's fsync. Each time the folder
# holds only loadable checkpoints (the step being saved is either absent or
# whole), the next start removes the leftover temporary file, and --resume auto
# ends with the parameters of an uninterrupted run, bit for bit.
# The fault (SEQTRAIN_FAULT=stall_*) stops rank 0 at that moment and prints a
# marker; the test waits for the marker, then kills.
source "$(dirname "$0")/lib.sh"
need_mnist
CONFIG=$(dirname "$0")/../../configs/quick.txtpb   # a small LSTM
STEPS=40
train() {  # train CKPT_DIR [flags]
  local dir=$1
  shift
  timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps $STEPS \
    --checkpoint-dir "$dir" --checkpoint-every 10 --set checkpoint.keep=100 \
    --set failure.collective_timeout_seconds=100 "$@" </dev/null
}
wait_for_line() {  # wait_for_line FILE REGEX SECONDS PID: until FILE has REGEX, PID ended, or SECONDS passed
  local deadline=$((SECONDS + $3))
  until grep -Eq "$2" "$1" 2>/dev/null; do
    kill -0 "$4" 2>/dev/null && [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

train "$SCRATCH/ref" >"$SCRATCH/ref.out" 2>&1 || fail "reference run: $(tail -3 "$SCRATCH/ref.out")"
REF=$(ckpt "$SCRATCH/ref" $STEPS)

for phase in before_create mid_write before_rename before_dirsync; do
  d=$SCRATCH/$phase
  SEQTRAIN_FAULT=stall_$phase@30:0 train "$d" >"$d.out" 2>"$d.err" &
  job=$!
  if ! wait_for_line "$d.err" "seqtrain: fault: stalled .* of the step-30 checkpoint, pid [0-9]+" 100 "$job"; then
    fail "$phase: no stall marker: $(tail -3 "$d.err")"
    kill -KILL "$job" 2>/dev/null
    wait "$job"
    continue
  fi
  pid=$(grep -Eo 'stalled .* pid [0-9]+' "$d.err" | awk '{ print $NF }')
  kill -KILL "$pid"
  wait "$job"
  rc=$?
  [ "$rc" -ne 0 ] || fail "$phase: the job exited 0 after rank 0 was killed"
  [ "$rc" -ne 124 ] || fail "$phase: the job hung until timeout(1) ended it"

  # Only whole checkpoints are visible; step 20 is there; step 30 only once renamed.
  for f in "$d"/lineage-*-step-*.ckpt; do
    "$SEQTRAIN" inspect "$f" >/dev/null 2>&1 || fail "$phase: $f does not load"
  done
  [ -f "$(ckpt "$d" 20)" ] || fail "$phase: the previous checkpoint (step 20) is gone"
  tmp=$(ls -a "$d" | grep -E '^\.lineage-[0-9a-f]{12}-step-0000000030\.ckpt\.tmp\.[0-9]+$')
  case $phase in
    before_create | before_dirsync) [ -z "$tmp" ] || fail "$phase: a temporary file exists: $tmp" ;;
    *) [ -n "$tmp" ] || fail "$phase: no temporary file left by the killed save" ;;
  esac
  if [ "$phase" = before_dirsync ]; then
    [ -f "$(ckpt "$d" 30)" ] || fail "$phase: step 30 was renamed into place but is missing"
    resumed=30
  else
    [ -f "$(ckpt "$d" 30)" ] && fail "$phase: a step-30 checkpoint is visible before its rename"
    resumed=20
  fi

  train "$d" --resume auto >"$d.resume.out" 2>&1 || fail "$phase: resume failed: $(tail -3 "$d.resume.out")"
  grep -q "Resumed from $(ckpt "$d" $resumed) (step $resumed," "$d.resume.out" \
    || fail "$phase: expected to resume from step $resumed: $(grep -m1 Resumed "$d.resume.out")"
  if [ -n "$tmp" ]; then
    grep -q "seqtrain: warning: removed $d/$tmp, the unfinished save of a run that ended" "$d.resume.out" \
      || fail "$phase: the leftover $tmp was not reported as removed"
  fi
  leftovers=$(ls -a "$d" | grep '\.tmp\.')
  [ -z "$leftovers" ] || fail "$phase: temporary files after the resumed run: $leftovers"
  "$SEQTRAIN" diff "$REF" "$(ckpt "$d" $STEPS)" >"$d.diff" || fail "$phase: resumed run differs: $(tail -1 "$d.diff")"
  echo "ok: killed $phase; resumed from step $resumed; $(tail -1 "$d.diff")"
done
finish
