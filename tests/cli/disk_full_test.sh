# The disk filling during a checkpoint save (a small tmpfs; needs root, else
# skipped): the run ends on every rank with one line naming the checkpoint and
# ENOSPC, leaves no temporary or torn file, keeps the earlier checkpoints
# loadable, and --resume auto from them (once there is room) ends with the
# parameters of an uninterrupted run.
source "$(dirname "$0")/lib.sh"
need_mnist
CONFIG=$(dirname "$0")/../../configs/quick.txtpb   # a small LSTM
STEPS=40
train() {  # train CKPT_DIR [flags]
  local dir=$1
  shift
  timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps $STEPS \
    --checkpoint-dir "$dir" --checkpoint-every 10 --set checkpoint.keep=100 "$@" </dev/null
}

train "$SCRATCH/ref" >"$SCRATCH/ref.out" 2>&1 || fail "reference run: $(tail -3 "$SCRATCH/ref.out")"
REF=$(ckpt "$SCRATCH/ref" $STEPS)
# Room for two checkpoints and half of a third: the step-30 save runs out of space.
bytes=$(stat -c %s "$REF")
pages=$(( (bytes + 4095) / 4096 ))
M=$SCRATCH/small_disk
mkdir -p "$M"
if ! mount -t tmpfs -o size=$(( (2 * pages + pages / 2) * 4 ))k seqtrain_test "$M" 2>"$SCRATCH/mount.err"; then
  echo "SKIP: cannot mount a tmpfs at $M (needs root): $(cat "$SCRATCH/mount.err")"
  exit 77
fi
trap 'umount "$M"' EXIT

expect_error disk_full 1 \
  "seqtrain: error: $M/lineage-[0-9a-f]{12}-step-0000000030\.ckpt: cannot write $M/\.lineage-[0-9a-f]{12}-step-0000000030\.ckpt\.tmp\.[0-9]+: No space left on device \(ENOSPC\); step 30 not saved, the earlier checkpoints are intact: once fixed, rerun with --resume auto" 60 -- \
  train "$M"
leftovers=$(ls -a "$M" | grep -v '^\.\.\?$' | grep -v -E '^lineage-[0-9a-f]{12}-step-00000000[12]0\.ckpt$')
[ -z "$leftovers" ] || fail "disk_full: files besides the step-10 and step-20 checkpoints: $leftovers"
for s in 10 20; do
  "$SEQTRAIN" inspect "$(ckpt "$M" $s)" >/dev/null 2>&1 || fail "disk_full: the step-$s checkpoint does not load"
done

# With room again, the run continues from step 20 to the uninterrupted run's parameters.
cp -a "$M" "$SCRATCH/roomy"
train "$SCRATCH/roomy" --resume auto >"$SCRATCH/roomy.out" 2>&1 || fail "resume: $(tail -3 "$SCRATCH/roomy.out")"
grep -q "Resumed from $(ckpt "$SCRATCH/roomy" 20) (step 20," "$SCRATCH/roomy.out" || fail "resume: not from step 20"
"$SEQTRAIN" diff "$REF" "$(ckpt "$SCRATCH/roomy" $STEPS)" >"$SCRATCH/diff.out" || fail "resumed run differs: $(tail -1 "$SCRATCH/diff.out")"
echo "ok: resumed after the full disk: $(tail -1 "$SCRATCH/diff.out")"
finish
