# Bad command-line flags and config values: one clear line, a non-zero exit,
# on 2 ranks, in seconds.
source "$(dirname "$0")/lib.sh"
RUN2=("$MPIEXEC" -n 2 "$SEQTRAIN")
D=${SEQTRAIN_MNIST_DIR:-/nonexistent}

expect_error unknown_flag 2 "seqtrain: error: train: .*--bogus" 10 -- "${RUN2[@]}" train --bogus
expect_error bad_number 1 "seqtrain: error: --epochs ten: schedule.epochs = ten: not a valid int64" 10 -- "${RUN2[@]}" train --epochs ten
expect_error missing_value 2 "seqtrain: error: train: .*--lr" 10 -- "${RUN2[@]}" train --lr
expect_error unknown_command 2 "seqtrain: error: unknown command 'trian'" 10 -- "${RUN2[@]}" trian
expect_error negative_seed 1 "seqtrain: error: --seed -1: seed = -1: not a valid uint64" 10 -- "${RUN2[@]}" train --seed=-1
expect_error zero_lr 1 "seqtrain: error: --lr 0: optimizer.learning_rate = 0: must be positive" 10 -- "${RUN2[@]}" train --data-dir "$D" --lr 0
expect_error batch_below_ranks 1 "seqtrain: error: --batch-size 1: schedule.batch_size = 1: smaller than the number of ranks \(2\)" 10 -- "${RUN2[@]}" train --data-dir "$D" --batch-size 1
expect_error no_data_dir 1 "seqtrain: error: data.dir = \"\": not set" 10 -- "${RUN2[@]}" train
expect_error metrics_unwritable 1 "seqtrain: error: /nonexistent/dir/m.jsonl: cannot write metrics file" 30 -- \
  "${RUN2[@]}" train --data-dir "$D" --max-steps 1 --metrics /nonexistent/dir/m.jsonl

printf 'schedule {\n  batch_size: 0\n}\n' >"$SCRATCH/bad.txtpb"
expect_error config_value 1 "seqtrain: error: $SCRATCH/bad.txtpb:2:3: schedule.batch_size = 0: must be positive" 10 -- \
  "${RUN2[@]}" train --config "$SCRATCH/bad.txtpb" --data-dir "$D"
printf 'model { hiden: 3 }\n' >"$SCRATCH/typo.txtpb"
expect_error config_field 1 "seqtrain: error: $SCRATCH/typo.txtpb:1:14: Message type \"seqtrain.ModelConfig\" has no field named \"hiden\"" 10 -- \
  "${RUN2[@]}" train --config "$SCRATCH/typo.txtpb"
expect_error set_path 1 "seqtrain: error: --set schedule.batchsize=3: no field 'batchsize' in schedule" 10 -- \
  "${RUN2[@]}" train --data-dir "$D" --set schedule.batchsize=3
expect_error resume_missing 1 "seqtrain: error: $SCRATCH/none.ckpt: cannot open: No such file or directory" 30 -- \
  "${RUN2[@]}" train --data-dir "$D" --resume "$SCRATCH/none.ckpt"
expect_error inspect_missing 1 "seqtrain: error: $SCRATCH/none.ckpt: cannot open" 10 -- "$SEQTRAIN" inspect "$SCRATCH/none.ckpt"

expect_error blas_threads_cap 2 "seqtrain: error: --blas-threads 100: this OpenBLAS runs at most 64 threads per process" 10 -- \
  "${RUN2[@]}" train --data-dir "$D" --blas-threads 100 --max-steps 1
# A newline in a value is escaped: one error is one line.
expect_error set_newline 1 "seqtrain: error: --set schedule.epochs=3[\\]nfake: .*3[\\]nfake" 10 -- \
  "${RUN2[@]}" train --data-dir "$D" --set "schedule.epochs=3
fake"
expect_error set_newline_path 1 "seqtrain: error: data.dir = /no[\\]nseqtrain: error: fake: no such folder" 20 -- \
  "${RUN2[@]}" train --data-dir "/no
seqtrain: error: fake"
# Resuming a checkpoint already at the end of this run's schedule says so.
if [ -d "$D" ]; then
  "${RUN2[@]}" train --data-dir "$D" --hidden-size 16 --max-steps 3 --checkpoint-dir "$SCRATCH/past" >/dev/null 2>&1 </dev/null ||
    fail "past_end: the 3-step run failed"
  "${RUN2[@]}" train --data-dir "$D" --hidden-size 16 --max-steps 2 --checkpoint-dir "$SCRATCH/past" --resume auto \
    >"$SCRATCH/past.out" 2>&1 </dev/null || fail "past_end: the resume failed: $(tail -2 "$SCRATCH/past.out")"
  grep -q "^seqtrain: warning: $(ckpt "$SCRATCH/past" 3) is at step 3, already at the end of this run (schedule.max_steps = 2): no steps to train, only the final evaluation$" \
    "$SCRATCH/past.out" && echo "ok: past_end: warned" || fail "past_end: no warning: $(grep -i warn "$SCRATCH/past.out")"
fi

# Heads: a width without a regression head, an unknown head, and MNIST's classes for a regression head.
expect_error output_size_classifier 1 "seqtrain: error: --set model.output_size=3: model.output_size = 3: only regression heads read it \(model.head = LAST_STEP_CLASSIFIER" 10 -- \
  "${RUN2[@]}" train --data-dir "$D" --set model.output_size=3
expect_error unknown_head 1 "seqtrain: error: --set model.head=LAST_STEP_SOFTMAX: " 10 -- \
  "${RUN2[@]}" train --data-dir "$D" --set model.head=LAST_STEP_SOFTMAX
if [ -d "$D" ]; then
  expect_error head_of_other_targets 1 "^seqtrain: error: training set: targets are a class per sequence but model.head = LAST_STEP_REGRESSION reads 1 value per sequence$" 30 -- \
    "${RUN2[@]}" train --data-dir "$D" --hidden-size 8 --max-steps 1 --set model.head=LAST_STEP_REGRESSION
fi

# --help succeeds and prints once.
out=$("$MPIEXEC" -n 2 "$SEQTRAIN" train --help 2>&1)
[ $? -eq 0 ] || fail "train --help exited non-zero"
[ "$(grep -c -- '--batch-size' <<<"$out")" -eq 1 ] || fail "train --help should print its options once: $out"
finish
