# Sequential and permuted sequential MNIST through the executable (configs/mnist_sequential.txtpb,
# configs/mnist_permuted.txtpb, shrunk to H 16 and 12 steps of 16): 2 ranks make the updates of
# 1 rank; eval and predict of the checkpoint read the test images in the training's pixel order
# (their accuracy is the training's final one); the order changes the run; a resume with another
# order, and an order the model's shape cannot read, are refused with one line.
source "$(dirname "$0")/lib.sh"
need_mnist
ROOT=$(dirname "$0")/../..
# The training files, and the first 64 test images as a test set of its own (fast evaluations).
D=$SCRATCH/data
mkdir -p "$D"
ln -s "$(realpath "$SEQTRAIN_MNIST_DIR")"/train-*-ubyte* "$D"/
python3 - "$SEQTRAIN_MNIST_DIR" "$D" <<'PY' || fail "cannot write the small test set"
import gzip, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name, header, item in (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)):
    path = os.path.join(src, name + ".gz")
    raw = gzip.open(path).read() if os.path.exists(path) else open(os.path.join(src, name), "rb").read()
    n = 64
    with open(os.path.join(dst, name), "wb") as f:
        f.write(raw[:4] + n.to_bytes(4, "big") + raw[8:header] + raw[header:header + n * item])
PY

run_train() {  # run_train NAME NP CONFIG [more flags]: 12 steps, checkpoint in $SCRATCH/NAME
  local name=$1 np=$2 config=$3
  shift 3
  timeout 150 "$MPIEXEC" -n "$np" "$SEQTRAIN" train --config "$ROOT/configs/$config.txtpb" \
    --data-dir "$D" --set data.test_images=t10k-images-idx3-ubyte \
    --set data.test_labels=t10k-labels-idx1-ubyte --hidden-size 16 --batch-size 16 --lr 0.01 \
    --max-steps 12 --display-step 4 --checkpoint-dir "$SCRATCH/$name" --set logging.metrics_path= \
    "$@" </dev/null
}
train() {  # train NAME NP CONFIG [more flags]: run_train, its output in $SCRATCH/NAME.out, .err
  run_train "$@" >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err"
}

train perm2 2 mnist_permuted || fail "permuted, 2 ranks: $(tail -n 3 "$SCRATCH/perm2.err")"
train perm1 1 mnist_permuted || fail "permuted, 1 rank: $(tail -n 3 "$SCRATCH/perm1.err")"
train pixels2 2 mnist_sequential || fail "sequential, 2 ranks: $(tail -n 3 "$SCRATCH/pixels2.err")"
grep -q "^seqtrain: .*model 784 steps x 1 inputs -> LSTM 16" "$SCRATCH/perm2.out" || fail "no 784 x 1 model line"
grep -q "^  pixel_order: PERMUTED_PIXELS$" "$SCRATCH/perm2.out" || fail "effective config without the order"
P2=$(ckpt "$SCRATCH/perm2" 12)
"$SEQTRAIN" diff --tolerance 1e-4 "$P2" "$(ckpt "$SCRATCH/perm1" 12)" >"$SCRATCH/n_vs_1.txt" \
  || fail "2 ranks != 1 rank: $(tail -n 1 "$SCRATCH/n_vs_1.txt")"
echo "ok: permuted, 2 ranks vs 1: $(tail -n 1 "$SCRATCH/n_vs_1.txt")"
"$SEQTRAIN" diff "$P2" "$(ckpt "$SCRATCH/pixels2" 12)" >"$SCRATCH/perm_vs_pixels.txt"
[ $? -eq 1 ] || fail "permuted and sequential MNIST trained the same parameters"

# eval and predict take the order from the checkpoint: the training's final test accuracy.
want=$(sed -n 's/^Step 12, Test Accuracy= \([0-9.]*\), Test Loss= \([0-9.]*\) .*/\1 \2/p' "$SCRATCH/perm2.out")
timeout 60 "$SEQTRAIN" eval --checkpoint "$P2" --data-dir "$D" >"$SCRATCH/eval.out" 2>&1 \
  || fail "eval: $(cat "$SCRATCH/eval.out")"
got=$(sed -n 's/.*test accuracy \([0-9.]*\), test loss \([0-9.]*\) .*/\1 \2/p' "$SCRATCH/eval.out")
[ -n "$want" ] && [ "$want" = "$got" ] || fail "eval gave '$got', training's final evaluation '$want'"
timeout 60 "$SEQTRAIN" predict --checkpoint "$P2" --images "$D/t10k-images-idx3-ubyte" \
  >"$SCRATCH/predict.tsv" 2>"$SCRATCH/predict.err" || fail "predict: $(cat "$SCRATCH/predict.err")"
acc=$(python3 - "$D/t10k-labels-idx1-ubyte" "$SCRATCH/predict.tsv" <<'PY'
import sys
labels = open(sys.argv[1], "rb").read()[8:]
rows = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:]]
assert len(rows) == len(labels) == 64, (len(rows), len(labels))
print("%.4f" % (sum(int(r[1]) == labels[int(r[0])] for r in rows) / len(rows)))
PY
)
[ "$acc" = "${want%% *}" ] || fail "predict's accuracy $acc, training's ${want%% *}"
echo "ok: eval and predict of the permuted checkpoint: accuracy ${want%% *}"

expect_error resume_other_order 1 "seqtrain: error: $P2: data.pixel_order = PERMUTED_PIXELS \
\(permutation_seed 1\) in the checkpoint but PIXELS in the config: the checkpoint learned another input order" 60 -- \
  run_train resume_pixels 2 mnist_sequential --resume "$P2"
expect_error resume_other_seed 1 "seqtrain: error: $P2: data.pixel_order = PERMUTED_PIXELS \
\(permutation_seed 1\) in the checkpoint but PERMUTED_PIXELS \(permutation_seed 2\) in the config" 60 -- \
  run_train resume_seed 2 mnist_permuted --set data.permutation_seed=2 --resume "$P2"
expect_error rows_model 1 "seqtrain: error: .*train-images-idx3-ubyte.gz: data.pixel_order = PIXELS reads \
784 steps of 1 pixel \(images 28x28\) but model.time_steps = 28 and model.input_size = 28 \
\(set model.time_steps: 784, model.input_size: 1\)" 60 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$D" --set data.pixel_order=PIXELS --max-steps 1
expect_error unknown_order 1 "seqtrain: error: --set data.pixel_order=COLUMNS: data.pixel_order = COLUMNS: not one of ROWS, PIXELS, PERMUTED_PIXELS" 30 -- \
  "$MPIEXEC" -n 1 "$SEQTRAIN" train --data-dir "$D" --set data.pixel_order=COLUMNS
finish
