# Your own data, end to end: a generated sequence task (lengths 20 to 100, NaN
# padding that must never be read) written as .npy by NumPy is learned on 2
# ranks to a stated test accuracy; `seqtrain eval` on the npy test set gives the
# accuracy training reported, and so do `seqtrain predict --inputs`'s labels; the same data as one compressed .npz per set
# gives the same numbers as the .npy files.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import numpy' 2>/dev/null || { fail "$PY with numpy is needed (python3-numpy)"; finish; }
MAKE=$(dirname "$0")/make_sequence_task.py
"$PY" "$MAKE" "$SCRATCH/npy" || fail "writing the .npy task failed"
"$PY" "$MAKE" "$SCRATCH/npz" --npz-compressed || fail "writing the .npz task failed"
MODEL=(--set model.time_steps=100 --set model.input_size=4 --set model.num_classes=4
       --hidden-size 32 --batch-size 64 --lr 0.01 --set optimizer.clip_grad_norm=1)
run() {  # run NAME DIR STEPS [ARGS...]: 2 ranks, metrics in SCRATCH/NAME.jsonl
  local name=$1 dir=$2 steps=$3
  shift 3
  timeout 170 "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$dir" "${MODEL[@]}" --max-steps "$steps" \
    --display-step 10 --metrics "$SCRATCH/$name.jsonl" "$@" >"$SCRATCH/$name.out" 2>&1 ||
    fail "$name: training failed: $(tail -5 "$SCRATCH/$name.out")"
}

# 300 steps (~4.7 epochs of 2048 sequences): measured 0.9707; chance is 0.25.
run learn "$SCRATCH/npy" 300 --checkpoint-dir "$SCRATCH/ck"
final=$(grep -o 'Testing Accuracy: [0-9.]*' "$SCRATCH/learn.out" | awk '{print $3}')
echo "test accuracy after 300 steps: $final"
awk -v a="${final:-0}" 'BEGIN { exit !(a >= 0.90) }' || fail "test accuracy '$final' is below 0.90"

# eval reads the npy test set (data.format auto, from the checkpoint's config).
ckpt=$(ls "$SCRATCH"/ck/*.ckpt | tail -1)
got=$("$MPIEXEC" -n 2 "$SEQTRAIN" eval --checkpoint "$ckpt" --data-dir "$SCRATCH/npy" 2>"$SCRATCH/eval.err" |
      grep -o 'test accuracy [0-9.]*' | awk '{print $3}')
[ -n "$final" ] && [ "$got" = "$final" ] || fail "eval: '$got', training reported '$final': $(cat "$SCRATCH/eval.err")"

# predict --inputs/--lengths: its labels score on test_y.npy what eval reported.
"$SEQTRAIN" predict --checkpoint "$ckpt" --inputs "$SCRATCH/npy/test_x.npy" \
  --lengths "$SCRATCH/npy/test_len.npy" >"$SCRATCH/predict.tsv" 2>"$SCRATCH/predict.err" ||
  fail "predict --inputs: $(cat "$SCRATCH/predict.err")"
scored=$("$PY" - "$SCRATCH/predict.tsv" "$SCRATCH/npy/test_y.npy" <<'PYEOF'
import sys
import numpy as np
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
y = np.load(sys.argv[2])
assert [int(r[0]) for r in rows] == list(range(len(y))), "one line per sequence, in order"
print("%.4f" % np.mean(np.array([int(r[1]) for r in rows]) == y))
PYEOF
)
[ -n "$scored" ] && [ "$scored" = "$(printf '%.4f' "$final")" ] ||
  fail "predict --inputs labels score '$scored' on test_y.npy, eval reported '$final'"
# Without --lengths every sequence is T long: other answers for the short ones.
"$SEQTRAIN" predict --checkpoint "$ckpt" --inputs "$SCRATCH/npy/test_x.npy" >"$SCRATCH/full.tsv" \
  2>"$SCRATCH/full.err" && fail "predict without --lengths read the NaN padding: $(head -2 "$SCRATCH/full.tsv")"
grep -q 'test_x.npy: NaN in x at sequence' "$SCRATCH/full.err" ||
  fail "predict without --lengths: $(cat "$SCRATCH/full.err")"

# .npz and .npy: the same losses, accuracies and evaluations, step by step.
run as_npy "$SCRATCH/npy" 30 --eval-every 15
run as_npz "$SCRATCH/npz" 30 --eval-every 15
numbers() { grep -E '"event":"(step|eval)"' "$1" | sed -E 's/,"samples_per_sec":[^,}]*//'; }
[ "$(numbers "$SCRATCH/as_npy.jsonl" | wc -l)" -ge 5 ] || fail "too few metrics lines in as_npy.jsonl"
if ! diff <(numbers "$SCRATCH/as_npy.jsonl") <(numbers "$SCRATCH/as_npz.jsonl") >"$SCRATCH/npz.diff"; then
  fail "the .npz run differs from the .npy run: $(head -4 "$SCRATCH/npz.diff")"
fi
finish
