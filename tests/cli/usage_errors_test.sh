# Bad command-line flags and config values: one clear line, a non-zero exit,
# on 2 ranks, in seconds.
source "$(dirname "$0")/lib.sh"
RUN2=("$MPIEXEC" -n 2 "$SEQTRAIN")
D=${SEQTRAIN_MNIST_DIR:-/nonexistent}

expect_error unknown_flag 2 "seqtrain: error: train: .*--bogus" 10 -- "${RUN2[@]}" train --bogus
expect_error bad_number 2 "seqtrain: error: train: .*--epochs" 10 -- "${RUN2[@]}" train --epochs ten
expect_error missing_value 2 "seqtrain: error: train: .*--lr" 10 -- "${RUN2[@]}" train --lr
expect_error unknown_command 2 "seqtrain: error: unknown command 'trian'" 10 -- "${RUN2[@]}" trian
expect_error negative_seed 2 "seqtrain: error: train: --seed -1: must not be negative" 10 -- "${RUN2[@]}" train --seed=-1
expect_error zero_lr 1 "seqtrain: error: optimizer.learning_rate = 0: must be positive" 10 -- "${RUN2[@]}" train --data-dir "$D" --lr 0
expect_error batch_below_ranks 1 "seqtrain: error: schedule.batch_size = 1: smaller than the number of ranks \(2\)" 10 -- "${RUN2[@]}" train --data-dir "$D" --batch-size 1
expect_error no_data_dir 1 "seqtrain: error: data.dir = \"\": not set" 10 -- "${RUN2[@]}" train
expect_error metrics_unwritable 1 "seqtrain: error: /nonexistent/dir/m.jsonl: cannot write metrics file" 30 -- \
  "${RUN2[@]}" train --data-dir "$D" --max-steps 1 --metrics /nonexistent/dir/m.jsonl

# --help succeeds and prints once.
out=$("$MPIEXEC" -n 2 "$SEQTRAIN" train --help 2>&1)
[ $? -eq 0 ] || fail "train --help exited non-zero"
[ "$(grep -c -- '--batch-size' <<<"$out")" -eq 1 ] || fail "train --help should print its options once: $out"
finish
