# Fixture of the export tests (onnx_export_test.sh, torch_export_test.sh): trains the models they
# export, a few hundred steps so the probabilities are spread: one_layer/ (H 64, 300 steps),
# two_layers/ (H 32, 2 layers, 200 steps), gru/ (GRU, H 32, 150 steps) and bigru/ (bidirectional
# GRU, H 16, 2 layers, 120 steps), each a checkpoint folder in this test's scratch dir.
source "$(dirname "$0")/lib.sh"
need_mnist
train() {  # NAME FLAGS...
  local name=$1
  shift
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$SCRATCH/$name" \
    --display-step 1000 "$@" >"$SCRATCH/$name.txt" 2>&1 || fail "$name: training: $(tail -3 "$SCRATCH/$name.txt")"
  tail -1 "$SCRATCH/$name.txt"
}
train one_layer --max-steps 300 --hidden-size 64
train two_layers --max-steps 200 --hidden-size 32 --set model.num_layers=2
train gru --max-steps 150 --hidden-size 32 --set model.cell=GRU
train bigru --max-steps 120 --hidden-size 16 --set model.cell=GRU --set model.bidirectional=true \
  --set model.num_layers=2
finish
