# Crafted inputs are rejected cheaply: a checkpoint with a valid checksum that
# declares a 4 GiB model (hidden 16384) and holds no tensors (eval, predict,
# train --resume), and metrics files that never end (/dev/zero) or hold one
# endless line (plot). Each ends with one line and exit 1 in < 3 s and < 300 MB.
source "$(dirname "$0")/lib.sh"
need_mnist
CRAFTED=$SCRATCH/crafted.ckpt
python3 - "$CRAFTED" <<'PY'
import struct, sys
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF
model = b"\x18" + bytes([0x80, 0x80, 0x01])     # ModelConfig.hidden_size = 16384
config = b"\x12" + bytes([len(model)]) + model   # TrainConfig.model
payload = b"\x08\x02" + b"\x12" + bytes([len(config)]) + config  # format_version 2, config; no tensors
with open(sys.argv[1], "wb") as f:
    f.write(b"SEQTCKPT" + struct.pack("<IIQ", 2, crc32c(payload), len(payload)) + payload)
PY
"$SEQTRAIN" inspect "$CRAFTED" | grep -q "hidden_size: 16384" || fail "the crafted checkpoint does not read back"

cheap() {  # cheap NAME COMMAND...: at most 3 s and 300 MB of peak RSS
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$SCRATCH/$name.time" "$@"
}
check_cost() {
  local name=$1 seconds kib
  read -r seconds kib < <(tail -1 "$SCRATCH/$name.time" 2>/dev/null) || { fail "$name: no /usr/bin/time output"; return; }
  awk -v s="$seconds" -v k="$kib" 'BEGIN { exit !(s < 3 && k < 300 * 1024) }' \
    || fail "$name: took ${seconds}s and ${kib} KiB (limits 3 s, 300 MiB)"
  echo "ok: $name cost ${seconds}s, $((kib / 1024)) MiB peak RSS"
}

expect_error eval_crafted 1 "seqtrain: error: $CRAFTED: params holds 0 tensors, the model has 5$" 10 -- \
  cheap eval_crafted "$SEQTRAIN" eval --checkpoint "$CRAFTED" --data-dir "$SEQTRAIN_MNIST_DIR"
check_cost eval_crafted
expect_error predict_crafted 1 "seqtrain: error: $CRAFTED: params holds 0 tensors, the model has 5$" 10 -- \
  cheap predict_crafted "$SEQTRAIN" predict --checkpoint "$CRAFTED" --images "$SEQTRAIN_MNIST_DIR/t10k-images-idx3-ubyte.gz"
check_cost predict_crafted
expect_error resume_crafted 1 \
  "seqtrain: error: $CRAFTED: model.hidden_size = 16384 in the checkpoint but 128 in the config: the checkpoint is for another model" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --resume "$CRAFTED"

expect_error plot_dev_zero 1 "seqtrain: error: /dev/zero: not a regular file" 10 -- \
  cheap plot_dev_zero "$SEQTRAIN" plot /dev/zero --out "$SCRATCH/zero.svg"
check_cost plot_dev_zero
head -c 20000000 /dev/zero | tr '\0' x >"$SCRATCH/one_line.jsonl"
expect_error plot_endless_line 1 "seqtrain: error: $SCRATCH/one_line.jsonl:1: line longer than 1048576 bytes: not a metrics file" 10 -- \
  cheap plot_endless_line "$SEQTRAIN" plot "$SCRATCH/one_line.jsonl" --out "$SCRATCH/line.svg"
check_cost plot_endless_line
[ -e "$SCRATCH/zero.svg" ] || [ -e "$SCRATCH/line.svg" ] && fail "an SVG was written for a rejected input"
finish
