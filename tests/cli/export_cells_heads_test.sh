# The ONNX and safetensors export of every cell, direction and head, checked by independent
# consumers on small generated NumPy tasks with sequences of varying length (NaN padding):
# python3-onnx's checker accepts each model; onnxruntime (npm onnxruntime-node) with
# sequence_lens and PyTorch (nn.LSTM/nn.GRU + nn.Linear, strict=True, packed sequences) give
# `seqtrain predict --probabilities`'s outputs (argmax on >= 99.9%, every output within 1e-4)
# for a 2-layer bidirectional LSTM, a bidirectional GRU, a 2-layer GRU, a GRU regression head,
# a bidirectional per-step classifier (also exported without sequence_lens, on full-length
# inputs) and a 2-layer bidirectional GRU per-step regression head.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
need_onnxruntime_node
"$PY" "$ROOT/tests/cli/make_sequence_task.py" "$SCRATCH/classes" --train 256 --test 64 || fail "task classes"
for kind in value step_class step_value; do
  "$PY" "$ROOT/tests/interop/make_heads_task.py" "$SCRATCH/$kind" "$kind" || fail "task $kind"
done
# Full-length inputs for an export without sequence_lens: the padding filled in.
"$PY" -c "import numpy as np, sys; x = np.load(sys.argv[1]); np.save(sys.argv[2], np.nan_to_num(x, nan=0.5))" \
  "$SCRATCH/step_class/test_x.npy" "$SCRATCH/full_x.npy" || fail "full-length inputs"
CLASSES=(--set model.time_steps=100 --set model.input_size=4 --set model.num_classes=4)
STEPS=(--set model.time_steps=20 --set model.input_size=4)

agree() {  # NAME WHAT EXPECTED GIVEN
  $PY "$ROOT/tests/interop/compare_probabilities.py" "$3" "$4" 0.999 1e-4 >"$SCRATCH/$1.$2.compare" \
    || fail "$1: $2 and seqtrain predict disagree: $(cat "$SCRATCH/$1.$2.compare")"
  echo "$1: $2: $(cat "$SCRATCH/$1.$2.compare")"
}

# check NAME TASK [--no-lens] TRAIN_FLAGS...: train a few steps, export, run the three consumers.
check() {
  local name=$1 task=$SCRATCH/$2 lens=--sequence-lens x=$SCRATCH/$2/test_x.npy len=$SCRATCH/$2/test_len.npy
  shift 2
  if [ "${1:-}" = --no-lens ]; then
    lens= x=$SCRATCH/full_x.npy len=-
    shift
  fi
  local dir=$SCRATCH/$name
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$task" --checkpoint-dir "$dir" --max-steps 40 \
    --batch-size 32 --hidden-size 8 --display-step 1000 "$@" >"$dir.train.txt" 2>&1 \
    || { fail "$name: training: $(tail -3 "$dir.train.txt")"; return; }
  local ckpt
  ckpt=$(ls "$dir"/*.ckpt) || { fail "$name: no checkpoint"; return; }
  "$SEQTRAIN" export --checkpoint "$ckpt" --format onnx $lens --out "$dir.onnx" >/dev/null \
    || { fail "$name: export onnx"; return; }
  "$SEQTRAIN" export --checkpoint "$ckpt" --format safetensors --out "$dir.safetensors" >/dev/null \
    || { fail "$name: export safetensors"; return; }
  $PY -c "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('onnx.checker: ok,', [n.op_type for n in m.graph.node], [o.name for o in m.graph.output])" "$dir.onnx" \
    || fail "$name: onnx.checker rejects the model"
  local lengths=()
  [ "$len" = - ] || lengths=(--lengths "$len")
  "$SEQTRAIN" predict --checkpoint "$ckpt" --inputs "$x" "${lengths[@]}" --probabilities "$dir.seqtrain.tsv" \
    >/dev/null || { fail "$name: seqtrain predict"; return; }
  node "$ROOT/tools/onnx_predict_npy.js" "$dir.onnx" "$x" "$len" "$dir.ort.tsv" 2>"$dir.ort.err" \
    || { fail "$name: onnxruntime: $(cat "$dir.ort.err")"; return; }
  agree "$name" onnxruntime "$dir.seqtrain.tsv" "$dir.ort.tsv"
  $PY "$ROOT/tests/interop/torch_peer.py" predict "$dir.safetensors" "$x" "$len" "$dir.torch.tsv" \
    || { fail "$name: PyTorch could not load or run it"; return; }
  agree "$name" PyTorch "$dir.seqtrain.tsv" "$dir.torch.tsv"
}

check bilstm2 classes "${CLASSES[@]}" --set model.bidirectional=true --set model.num_layers=2
check bigru classes "${CLASSES[@]}" --set model.bidirectional=true --set model.cell=GRU
check gru2 classes "${CLASSES[@]}" --set model.cell=GRU --set model.num_layers=2 --set model.dropout=0.2
check gru_regression value "${STEPS[@]}" --set model.cell=GRU --set model.head=LAST_STEP_REGRESSION \
  --set model.output_size=2
check step_classifier step_class "${STEPS[@]}" --set model.num_classes=4 --set model.bidirectional=true \
  --set model.head=PER_STEP_CLASSIFIER
check step_classifier_full step_class --no-lens "${STEPS[@]}" --set model.num_classes=4 \
  --set model.bidirectional=true --set model.head=PER_STEP_CLASSIFIER
check step_regression step_value "${STEPS[@]}" --set model.cell=GRU --set model.bidirectional=true \
  --set model.num_layers=2 --set model.head=PER_STEP_REGRESSION --set model.output_size=2
finish
