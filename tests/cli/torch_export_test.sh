# The safetensors export with PyTorch (Debian python3-torch) as the peer: PyTorch loads the
# models export_models_setup.sh trained into nn.LSTM + nn.Linear with strict=True and classifies
# exactly as many test images right as `seqtrain eval` (1 and 2 layers); nn.GRU likewise for a GRU
# and a 2-layer bidirectional GRU.
source "$(dirname "$0")/lib.sh"
need_mnist
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEER="/usr/bin/python3 $ROOT/tests/interop/torch_peer.py"
D=$SEQTRAIN_MNIST_DIR
MODELS=${SEQTRAIN_EXPORT_MODELS:?the fixture cli_export_models sets it}

same_count() {  # NAME
  local name=$1
  local dir=$SCRATCH/$name
  local ckpt
  ckpt=$(ls "$MODELS/$name"/*.ckpt) || { fail "$name: no checkpoint from cli_export_models"; return; }
  "$SEQTRAIN" export --checkpoint "$ckpt" --format safetensors --out "$dir.safetensors" >/dev/null \
    || { fail "$name: export"; return; }
  local acc ours theirs
  acc=$("$SEQTRAIN" eval --checkpoint "$ckpt" | sed -n 's/.*test accuracy \([0-9.]*\),.*/\1/p')
  ours=$(awk -v a="$acc" 'BEGIN { printf "%d", a * 10000 + 0.5 }')
  theirs=$($PEER correct "$dir.safetensors" "$D") || { fail "$name: PyTorch could not load it"; return; }
  [ "$ours" = "$theirs" ] || fail "$name: seqtrain eval: $ours of 10000 right, PyTorch: $theirs"
  echo "$name: seqtrain eval and PyTorch both classify $theirs of 10000 test images right"
}
same_count one_layer
same_count two_layers
same_count gru
same_count bigru

finish
