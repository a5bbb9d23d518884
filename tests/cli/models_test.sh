# The GRU, bidirectional and dropout fields through the executable, on real MNIST: a
# bidirectional 2-layer GRU with dropout resumes bit-identically on 2 ranks (the masks follow
# the run's seed, epoch and sample, not the process), eval and predict rebuild it from the
# checkpoint alone, inspect names both directions, and a checkpoint of another cell is refused;
# and a GRU reaches >= 90% test accuracy in 300 steps.
source "$(dirname "$0")/lib.sh"
need_mnist
CONFIG=$(dirname "$0")/../../configs/quick.txtpb   # checkpoints every 20 steps
MODEL=(--set model.cell=GRU --set model.bidirectional=true --set model.num_layers=2
  --set model.dropout=0.25 --set model.hidden_size=16)
train() {  # train CKPT_DIR MAX_STEPS [more flags]
  local dir=$1 steps=$2
  shift 2
  timeout 150 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
    --checkpoint-dir "$dir" --max-steps "$steps" "${MODEL[@]}" "$@" </dev/null
}

train "$SCRATCH/straight" 40 >"$SCRATCH/straight.out" 2>&1 || fail "straight run: $(tail -3 "$SCRATCH/straight.out")"
REF=$(ckpt "$SCRATCH/straight" 40)
train "$SCRATCH/resumed" 20 >/dev/null 2>&1 || fail "first half"
train "$SCRATCH/resumed" 40 --resume auto >"$SCRATCH/resumed.out" 2>&1 || fail "second half: $(tail -3 "$SCRATCH/resumed.out")"
"$SEQTRAIN" diff "$REF" "$(ckpt "$SCRATCH/resumed" 40)" >"$SCRATCH/resumed.diff" ||
  fail "resumed GRU run not bit-identical: $(tail -1 "$SCRATCH/resumed.diff")"

"$SEQTRAIN" inspect --tensors "$REF" >"$SCRATCH/tensors.out" || fail "inspect failed"
for t in "gru0/w_x *28x48" "gru0_reverse/b_h *48" "gru1/w_x *32x48" "out/w *32x10"; do
  grep -q "^params $t " "$SCRATCH/tensors.out" || fail "inspect --tensors: no '$t'"
done

# eval (no dropout there) gives the accuracy the run reported at its end, on any rank count.
final=$(grep -o 'Testing Accuracy: [0-9.]*' "$SCRATCH/straight.out" | awk '{print $3}')
[ -n "$final" ] || fail "the run reported no test accuracy"
for np in 1 2; do
  got=$("$MPIEXEC" -n "$np" "$SEQTRAIN" eval --checkpoint "$REF" --data-dir "$SEQTRAIN_MNIST_DIR" | grep -o 'test accuracy [0-9.]*' | awk '{print $3}')
  [ "$got" = "$final" ] || fail "eval on $np ranks: '$got', training reported '$final'"
done
"$SEQTRAIN" predict --checkpoint "$REF" --images "$SEQTRAIN_MNIST_DIR/t10k-images-idx3-ubyte.gz" --limit 3 >"$SCRATCH/predict.out" || fail "predict"
[ "$(wc -l <"$SCRATCH/predict.out")" -eq 4 ] || fail "predict: expected a header and 3 lines"

# A GRU learns real MNIST: 300 steps of the reference recipe with cell: GRU on 2 ranks.
timeout 200 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$(dirname "$0")/../../configs/mnist_gru.txtpb" \
  --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps 300 --display-step 100 --eval-every 1000 \
  --set checkpoint.dir= --set checkpoint.every_steps=0 --set checkpoint.every_seconds=0 \
  --metrics "$SCRATCH/gru.jsonl" </dev/null >"$SCRATCH/gru.out" 2>&1 || fail "GRU run: $(tail -3 "$SCRATCH/gru.out")"
acc=$(grep -o 'Testing Accuracy: [0-9.]*' "$SCRATCH/gru.out" | awk '{print $3}')
awk -v a="${acc:-0}" 'BEGIN { exit !(a >= 0.90) }' || fail "GRU test accuracy after 300 steps: '$acc' < 0.90"
echo "GRU test accuracy after 300 steps on 2 ranks: $acc"

expect_error other_cell 1 "seqtrain: error: $REF: model.cell = GRU in the checkpoint but LSTM in the config: the checkpoint is for another model" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$SCRATCH/other" \
  --set model.bidirectional=true --set model.num_layers=2 --set model.hidden_size=16 --resume "$REF"
expect_error dropout_one_layer 1 "seqtrain: error: .*model.dropout = 0.5: needs model.num_layers >= 2" 30 -- \
  "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --set model.dropout=0.5
expect_error unknown_cell 1 "seqtrain: error: .*model.cell.*RNN" 30 -- \
  "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --set model.cell=RNN
finish
