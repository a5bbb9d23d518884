# SEQTRAIN_SIMD on 2 ranks: a forced target runs and is reported at start and
# in the final metrics line; an unknown value, or a target this CPU lacks, is
# one error line and exit 1 before any training.
source "$(dirname "$0")/lib.sh"
need_mnist
D=$SEQTRAIN_MNIST_DIR
TRAIN=(train --data-dir "$D" --hidden-size 16 --batch-size 32 --max-steps 2 --display-step 1)

export SEQTRAIN_SIMD=avx9
unknown="^seqtrain: error: SEQTRAIN_SIMD=avx9: unknown SIMD target \(use one of: auto, [a-z0-9_, ]*scalar\)$"
expect_error unknown_target 1 "$unknown" 30 -- "$MPIEXEC" -n 2 "$SEQTRAIN" "${TRAIN[@]}"
export SEQTRAIN_SIMD=avx-512
expect_error misspelt_target 1 "^seqtrain: error: SEQTRAIN_SIMD=avx-512: unknown SIMD target" 30 -- \
  "$MPIEXEC" -n 2 "$SEQTRAIN" "${TRAIN[@]}"
# Highway's AVX-512 target needs F, BW, DQ and VL.
has_avx512=1
for flag in avx512f avx512bw avx512dq avx512vl; do grep -qw $flag /proc/cpuinfo || has_avx512=0; done
if [ $has_avx512 -eq 0 ]; then
  export SEQTRAIN_SIMD=avx512
  lacks="^seqtrain: error: SEQTRAIN_SIMD=avx512: this CPU cannot run avx512 \(it supports: "
  expect_error unsupported_target 1 "$lacks" 30 -- "$MPIEXEC" -n 2 "$SEQTRAIN" "${TRAIN[@]}"
else
  echo "this CPU runs AVX-512: the unsupported case is covered by simd_target_test (ResolveTarget)"
fi

# Commands that run no model ignore it.
SEQTRAIN_SIMD=avx9 "$SEQTRAIN" help >/dev/null 2>&1 || fail "help fails under SEQTRAIN_SIMD=avx9"
SEQTRAIN_SIMD=avx9 "$SEQTRAIN" inspect "$SCRATCH/none.ckpt" 2>&1 | grep -q "SEQTRAIN_SIMD" \
  && fail "inspect looked at SEQTRAIN_SIMD"

# Every target this binary has and the CPU runs: forced, it is what the kernels use.
unset SEQTRAIN_SIMD
"$MPIEXEC" -n 2 "$SEQTRAIN" "${TRAIN[@]}" --metrics "$SCRATCH/auto.jsonl" >"$SCRATCH/auto.out" 2>&1 \
  || fail "auto run failed: $(cat "$SCRATCH/auto.out")"
line=$(grep "^seqtrain: SIMD kernels: " "$SCRATCH/auto.out")
[ "$(grep -c "SIMD kernels" "$SCRATCH/auto.out")" -eq 1 ] || fail "the SIMD line should appear once (rank 0)"
[[ "$line" =~ ^seqtrain:\ SIMD\ kernels:\ ([a-z0-9_]+)\ \(best\ of\ this\ CPU\'s\ ([a-z0-9_, ]+)\)$ ]] \
  || fail "start-up line: $line"
best=${BASH_REMATCH[1]}
IFS=', ' read -r -a supported <<<"${BASH_REMATCH[2]}"
[ "${supported[0]:-}" = "$best" ] || fail "auto chose $best, not the first of ${supported[*]}"
[ "${supported[-1]:-}" = scalar ] || fail "the scalar baseline should always be supported: ${supported[*]}"
grep -q "\"simd_target\":\"$best\"" "$SCRATCH/auto.jsonl" || fail "final line lacks simd_target $best"
# OpenBLAS held to a narrower class than the kernels (an inherited OPENBLAS_CORETYPE) is named
# once at start; OpenBLAS as wide as them is not.
if [ "$best" = avx512 ] || [ "$best" = avx2 ]; then
  OPENBLAS_CORETYPE=Nehalem "$MPIEXEC" -n 2 -x OPENBLAS_CORETYPE "$SEQTRAIN" "${TRAIN[@]}" \
    >"$SCRATCH/narrow.out" 2>&1 || fail "OPENBLAS_CORETYPE=Nehalem run failed: $(cat "$SCRATCH/narrow.out")"
  note="^seqtrain: note: OpenBLAS runs its Nehalem \(sse4\) kernels while this CPU runs seqtrain's"
  note+=" $best kernels, because OPENBLAS_CORETYPE=Nehalem is set: unset it for the full GEMM rate$"
  [ "$(grep -cE "$note" "$SCRATCH/narrow.out")" -eq 1 ] \
    || fail "no (or repeated) OpenBLAS note: $(grep -i openblas "$SCRATCH/narrow.out")"
  wide=$([ "$best" = avx512 ] && echo SkylakeX || echo Haswell)
  OPENBLAS_CORETYPE=$wide "$MPIEXEC" -n 2 -x OPENBLAS_CORETYPE "$SEQTRAIN" "${TRAIN[@]}" \
    >"$SCRATCH/wide.out" 2>&1 || fail "OPENBLAS_CORETYPE=$wide run failed: $(cat "$SCRATCH/wide.out")"
  grep -q "^seqtrain: note: OpenBLAS" "$SCRATCH/wide.out" && fail "OPENBLAS_CORETYPE=$wide: a note"
  echo "ok: OpenBLAS kernel class against $best"
fi
for target in "${supported[@]}"; do
  SEQTRAIN_SIMD=$target "$MPIEXEC" -n 2 "$SEQTRAIN" "${TRAIN[@]}" --metrics "$SCRATCH/$target.jsonl" \
    >"$SCRATCH/$target.out" 2>&1 || fail "SEQTRAIN_SIMD=$target failed: $(cat "$SCRATCH/$target.out")"
  grep -q "^seqtrain: SIMD kernels: $target (SEQTRAIN_SIMD=$target; this CPU: " "$SCRATCH/$target.out" \
    || fail "SEQTRAIN_SIMD=$target: start-up line: $(grep 'SIMD' "$SCRATCH/$target.out")"
  grep -q "\"simd_target\":\"$target\"" "$SCRATCH/$target.jsonl" || fail "SEQTRAIN_SIMD=$target: final line"
  echo "ok: SEQTRAIN_SIMD=$target"
done
finish
