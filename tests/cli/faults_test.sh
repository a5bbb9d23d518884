# Injected faults (SEQTRAIN_FAULT) on 2 and 3 ranks: each ends the job within
# seconds with a message naming the cause, leaves only loadable checkpoints,
# and --resume auto then finishes with the parameters of an uninterrupted run.
source "$(dirname "$0")/lib.sh"
need_mnist
CONFIG=$(dirname "$0")/../../configs/quick.txtpb   # 60 steps of a small LSTM
train() {  # train NP CKPT_DIR [flags]
  local np=$1 dir=$2
  shift 2
  "$MPIEXEC" -n "$np" "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$dir" \
    --checkpoint-every 10 --set checkpoint.keep=100 --set failure.collective_timeout_seconds=4 "$@" </dev/null
}
for np in 2 3; do
  train "$np" "$SCRATCH/ref$np" >"$SCRATCH/ref$np.out" 2>&1 || fail "reference run on $np ranks: $(tail -3 "$SCRATCH/ref$np.out")"
done

# After a fault: every checkpoint loads, and resuming reproduces the reference bit for bit.
recovers() {  # recovers NAME NP
  local name=$1 np=$2 d=$SCRATCH/$1 f
  for f in "$d"/lineage-*-step-*.ckpt; do
    "$SEQTRAIN" inspect "$f" >/dev/null 2>&1 || fail "$name: $f does not load"
  done
  SEQTRAIN_FAULT= train "$np" "$d" --resume auto >"$d.resume.out" 2>&1 || fail "$name: resume failed: $(tail -3 "$d.resume.out")"
  "$SEQTRAIN" diff "$(ckpt "$SCRATCH/ref$np" 60)" "$(ckpt "$d" 60)" >"$d.diff" \
    || fail "$name: resumed run differs from the reference: $(tail -1 "$d.diff")"
  echo "ok: $name recovered: $(grep -o 'Resumed from [^ ]*' "$d.resume.out")"
}

export SEQTRAIN_FAULT=hang@25:1
expect_error hang 124 "seqtrain: error: \[rank 0\] watchdog: waited [0-9.]+ s in MPI_Allreduce \(gradients\) at step 25" 15 -- \
  train 2 "$SCRATCH/hang"
recovers hang 2

# With 3 ranks, both ranks left waiting report it.
export SEQTRAIN_FAULT=hang@25:2
ERROR_LINES=2 expect_error hang3 124 "watchdog: waited [0-9.]+ s in MPI_Allreduce \(gradients\) at step 25" 15 -- train 3 "$SCRATCH/hang3"
recovers hang3 3

export SEQTRAIN_FAULT=crash_in_checkpoint@40
expect_error checkpoint_crash 86 "seqtrain: error: injected crash halfway through writing .*/\.lineage-[0-9a-f]{12}-step-0000000040\.ckpt\.tmp\." 15 -- train 2 "$SCRATCH/checkpoint_crash"
ls -a "$SCRATCH/checkpoint_crash" | grep -q '^\.lineage-.*-step-0000000040\.ckpt\.tmp\.' || fail "checkpoint_crash: no half-written temporary file"
[ -f "$(ckpt "$SCRATCH/checkpoint_crash" 40)" ] && fail "checkpoint_crash: a torn step-40 checkpoint is visible"
recovers checkpoint_crash 2

export SEQTRAIN_FAULT=kill@35:2
start=$(date +%s)
train 3 "$SCRATCH/kill3" >"$SCRATCH/kill3.out" 2>&1 && fail "kill3: exited 0"
[ $(($(date +%s) - start)) -le 15 ] || fail "kill3: took more than 15 s"
recovers kill3 3

# Transient NaN on one rank: those updates are skipped on every rank, with a warning, and the run goes on.
export SEQTRAIN_FAULT=nan@30-31:1
train 2 "$SCRATCH/nan" >"$SCRATCH/nan.out" 2>"$SCRATCH/nan.err" || fail "nan: run failed: $(cat "$SCRATCH/nan.err")"
[ "$(grep -c 'update skipped' "$SCRATCH/nan.err")" -eq 2 ] || fail "nan: expected 2 skip warnings: $(cat "$SCRATCH/nan.err")"
grep -q 'step 30: loss or gradient is NaN/Inf on 1 rank(s); update skipped (1 in a row)' "$SCRATCH/nan.err" || fail "nan: warning text"
"$SEQTRAIN" diff "$(ckpt "$SCRATCH/ref2" 60)" "$(ckpt "$SCRATCH/nan" 60)" >/dev/null && fail "nan: skipped updates left no trace"
# Replicas stay identical despite the NaN (the skip is agreed): the run's own replica checks pass.
train 2 "$SCRATCH/nan_check" --set failure.replica_check_every=1 >/dev/null 2>&1 || fail "nan: replica check failed after skips"

# Persistent NaN: stopped as diverged, checkpoints intact.
export SEQTRAIN_FAULT=nan@20-60:0
expect_error diverged 4 "seqtrain: error: training diverged: 5 steps in a row had a NaN/Inf loss or gradient \(last: step 24" 20 -- \
  train 2 "$SCRATCH/diverged"
for f in "$SCRATCH/diverged"/lineage-*-step-*.ckpt; do "$SEQTRAIN" inspect "$f" >/dev/null || fail "diverged: $f"; done

# Replicas that drift apart are caught at the next check, naming the rank.
export SEQTRAIN_FAULT=desync@12:1
expect_error desync 3 "seqtrain: error: replica mismatch at step 15: the parameters of rank\(s\) 1 differ from rank 0's" 20 -- \
  train 2 "$SCRATCH/desync" --set failure.replica_check_every=5
unset SEQTRAIN_FAULT

expect_error bad_fault 1 "seqtrain: error: SEQTRAIN_FAULT: 'explode@3': unknown kind 'explode'" 15 -- \
  env SEQTRAIN_FAULT=explode@3 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$SCRATCH/bad"
finish
