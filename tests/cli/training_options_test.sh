# The training options through the executable, 2 ranks: a run with a warmup + cosine schedule,
# gradient accumulation and a weight average resumes in the middle of the warmup
# bit-identically; a stop signal during an accumulated step saves at the step's end and the
# resumed run still matches; the learning rate is in the step lines only with a schedule;
# eval and predict choose the weights with --weights; the refusals are one line.
source "$(dirname "$0")/lib.sh"
need_mnist
LAUNCH=$(cd "$(dirname "$0")/../../launch" && pwd)
export SEQTRAIN_BIN=$SEQTRAIN
CONFIG=$(dirname "$0")/../../configs/quick.txtpb  # 60 steps of batch 64, H = 32
OPTIONS=(--set optimizer.schedule.kind=COSINE --set optimizer.schedule.warmup_steps=40
  --set optimizer.learning_rate=0.003 --set optimizer.ema_decay=0.9
  --set schedule.accumulation_steps=2 --display-step 1)
LAUNCHED=
teardown() { [ -z "$LAUNCHED" ] || kill -KILL -- "-$LAUNCHED" 2>/dev/null; }
guard_test 170 teardown
train() {  # train CKPT_DIR MAX_STEPS [more flags]
  local dir=$1 steps=$2
  shift 2
  timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
    --checkpoint-dir "$dir" --max-steps "$steps" "${OPTIONS[@]}" "$@" </dev/null
}
step_lines() { grep '^Step [0-9]*, Minibatch' "$1" | sed 's/, [0-9]* samples.s//'; }

train "$SCRATCH/straight" 60 --metrics "$SCRATCH/straight.jsonl" >"$SCRATCH/straight.out" 2>&1 ||
  fail "straight run: $(tail -3 "$SCRATCH/straight.out")"
REF=$(ckpt "$SCRATCH/straight" 60)

# The learning rate of each step in its line: 0.003 x step / 40 in the warmup.
grep -q '^{"event":"step","step":10,.*,"learning_rate":0.00075}$' "$SCRATCH/straight.jsonl" ||
  fail "no learning rate 0.00075 in step 10's line: $(grep '"step":10,' "$SCRATCH/straight.jsonl")"
grep -q '^{"event":"eval","step":60,"test_accuracy":[0-9.e-]*,"test_loss":[0-9.e-]*,"ema_test_accuracy":[0-9.e-]*,"ema_test_loss":[0-9.e-]*}$' \
  "$SCRATCH/straight.jsonl" || fail "eval line without the average's accuracy: $(grep eval "$SCRATCH/straight.jsonl")"
# Without a schedule, average or accumulation the lines are as before: no new keys.
timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
  --checkpoint-dir "$SCRATCH/plain" --max-steps 5 --metrics "$SCRATCH/plain.jsonl" </dev/null >/dev/null 2>&1 ||
  fail "plain run"
grep -q 'learning_rate\|ema_' "$SCRATCH/plain.jsonl" && fail "new keys in a plain run: $(head -2 "$SCRATCH/plain.jsonl")"

# Resumed at step 25, in the middle of the 40-step warmup.
train "$SCRATCH/warm" 25 >/dev/null 2>&1 || fail "first part"
train "$SCRATCH/warm" 60 --resume auto >"$SCRATCH/warm.out" 2>&1 || fail "resume: $(tail -3 "$SCRATCH/warm.out")"
if "$SEQTRAIN" diff "$REF" "$(ckpt "$SCRATCH/warm" 60)" >"$SCRATCH/warm.diff" 2>&1; then
  echo "ok: resumed mid-warmup at step 25: bit-identical at step 60"
else
  fail "resumed mid-warmup: not bit-identical: $(tail -1 "$SCRATCH/warm.diff")"
fi
[ "$(step_lines "$SCRATCH/straight.out" | sed -n '26,60p')" = "$(step_lines "$SCRATCH/warm.out")" ] ||
  fail "the resumed run logged other losses than the straight one"
"$SEQTRAIN" inspect "$REF" >"$SCRATCH/inspect.out" 2>&1 || fail "inspect: $(tail -1 "$SCRATCH/inspect.out")"

# A stop signal during an accumulated step (the step sleeps 3 s first): the ranks finish all
# of its micro-batches, save at its end and exit 75; the resumed run matches the straight one.
d=$SCRATCH/stopped
set -m
SEQTRAIN_FAULT=slow@30-60 "$LAUNCH/local.sh" -n 2 train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
  --checkpoint-dir "$d" --max-steps 60 "${OPTIONS[@]}" </dev/null >"$d.out" 2>"$d.err" &
pid=$!
set +m
LAUNCHED=$pid
wait_for 100 grep -q '^Step 30,' "$d.out" || fail "stop: no step 30 line: $(tail -3 "$d.err")"
kill -TERM "$pid"
timeout 60 tail --pid="$pid" -f /dev/null
wait "$pid"
rc=$?
LAUNCHED=
stopped=$(grep -oE '^Stopped at step [0-9]+' "$d.out" | grep -oE '[0-9]+$')
if [ "$rc" -ne 75 ] || [ -z "$stopped" ]; then
  fail "stop: exit $rc, stopped at '$stopped': $(tail -3 "$d.err")"
elif ! has_ckpt "$d" "$stopped"; then
  fail "stop: no checkpoint of step $stopped"
else
  train "$d" 60 --resume auto >"$d.resume.out" 2>&1 || fail "stop: resume: $(tail -3 "$d.resume.out")"
  if "$SEQTRAIN" diff "$REF" "$(ckpt "$d" 60)" >"$d.diff" 2>&1; then
    echo "ok: stopped by SIGTERM at step $stopped (a whole accumulated step), resumed bit-identical"
  else
    fail "stop: resumed run differs: $(tail -1 "$d.diff")"
  fi
fi

# eval/predict --weights: the average is another set of weights; raw is the default.
"$SEQTRAIN" eval --checkpoint "$REF" --data-dir "$SEQTRAIN_MNIST_DIR" >"$SCRATCH/raw.out" 2>&1 || fail "eval raw"
"$SEQTRAIN" eval --checkpoint "$REF" --data-dir "$SEQTRAIN_MNIST_DIR" --weights ema >"$SCRATCH/ema.out" 2>&1 ||
  fail "eval ema: $(tail -1 "$SCRATCH/ema.out")"
raw=$(grep -oE 'test accuracy [0-9.]+, test loss [0-9.]+' "$SCRATCH/raw.out")
ema=$(grep -oE 'test accuracy [0-9.]+, test loss [0-9.]+' "$SCRATCH/ema.out")
final_ema=$(grep -oE '^Step 60, EMA Test Accuracy= [0-9.]+' "$SCRATCH/straight.out" | grep -oE '[0-9.]+$')
if [ -z "$raw" ] || [ -z "$ema" ] || [ "$raw" = "$ema" ]; then
  fail "eval --weights: raw '$raw', ema '$ema'"
elif [ "${ema#test accuracy }" = "${ema}" ] || [ "$(echo "$ema" | grep -oE 'accuracy [0-9.]+' | grep -oE '[0-9.]+$')" != "$final_ema" ]; then
  fail "eval --weights ema: '$ema', the training run's EMA accuracy: $final_ema"
else
  echo "ok: eval --weights raw: $raw; ema: $ema (as the run reported)"
fi
expect_error bad_weights 2 "seqtrain: error: eval: --weights 'best': must be raw or ema" 10 -- \
  "$SEQTRAIN" eval --checkpoint "$REF" --weights best
expect_error no_average 1 "seqtrain: error: $(ckpt "$SCRATCH/plain" 5): has no moving average of the weights \(trained with optimizer.ema_decay = 0\); use --weights raw" 30 -- \
  "$SEQTRAIN" predict --checkpoint "$(ckpt "$SCRATCH/plain" 5)" --images "$SEQTRAIN_MNIST_DIR/t10k-images-idx3-ubyte.gz" --limit 3 --weights ema
# export --weights: the average is what an ema export holds, the weights what a raw one does.
for w in raw ema; do
  "$SEQTRAIN" export --checkpoint "$REF" --format safetensors --weights $w --out "$SCRATCH/$w.safetensors" \
    >"$SCRATCH/export_$w.out" 2>&1 || fail "export --weights $w: $(tail -1 "$SCRATCH/export_$w.out")"
done
if cmp -s "$SCRATCH/raw.safetensors" "$SCRATCH/ema.safetensors"; then
  fail "export --weights ema wrote the raw weights"
elif ! grep -q '"seqtrain_weights":"ema"' "$SCRATCH/ema.safetensors"; then
  fail "export --weights ema: the metadata does not say ema"
else
  echo "ok: export --weights raw and ema write different weights"
fi
expect_error export_no_average 1 "seqtrain: error: $(ckpt "$SCRATCH/plain" 5): has no moving average of the weights" 30 -- \
  "$SEQTRAIN" export --checkpoint "$(ckpt "$SCRATCH/plain" 5)" --format onnx --out "$SCRATCH/x.onnx" --weights ema

# Refusals: weight_decay without a named optimizer, momentum outside sgd, an unknown name.
expect_error decay_needs_name 1 "seqtrain: error: --set optimizer.weight_decay=0.01: optimizer.weight_decay = 0.01: needs optimizer.name" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --set optimizer.weight_decay=0.01
expect_error momentum_not_sgd 1 "optimizer.momentum = 0.9: applies to optimizer.name \"sgd\" only" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --set optimizer.momentum=0.9
expect_error unknown_optimizer_name 1 "seqtrain: error: optimizer.name = 'lion' is not an optimizer of this seqtrain \(adam, adamw, sgd\)" 60 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --set optimizer.name='"lion"'
finish
