# The ONNX export, checked by independent consumers: Debian's python3-onnx checker accepts it,
# and onnxruntime (npm onnxruntime-node, tools/onnx_predict.js) gives seqtrain predict's answers
# on the 10,000 MNIST test images (argmax on >= 99.9%, probabilities within 1e-4), for 1 and 2
# layers, a GRU and a 2-layer bidirectional GRU; with --sequence-lens it matches PyTorch's packed
# sequences of lengths 1..T.
source "$(dirname "$0")/lib.sh"
need_mnist
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
need_onnxruntime_node
TEST_IMAGES=$SEQTRAIN_MNIST_DIR/t10k-images-idx3-ubyte.gz

# The models export_models_setup.sh trained.
MODELS=${SEQTRAIN_EXPORT_MODELS:?the fixture cli_export_models sets it}

check_model() {  # NAME
  local name=$1
  local dir=$SCRATCH/$name
  local ckpt
  ckpt=$(ls "$MODELS/$name"/*.ckpt) || { fail "$name: no checkpoint from cli_export_models"; return; }
  "$SEQTRAIN" export --checkpoint "$ckpt" --format onnx --out "$dir.onnx" || { fail "$name: export"; return; }
  $PY -c "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('onnx.checker: ok,', [n.op_type for n in m.graph.node], 'opset', m.opset_import[0].version)" "$dir.onnx" \
    || fail "$name: onnx.checker rejects the model"
  "$SEQTRAIN" predict --checkpoint "$ckpt" --images "$TEST_IMAGES" --probabilities "$dir.seqtrain.tsv" >"$dir.predict.txt" \
    || { fail "$name: seqtrain predict"; return; }
  node "$ROOT/tools/onnx_predict.js" "$dir.onnx" "$TEST_IMAGES" --probabilities "$dir.ort.tsv" >"$dir.ort.txt" 2>"$dir.ort.err" \
    || { fail "$name: onnxruntime: $(cat "$dir.ort.err")"; return; }
  [ "$(wc -l <"$dir.ort.tsv")" -eq 10000 ] || fail "$name: onnxruntime gave $(wc -l <"$dir.ort.tsv") lines"
  $PY "$ROOT/tests/interop/compare_probabilities.py" "$dir.seqtrain.tsv" "$dir.ort.tsv" 0.999 1e-4 all-classes \
    || fail "$name: onnxruntime and seqtrain predict disagree"
  # The printed labels too (the script prints what seqtrain predict prints).
  local same
  same=$(paste "$dir.predict.txt" "$dir.ort.txt" | awk -F'\t' 'NR > 1 && $2 == $5 { n++ } END { print n + 0 }')
  [ "$same" -ge 9990 ] || fail "$name: printed labels agree on $same of 10000"
  echo "$name: printed labels agree on $same of 10000"
}

check_model one_layer
check_model two_layers
check_model gru
check_model bigru

# sequence_lens: each sequence's last state at its own length, as PyTorch's packed sequences
# (for the bidirectional GRU: its reverse direction starts at each sequence's own last step).
check_lengths() {  # NAME
  local name=$1
  local dir=$SCRATCH/$name
  local ckpt
  ckpt=$(ls "$MODELS/$name"/*.ckpt) || { fail "$name: no checkpoint from cli_export_models"; return; }
  "$SEQTRAIN" export --checkpoint "$ckpt" --format onnx --sequence-lens --out "$dir.lens.onnx" \
    || fail "$name: export --sequence-lens"
  "$SEQTRAIN" export --checkpoint "$ckpt" --format safetensors --out "$dir.safetensors" \
    || fail "$name: export safetensors"
  $PY "$ROOT/tests/interop/torch_peer.py" probabilities "$dir.safetensors" "$SEQTRAIN_MNIST_DIR" 300 \
    "$dir.lengths.tsv" "$dir.torch_lens.tsv" || fail "$name: PyTorch with lengths"
  node "$ROOT/tests/interop/onnx_lengths.js" "$dir.lens.onnx" "$TEST_IMAGES" "$dir.lengths.tsv" "$dir.ort_lens.tsv" \
    || fail "$name: onnxruntime with sequence_lens"
  $PY "$ROOT/tests/interop/compare_probabilities.py" "$dir.torch_lens.tsv" "$dir.ort_lens.tsv" 0.999 1e-4 \
    || fail "$name: onnxruntime with sequence_lens and PyTorch with packed sequences disagree"
}
check_lengths two_layers
check_lengths bigru
finish
