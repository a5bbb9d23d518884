# --init-from and seqtrain init, with PyTorch (Debian python3-torch) as the peer:
# - weights PyTorch initialized (random biases in both halves) start a seqtrain run whose
#   first-step loss is PyTorch's on the same batch within 1e-6 relative, on 1 and 2 ranks, for
#   LSTMs (1 and 2 layers, bidirectional) and GRUs (1 layer; 2 layers bidirectional);
# - `seqtrain init` writes the weights a fresh run starts from: --init-from them trains
#   bit-identically to the fresh run (an LSTM, and a bidirectional GRU);
# - resuming with another init_from is refused, with the same one it resumes.
source "$(dirname "$0")/lib.sh"
need_mnist
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEER="/usr/bin/python3 $ROOT/tests/interop/torch_peer.py"
D=$SEQTRAIN_MNIST_DIR

first_loss() {  # NAME RANKS LAYERS [CELL [bidirectional]]
  local name=$1 ranks=$2 layers=$3 cell=${4:-lstm} direction=${5:-}
  local w=$SCRATCH/$name.torch.safetensors m=$SCRATCH/$name.jsonl model=()
  [ "$cell" = gru ] && model+=(--set model.cell=GRU)
  [ -n "$direction" ] && model+=(--set model.bidirectional=true)
  $PEER write-init "$w" 11 28 24 "$layers" 10 "$cell" $direction || { fail "$name: PyTorch init"; return; }
  "$MPIEXEC" -n "$ranks" "$SEQTRAIN" train --data-dir "$D" --init-from "$w" --set data.shuffle=false \
    --max-steps 1 --batch-size 64 --hidden-size 24 --set model.num_layers="$layers" "${model[@]}" --metrics "$m" \
    >"$SCRATCH/$name.txt" 2>&1 || { fail "$name: seqtrain: $(tail -3 "$SCRATCH/$name.txt")"; return; }
  grep -q "initial weights from $w" "$SCRATCH/$name.txt" || fail "$name: no line saying where the weights came from"
  local ours theirs
  ours=$(sed -n 's/^{"event":"step","step":1,"epoch":0,"loss":\([^,]*\),.*/\1/p' "$m")
  theirs=$($PEER first-loss "$w" "$D" 64)
  awk -v a="$ours" -v b="$theirs" 'BEGIN { d = (a - b) / b; if (d < 0) d = -d; exit !(d <= 1e-6) }' \
    || fail "$name: first-step loss $ours, PyTorch's $theirs"
  echo "$name: first-step loss $ours, PyTorch's $theirs"
}
first_loss init_one_rank 1 1
first_loss init_two_ranks 2 2
first_loss init_bilstm 1 1 lstm bidirectional
first_loss init_gru 1 1 gru
first_loss init_bigru_two_ranks 2 2 gru bidirectional

# seqtrain init: the weights a fresh run draws, so --init-from them is the same run.
"$SEQTRAIN" init --data-dir "$D" --seed 5 --hidden-size 16 --out "$SCRATCH/init.safetensors" \
  >"$SCRATCH/init.txt" || fail "seqtrain init"
$PEER correct "$SCRATCH/init.safetensors" "$D" >/dev/null || fail "PyTorch cannot load seqtrain init's file"
train20() {  # DIR FLAGS...
  local dir=$1
  shift
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$D" --seed 5 --hidden-size 16 --max-steps 20 \
    --checkpoint-dir "$dir" "$@" >"$dir.txt" 2>&1 || fail "training in $dir: $(tail -3 "$dir.txt")"
}
train20 "$SCRATCH/fresh"
train20 "$SCRATCH/from_init" --init-from "$SCRATCH/init.safetensors"
"$SEQTRAIN" diff "$SCRATCH"/fresh/*.ckpt "$SCRATCH"/from_init/*.ckpt \
  || fail "--init-from seqtrain init's weights trained differently from the fresh run"
BIGRU=(--set model.cell=GRU --set model.bidirectional=true --set model.num_layers=2)
"$SEQTRAIN" init --data-dir "$D" --seed 5 --hidden-size 16 "${BIGRU[@]}" --out "$SCRATCH/init_bigru.safetensors" \
  >"$SCRATCH/init_bigru.txt" || fail "seqtrain init of a bidirectional GRU"
$PEER correct "$SCRATCH/init_bigru.safetensors" "$D" >/dev/null || fail "PyTorch cannot load seqtrain init's GRU file"
train20 "$SCRATCH/fresh_bigru" "${BIGRU[@]}"
train20 "$SCRATCH/from_init_bigru" "${BIGRU[@]}" --init-from "$SCRATCH/init_bigru.safetensors"
"$SEQTRAIN" diff "$SCRATCH"/fresh_bigru/*.ckpt "$SCRATCH"/from_init_bigru/*.ckpt \
  || fail "--init-from seqtrain init's bidirectional GRU trained differently from the fresh run"

# Resuming continues the checkpoint's weights: another init_from is refused, the same is fine.
expect_error resume_other_init 1 "init-from .*: the run resumes from .*, which drew its initial weights from its seed; drop --init-from" 60 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$D" --seed 5 --hidden-size 16 --max-steps 30 \
  --checkpoint-dir "$SCRATCH/fresh" --resume auto --init-from "$SCRATCH/init.safetensors"
"$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$D" --seed 5 --hidden-size 16 --max-steps 30 \
  --checkpoint-dir "$SCRATCH/from_init" --resume auto --init-from "$SCRATCH/init.safetensors" \
  >"$SCRATCH/resume_same.txt" 2>&1 || fail "resuming with the same init_from: $(tail -3 "$SCRATCH/resume_same.txt")"
grep -q "was this lineage's start; resuming" "$SCRATCH/resume_same.txt" || fail "no note on resuming with init_from"
finish
