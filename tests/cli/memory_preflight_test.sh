# The memory preflight on real runs: the estimate printed at start against the peak
# RSS each run measured, a run too large for the node or for ulimit -v refused in one
# line before anything is allocated, step counts too large for int64 refused, step
# counts of 10^12 started without allocating for them, and std::bad_alloc on one
# rank ending the job with one line.
source "$(dirname "$0")/lib.sh"
need_mnist
run() {  # run NP [flags]: a short run on real MNIST
  local np=$1
  shift
  "$MPIEXEC" -n "$np" "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" "$@" </dev/null
}

# Estimate within [0.8, 1.6] of the measured peak RSS (the largest rank's) on 1 and 2 ranks.
check_estimate() {  # check_estimate NAME NP [flags]
  local name=$1 np=$2
  shift 2
  run "$np" --max-steps 3 --metrics "$SCRATCH/$name.jsonl" "$@" >"$SCRATCH/$name.out" 2>&1 ||
    { fail "$name: run failed: $(tail -3 "$SCRATCH/$name.out")"; return; }
  local estimate peak
  estimate=$(grep -o 'memory [0-9.]* [MG]iB per rank (estimated)' "$SCRATCH/$name.out" |
    awk '{ print $2 * ($3 == "GiB" ? 1024 : 1) }')
  peak=$(grep '"event":"final"' "$SCRATCH/$name.jsonl" | grep -o '"peak_rss_mib":\[[^]]*\]' |
    tr -d '[]' | cut -d: -f2 | tr ',' '\n' | sort -g | tail -1)
  if [ -z "$estimate" ] || [ -z "$peak" ]; then
    fail "$name: no estimate ('$estimate') or peak RSS ('$peak')"
  elif awk -v e="$estimate" -v p="$peak" 'BEGIN { r = e / p; exit !(r >= 0.8 && r <= 1.6) }'; then
    echo "ok: $name: estimated $estimate MiB, peak RSS $peak MiB"
  else
    fail "$name: estimated $estimate MiB but the peak RSS was $peak MiB"
  fi
}
check_estimate default1 1
check_estimate default2 2
check_estimate wide1 1 --hidden-size 512 --batch-size 256
check_estimate deep2 2 --hidden-size 256 --set model.num_layers=3 --batch-size 256
check_estimate eval_batch1 1 --set schedule.eval_batch_size=2000
check_estimate big_batch2 2 --batch-size 4096
check_estimate checkpoint1 1 --hidden-size 768 --checkpoint-dir "$SCRATCH/ck"
check_estimate gru_wide1 1 --hidden-size 512 --batch-size 256 --set model.cell=GRU
check_estimate bigru_deep2 2 --hidden-size 128 --set model.num_layers=2 --batch-size 1024 \
  --set model.cell=GRU --set model.bidirectional=true --set model.dropout=0.3

expect_error too_big_for_node 1 \
  "seqtrain: error: needs [0-9.]+ GiB per rank \(model.hidden_size = 16384, model.num_layers = 64, .*\); this node has [0-9.]+ [MG]iB per rank free \(.* over 2 ranks here\)$" \
  20 -- run 2 --hidden-size 16384 --set model.num_layers=64
expect_error too_big_for_batch 1 \
  "seqtrain: error: needs [0-9.]+ GiB per rank \(.*schedule.batch_size = 16777216 over 1 rank, .*\); this node has" \
  20 -- run 1 --batch-size 16777216 --set model.num_layers=8
under_ulimit() { (ulimit -v 1500000 && run 1 --hidden-size 4096); }
expect_error too_big_for_ulimit 1 \
  "seqtrain: error: needs 1.7 GiB per rank \(model.hidden_size = 4096, .*address-space limit \(RLIMIT_AS, ulimit -v\) leaves" \
  20 -- under_ulimit
expect_error epochs_overflow 1 \
  "seqtrain: error: schedule.epochs = 9000000000000000000 x 469 steps per epoch \(schedule.batch_size = 128, 60000 training images\) is beyond the step counter" \
  20 -- run 2 --epochs 9000000000000000000
export SEQTRAIN_FAULT=oom@3:1
expect_error bad_alloc 1 "seqtrain: error: \[rank 1\] out of memory \(std::bad_alloc\)" 20 -- run 2 --max-steps 10
unset SEQTRAIN_FAULT

# Step counts of 10^12 start at once (nothing sized by them) and stop cleanly on SIGUSR1.
for flags in "--epochs 1000000000" "--max-steps 1000000000000"; do
  name=huge_steps_${flags%% *}
  name=${name//-/}
  # shellcheck disable=SC2086
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" $flags </dev/null >"$SCRATCH/$name.out" 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q '^Step 1,' "$SCRATCH/$name.out" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -USR1 $pid 2>/dev/null
  timeout 60 tail --pid=$pid -f /dev/null
  wait $pid
  rc=$?
  if [ $rc -eq 75 ] && grep -q '^Stopped at step' "$SCRATCH/$name.out" && ! grep -q 'error' "$SCRATCH/$name.out"; then
    echo "ok: $name: $(grep -o 'steps 0 -> [0-9]*' "$SCRATCH/$name.out"), stopped with exit 75"
  else
    fail "$name: exit $rc: $(tail -5 "$SCRATCH/$name.out")"
  fi
done
finish
