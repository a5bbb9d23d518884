# Resume through the executable: same world size (bit-identical), other world
# sizes (4 -> 2, 1 -> 3; float tolerance), a corrupt newest checkpoint skipped
# by --resume auto, a checkpoint of another model rejected; then inspect, eval
# and predict on the result.
source "$(dirname "$0")/lib.sh"
need_mnist
CONFIG=$(dirname "$0")/../../configs/quick.txtpb   # 60 steps, checkpoints every 20, keep 2
train() {  # train NP CKPT_DIR MAX_STEPS [more flags]
  local np=$1 dir=$2 steps=$3
  shift 3
  timeout 120 "$MPIEXEC" -n "$np" "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
    --checkpoint-dir "$dir" --max-steps "$steps" "$@" </dev/null
}

train 2 "$SCRATCH/straight" 60 >"$SCRATCH/straight.out" 2>&1 || fail "straight run: $(tail -3 "$SCRATCH/straight.out")"
REF=$(ckpt "$SCRATCH/straight" 60)

# Same world size: bit-identical parameters and identical logged losses.
train 2 "$SCRATCH/same" 30 >/dev/null 2>&1 || fail "first half"
train 2 "$SCRATCH/same" 60 --resume auto >"$SCRATCH/same.out" 2>&1 || fail "second half: $(tail -3 "$SCRATCH/same.out")"
grep -q "Resumed from $(ckpt "$SCRATCH/same" 30) (step 30, saved by 2 ranks)" "$SCRATCH/same.out" || fail "no resume line"
"$SEQTRAIN" diff "$REF" "$(ckpt "$SCRATCH/same" 60)" >"$SCRATCH/same.diff" || fail "2 -> 2 not bit-identical: $(tail -1 "$SCRATCH/same.diff")"
for s in 40 60; do
  a=$(grep "^Step $s, Minibatch" "$SCRATCH/straight.out" | sed 's/, [0-9]* samples.s//')
  b=$(grep "^Step $s, Minibatch" "$SCRATCH/same.out" | sed 's/, [0-9]* samples.s//')
  [ -n "$a" ] && [ "$a" = "$b" ] || fail "step $s logged '$b' after resume, '$a' straight through"
done

# Other world sizes, same global batch: same data order, float-reordering tolerance.
for pair in "4 2" "1 3"; do
  set -- $pair
  d=$SCRATCH/from$1to$2
  train "$1" "$d" 30 >/dev/null 2>&1 || fail "$1-rank first half"
  train "$2" "$d" 60 --resume auto >"$d.out" 2>&1 || fail "$2-rank second half: $(tail -3 "$d.out")"
  grep -q "saved by $1 ranks" "$d.out" || fail "$1 -> $2: no resume line"
  "$SEQTRAIN" diff --tolerance 1e-4 "$REF" "$(ckpt "$d" 60)" >"$d.diff" || fail "$1 -> $2: $(tail -1 "$d.diff")"
  echo "ok: resume $1 -> $2 ranks: $(tail -1 "$d.diff")"
done

# A corrupt newest checkpoint: --resume auto warns, takes the previous one, and the run still matches.
d=$SCRATCH/corrupt
train 2 "$d" 40 >/dev/null 2>&1 || fail "corrupt: first part"
printf '\xff' | dd of="$(ckpt "$d" 40)" bs=1 seek=5000 conv=notrunc status=none
train 2 "$d" 60 --resume auto >"$d.out" 2>"$d.err" || fail "corrupt: resume failed: $(cat "$d.err")"
grep -q "seqtrain: warning: skipping checkpoint $(ckpt "$d" 40): checksum mismatch" "$d.err" || fail "corrupt: no warning: $(cat "$d.err")"
grep -q "Resumed from $(ckpt "$d" 20) (step 20" "$d.out" || fail "corrupt: did not fall back to step 20"
"$SEQTRAIN" diff "$REF" "$(ckpt "$d" 60)" >/dev/null || fail "corrupt: fallback run differs"

# Errors: another model, a truncated file, a missing folder for auto.
expect_error shape_mismatch 1 "seqtrain: error: $REF: model.hidden_size = 32 in the checkpoint but 64 in the config" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$SCRATCH/other" --hidden-size 64 --resume "$REF"
head -c 1000 "$REF" >"$SCRATCH/short.ckpt"
expect_error truncated_ckpt 1 "seqtrain: error: $SCRATCH/short.ckpt: truncated or padded" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$SCRATCH/other" --resume "$SCRATCH/short.ckpt"
# A checkpoint of an optimizer this build does not know ("adam" renamed in the file, checksum
# redone): refused on resume with one line naming the file and the field; inspect still shows it.
python3 - "$REF" "$SCRATCH/lion.ckpt" <<'PY'
import struct, sys
table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 & -(c & 1))
    table.append(c)
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF
data = open(sys.argv[1], "rb").read()
payload = data[24:]
name = b"\x0a\x04adam\x10"  # OptimizerState.name = "adam", then its step
assert payload.count(name) == 1, "OptimizerState.name not found once"
payload = payload.replace(name, b"\x0a\x04lion\x10")
with open(sys.argv[2], "wb") as f:
    f.write(data[:8] + struct.pack("<IIQ", 3, crc32c(payload), len(payload)) + payload)
PY
grep -q "^optimizer: *lion (step 60; state m, v)$" <("$SEQTRAIN" inspect "$SCRATCH/lion.ckpt") \
  || fail "inspect of an unknown optimizer's checkpoint"
expect_error unknown_optimizer 1 "seqtrain: error: $SCRATCH/lion.ckpt: optimizer.name = 'lion' \
is not an optimizer of this seqtrain \(adam, adamw, sgd\)$" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
  --checkpoint-dir "$SCRATCH/other" --resume "$SCRATCH/lion.ckpt"
expect_error auto_without_dir 1 "seqtrain: error: --resume auto: checkpoint.dir is not set" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --resume auto
# auto with an empty folder starts fresh.
train 1 "$SCRATCH/fresh" 2 --resume auto >"$SCRATCH/fresh.out" 2>&1 || fail "fresh start with --resume auto"
grep -q "No checkpoint in $SCRATCH/fresh: starting from step 0" "$SCRATCH/fresh.out" || fail "fresh: no notice"

# inspect, eval (any rank count), predict.
"$SEQTRAIN" inspect "$REF" >"$SCRATCH/inspect.out" || fail "inspect failed"
grep -q "^global_step: *60$" "$SCRATCH/inspect.out" || fail "inspect: step"
grep -q "hidden_size: 32" "$SCRATCH/inspect.out" || fail "inspect: config"
grep -q "^optimizer: *adam (step 60; state m, v)$" "$SCRATCH/inspect.out" || fail "inspect: optimizer"
grep -q "lstm0/w_x" "$SCRATCH/inspect.out" && fail "inspect printed tensors without --tensors"
"$SEQTRAIN" inspect --tensors "$REF" >"$SCRATCH/tensors.out" || fail "inspect --tensors failed"
for group in params adam.m adam.v; do
  grep -q "^$group lstm0/w_x *28x128 " "$SCRATCH/tensors.out" || fail "inspect --tensors: no $group"
done
final=$(grep -o 'Testing Accuracy: [0-9.]*' "$SCRATCH/straight.out" | awk '{print $3}')
for np in 1 3; do
  got=$("$MPIEXEC" -n "$np" "$SEQTRAIN" eval --checkpoint "$REF" --data-dir "$SEQTRAIN_MNIST_DIR" | grep -o 'test accuracy [0-9.]*' | awk '{print $3}')
  [ "$got" = "$final" ] || fail "eval on $np ranks: $got, training reported $final"
done
"$SEQTRAIN" predict --checkpoint "$REF" --images "$SEQTRAIN_MNIST_DIR/t10k-images-idx3-ubyte.gz" --limit 5 >"$SCRATCH/predict.out" || fail "predict"
[ "$(wc -l <"$SCRATCH/predict.out")" -eq 6 ] || fail "predict: expected a header and 5 lines"
awk 'NR > 1 && !($2 ~ /^[0-9]$/ && $3 > 0 && $3 <= 1) { exit 1 }' "$SCRATCH/predict.out" || fail "predict: bad line"

# diff: 1 for different parameters (values or shapes, both shapes named), 2 for a file it cannot compare.
OTHER=$(dirname "$0")/../fuzz/corpus/checkpoint/valid_h4.ckpt  # hidden 4
"$SEQTRAIN" diff "$REF" "$OTHER" >"$SCRATCH/diff_shapes.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "diff of other shapes: exit $rc, expected 1"
grep -qx "tensor 'lstm0/w_x' has shape \[28, 16\] (1792 bytes) in $OTHER, \[28, 128\] (14336 bytes) in $REF: DIFFERENT" \
  "$SCRATCH/diff_shapes.out" || fail "diff of other shapes: $(cat "$SCRATCH/diff_shapes.out")"
"$SEQTRAIN" diff "$REF" "$(ckpt "$SCRATCH/same" 60)" >/dev/null 2>&1 || fail "diff of identical parameters: exit $?"
"$SEQTRAIN" diff "$REF" "$(ckpt "$SCRATCH/from4to2" 60)" >/dev/null 2>&1
[ $? -eq 1 ] || fail "diff of float-reordered parameters without --tolerance: expected exit 1"
expect_error diff_missing 2 "seqtrain: error: $SCRATCH/none.ckpt: cannot open: No such file or directory" 10 -- \
  "$SEQTRAIN" diff "$REF" "$SCRATCH/none.ckpt"
expect_error diff_truncated 2 "seqtrain: error: $SCRATCH/short.ckpt: truncated or padded" 10 -- \
  "$SEQTRAIN" diff "$SCRATCH/short.ckpt" "$REF"
finish
