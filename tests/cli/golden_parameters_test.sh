# Numbers do not change by accident: 20 steps of the reference config on 2 ranks give
# parameters bit-identical to a checkpoint saved by an earlier build (tests/data/golden/),
# and that checkpoint, in the format of its day, still resumes: 20 saved + 5 resumed steps
# equal 25 steps in one run. The AVX2 kernels and OpenBLAS's Haswell GEMMs make the bits the
# same on every x86-64 node with AVX2. A deliberate change of the numerics (a new kernel)
# replaces the fixture in the same commit and says so there.
source "$(dirname "$0")/lib.sh"
need_mnist
if ! grep -qw avx2 /proc/cpuinfo; then
  echo "skipped: this CPU has no AVX2, the fixture's kernels"
  exit 0
fi
export SEQTRAIN_SIMD=avx2 OPENBLAS_CORETYPE=Haswell
GOLDEN=$(dirname "$0")/../data/golden/mnist_2rank_20step_avx2.ckpt
CONFIG=$(dirname "$0")/../../configs/mnist_lstm.txtpb

run() {  # run NAME STEPS [extra flags...]
  local name=$1 steps=$2
  shift 2
  timeout 120 "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" \
    --max-steps "$steps" --checkpoint-dir "$SCRATCH/$name" --set logging.metrics_path= "$@" \
    >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" </dev/null \
    || fail "$name: training exited $?: $(tail -n 3 "$SCRATCH/$name.err")"
}

run fresh20 20
"$SEQTRAIN" diff "$GOLDEN" "$SCRATCH"/fresh20/*step-0000000020.ckpt >"$SCRATCH/diff20.txt" 2>&1 \
  || fail "20 steps differ from the fixture: $(tail -n 1 "$SCRATCH/diff20.txt")"

mkdir -p "$SCRATCH/resumed"
run resumed 25 --resume "$GOLDEN"
run fresh25 25
"$SEQTRAIN" diff "$SCRATCH"/fresh25/*step-0000000025.ckpt "$SCRATCH"/resumed/*step-0000000025.ckpt \
  >"$SCRATCH/diff25.txt" 2>&1 || fail "resumed from the fixture != one run: $(tail -n 1 "$SCRATCH/diff25.txt")"
finish
