# 300 steps on 2 ranks of real MNIST reach >= 90% test accuracy, and the
# metrics file holds the documented JSON lines.
source "$(dirname "$0")/lib.sh"
need_mnist
M=$SCRATCH/metrics.jsonl
timeout 170 "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps 300 \
  --display-step 50 --eval-every 150 --metrics "$M" >"$SCRATCH/out.txt" 2>"$SCRATCH/err.txt"
rc=$?
cat "$SCRATCH/out.txt"
[ $rc -eq 0 ] || { fail "training exited $rc: $(cat "$SCRATCH/err.txt")"; finish; }

steps=$(grep -c '"event":"step"' "$M")
[ "$steps" -eq 7 ] || fail "expected 7 step lines (1, 50, ..., 300), got $steps"
grep -q '^{"event":"step","step":1,"epoch":0,"loss":[0-9.e+-]*,"train_accuracy":[0-9.e+-]*,"samples_per_sec":[0-9.e+-]*}$' "$M" \
  || fail "step line format"
grep -q '^{"event":"eval","step":150,"test_accuracy":[0-9.e+-]*,"test_loss":[0-9.e+-]*}$' "$M" || fail "eval line at step 150"
last=$(tail -n 1 "$M")
# The build's provenance (train/build_info.h), as `seqtrain version` prints it.
s='"[^"]+"'
build_json="\"build\":\{\"version\":$s,\"git_describe\":$s,\"build_type\":$s,\"compiler\":$s,"
build_json+="\"flags_class\":\"(portable|native)[^\"]*\",\"simd_compiled\":\[$s(,$s)*\],\"simd_chosen\":$s,"
build_json+="\"openblas_config\":\"OpenBLAS [^\"]+\",\"openblas_corename\":$s,\"mpi_library\":$s,"
build_json+="\"protobuf_version\":\"[0-9.]+\",\"highway_version\":\"[0-9.]+\"\}"
[[ "$last" =~ ^\{\"event\":\"final\",\"step\":300,\"test_accuracy\":([0-9.e+-]+),\"wall_seconds\":[0-9.e+-]+,\"world_size\":2,\"samples_per_sec\":[0-9.e+-]+,\"first_step_seconds\":[0-9.e+-]+,\"skipped_steps\":0,\"simd_target\":\"[a-z0-9_]+\",\"peak_rss_mib\":\[[0-9.e+-]+,[0-9.e+-]+\],\"phase_ms_per_step\":\{\"data\":[0-9.e+-]+,.*\"optimizer\":[0-9.e+-]+\},$build_json\}$ ]] \
  || fail "final line format: $last"
acc=${BASH_REMATCH[1]:-0}
awk -v a="$acc" 'BEGIN { exit !(a >= 0.90) }' || fail "test accuracy $acc < 0.90"
echo "test accuracy after 300 steps on 2 ranks: $acc"
if [ -n "${SEQTRAIN_SIMD:-}" ]; then  # the CTest variant that forces the kernels' instruction set
  grep -q "\"simd_target\":\"$SEQTRAIN_SIMD\"" <<<"$last" \
    || fail "final line does not say simd_target $SEQTRAIN_SIMD"
  grep -q "\"simd_chosen\":\"$SEQTRAIN_SIMD\"" <<<"$last" || fail "build.simd_chosen is not $SEQTRAIN_SIMD"
  grep -q "^seqtrain: SIMD kernels: $SEQTRAIN_SIMD (SEQTRAIN_SIMD=$SEQTRAIN_SIMD; " "$SCRATCH/out.txt" \
    || fail "no start-up line for the forced SIMD target"
fi
grep -q "Optimization Finished! Testing Accuracy: " "$SCRATCH/out.txt" || fail "no final line on stdout"
[ "$(grep -c '^seqtrain: build: seqtrain [0-9.]* (git [^)]*), .*; SIMD .*; OpenBLAS .*; protobuf .*; Highway ' \
  "$SCRATCH/out.txt")" -eq 1 ] || fail "no single build line at the start"
[ "$(grep -c 'Optimization Finished' "$SCRATCH/out.txt")" -eq 1 ] || fail "final line printed more than once"
finish
