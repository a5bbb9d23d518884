# Bad safetensors files for --init-from: each gets one line naming the file, the tensor and the
# value, and exit 1, from `seqtrain init` and from a 2-rank `seqtrain train` (every rank ends);
# a file of another cell or direction is named as such.
source "$(dirname "$0")/lib.sh"
need_mnist
D=$SEQTRAIN_MNIST_DIR
/usr/bin/python3 - "$SCRATCH" <<'PY' || fail "making the files"
import json, struct, sys
import numpy as np
out = sys.argv[1]
H, I, K = 8, 28, 10
def tensors():
    return {"lstm.weight_ih_l0": np.zeros((4 * H, I), np.float32), "lstm.weight_hh_l0": np.zeros((4 * H, H), np.float32),
            "lstm.bias_ih_l0": np.zeros(4 * H, np.float32), "lstm.bias_hh_l0": np.zeros(4 * H, np.float32),
            "fc.weight": np.zeros((K, H), np.float32), "fc.bias": np.zeros(K, np.float32)}
def write(name, t, tweak=None, tail=b"", header_bytes=None):
    header, data = {}, b""
    for k, v in t.items():
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [len(data), len(data) + v.nbytes]}
        data += v.tobytes()
    if tweak: tweak(header)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    n = len(text) if header_bytes is None else header_bytes
    with open(f"{out}/{name}.safetensors", "wb") as f:
        f.write(struct.pack("<Q", n) + text + data + tail)
write("good", tensors())
def gru():
    return {f"gru.{n}_l0": np.zeros((3 * H, I if n == "weight_ih" else H) if n.startswith("weight") else 3 * H, np.float32)
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")} | {"fc.weight": np.zeros((K, H), np.float32),
                                                                           "fc.bias": np.zeros(K, np.float32)}
write("gru", gru())
t = tensors()
for k in list(t):
    if k.startswith("lstm."): t[k + "_reverse"] = t[k]
t["fc.weight"] = np.zeros((K, 2 * H), np.float32)
write("bidirectional", t)
t = tensors(); del t["fc.bias"]; write("missing", t)
t = tensors(); t["lstm.weight_ih_l1"] = np.zeros((4 * H, H), np.float32); write("extra", t)
t = tensors(); t["fc.weight"] = np.zeros((K, H + 1), np.float32); write("shape", t)
def f64(h): h["fc.bias"]["dtype"] = "F64"
write("dtype", tensors(), f64)
def overlap(h): h["fc.bias"]["data_offsets"] = [0, 40]
write("overlap", tensors(), overlap)
def outside(h): h["fc.bias"]["data_offsets"][1] += 4; h["fc.bias"]["shape"] = [K + 1]
write("outside", tensors(), outside)
write("trailing", tensors(), tail=b"\0" * 8)
write("huge_header", tensors(), header_bytes=1 << 40)
with open(f"{out}/bad_json.safetensors", "wb") as f:
    f.write(struct.pack("<Q", 8) + b'{"a": 1,')
PY
F=$SCRATCH
init_error() {  # NAME REGEX
  expect_error "init_$1" 1 "^seqtrain: error: $F/$1.safetensors: $2" 30 -- \
    "$SEQTRAIN" init --data-dir "$D" --hidden-size 8 --init-from "$F/$1.safetensors" --out "$F/out.safetensors"
}
init_error missing "tensor 'fc.bias' is missing \(the model's tensors: lstm.weight_ih_l0, .*\)$"
init_error extra "tensor 'lstm.weight_ih_l1' is not one of the model's"
init_error shape "tensor 'fc.weight' has shape \[10, 9\], the config's model \(input_size 28, hidden_size 8, num_layers 1, num_classes 10\) has \[10, 8\]$"
init_error dtype "tensor 'fc.bias': dtype = F64: only F32 is read$"
init_error overlap "tensor '[a-z_.0-9]+': data_offsets \[0, [0-9]+\) overlap tensor '[a-z_.0-9]+'"
init_error outside "tensor 'fc.bias': data_offsets = \[[0-9]+,[0-9]+\]: past the end of the data \([0-9]+ bytes after the header\)$"
init_error trailing "8 trailing bytes after the last tensor"
init_error huge_header "header length 1099511627776 exceeds the limit of 100000000 bytes$"
init_error bad_json "the header is not valid JSON: "
# Another cell's or direction's file (a GRU's in an LSTM run, and each way round).
cell_error() {  # NAME FILE REGEX FLAGS...
  local name=$1 file=$F/$2.safetensors regex=$3
  shift 3
  expect_error "init_$name" 1 "^seqtrain: error: $file: $regex" 30 -- \
    "$SEQTRAIN" init --data-dir "$D" --hidden-size 8 --init-from "$file" --out "$F/out.safetensors" "$@"
}
cell_error gru_in_lstm gru "tensor 'lstm.weight_ih_l0' is missing \(the model's tensors: .*\); the file holds 'gru\.[a-z_0-9]+', a GRU's tensor, but model.cell = LSTM$"
cell_error lstm_in_gru good "tensor 'gru.weight_ih_l0' is missing \(.*\); the file holds 'lstm\.[a-z_0-9]+', an LSTM's tensor, but model.cell = GRU$" \
  --set model.cell=GRU
cell_error reverse_in_forward bidirectional "tensor 'lstm.weight_ih_l0_reverse' is not one of the model's \(.*\); a reverse direction's tensor, but model.bidirectional = false$"
cell_error forward_in_bidirectional good "tensor 'lstm.weight_ih_l0_reverse' is missing \(.*\); the file has no reverse direction, but model.bidirectional = true$" \
  --set model.bidirectional=true
"$SEQTRAIN" init --data-dir "$D" --hidden-size 8 --set model.cell=GRU --init-from "$F/gru.safetensors" \
  --out "$F/gru_out.safetensors" >/dev/null || fail "init of a GRU from a GRU's file"
expect_error init_no_file 1 "^seqtrain: error: .*$F/none.safetensors" 30 -- \
  "$SEQTRAIN" init --data-dir "$D" --init-from "$F/none.safetensors" --out "$F/out.safetensors"
[ ! -e "$F/out.safetensors" ] || fail "a refused init wrote its output"
"$SEQTRAIN" init --data-dir "$D" --hidden-size 8 --init-from "$F/good.safetensors" --out "$F/out.safetensors" \
  >/dev/null || fail "init from a good file"
cmp -s <(tail -c 100 "$F/good.safetensors") <(tail -c 100 "$F/out.safetensors") || fail "init did not write the given weights"
expect_error train_two_ranks 1 "^seqtrain: error: $F/shape.safetensors: tensor 'fc.weight' has shape" 60 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$D" --hidden-size 8 --max-steps 1 --init-from "$F/shape.safetensors"
finish
