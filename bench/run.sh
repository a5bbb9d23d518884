#!/usr/bin/env bash
# seqtrain's benchmark, in one command:
#   bench/run.sh [--steps N] [--reps R] [--isa native|avx2] [--no-peers] [--sweep] [--full] MNIST_DIR
# (a) sgemm rate at the model's GEMM shapes -> roofline samples/s (and again beside every repetition,
#     for 2 ranks with both cores running it);
# (b) R interleaved repetitions of: seqtrain for N steps at 1 and 2 ranks (1 OpenBLAS thread each),
#     the PyTorch DDP peer (bench/peers/pytorch_ddp.py) at 1x1 and 2x1, and oneDNN's LSTM primitive
#     (bench/peers/onednn_lstm.cc) at the per-rank batches 128 and 64, so all see the same machine noise;
#     then one run each of seqtrain with the in-step GEMM profile (SEQTRAIN_GEMM_PROFILE=1);
# (c) medians, ratios side by side, % of roofline, in-step vs microbenchmark GFLOP/s per GEMM shape,
#     the per-phase breakdown of a step, peak RSS, time to first step;
# --isa native clears inherited ISA switches (SEQTRAIN_SIMD, OPENBLAS_CORETYPE, ...) and names them;
# --isa avx2 forces the AVX2 class everywhere (seqtrain's kernels, OpenBLAS, PyTorch, oneDNN), so an
#     AVX-512 machine also measures AVX2-only nodes;
# --sweep adds hidden 64/128/256/512 x 1, 2 layers x per-rank batch 64, 128 on 2 ranks;
# --no-peers skips PyTorch and oneDNN; --full adds one 10-epoch run on 2 ranks.
# The peers need tools/install_bench_deps.sh, which is run when they are missing.
# The report is printed and saved under bench/results/.
set -euo pipefail
steps=300
reps=3
isa=native
peers=1
sweep=0
full=0
args=("$@")
while [ $# -gt 1 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --isa) isa=$2; shift 2 ;;
    --no-peers) peers=0; shift ;;
    --sweep) sweep=1; shift ;;
    --full) full=1; shift ;;
    *) echo "bench/run.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
usage="usage: bench/run.sh [--steps N] [--reps R] [--isa native|avx2] [--no-peers] [--sweep] [--full]"
usage+=" MNIST_DIR"
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "$usage" >&2
  exit 2
fi
isa_switches=(SEQTRAIN_SIMD OPENBLAS_CORETYPE ATEN_CPU_CAPABILITY ONEDNN_MAX_CPU_ISA)
cleared=
case "$isa" in
  native)
    # An inherited switch would make "native" a capped run (seen: a host exporting
    # OPENBLAS_CORETYPE=Haswell on a Zen 5, which halved every GEMM): clear them and say so.
    for name in "${isa_switches[@]}"; do
      [ -z "${!name+x}" ] || cleared+=" $name=${!name}"
      unset "$name"
    done ;;
  avx2)
    # Each library's own switch; each caps the ISA, so on an AVX2 machine they change nothing.
    export SEQTRAIN_SIMD=avx2 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 ;;
  *) echo "bench/run.sh: --isa $isa: expected native or avx2" >&2; exit 2 ;;
esac
data=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQTRAIN_BUILD_DIR:-$root/build}
python=/usr/bin/python3  # Debian's python3-torch is for this interpreter, not any python3 on PATH
targets=(seqtrain gemm_roofline)
if [ $peers = 1 ]; then
  if ! "$python" -c 'import torch, numpy' 2>/dev/null ||
      ! dpkg-query -W -f='${Status}' libdnnl-dev 2>/dev/null | grep -q "install ok installed"; then
    "$root/tools/install_bench_deps.sh"
  fi
  cmake -S "$root" -B "$build" >/dev/null  # finds oneDNN if it was just installed
  targets+=(onednn_lstm)
fi
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)" >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$root/bench/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=$root/bench/results/$stamp$([ "$isa" = native ] || echo "-$isa").txt
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

# The final evaluation is not timed but costs wall time: runs evaluate on the first 1,000 test images.
mini=$raw/data
mkdir -p "$mini"
ln -s "$data"/train-*-ubyte* "$mini"/
"$python" - "$data" "$mini" <<'EOF'
import gzip, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name, header, item in (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)):
    path = os.path.join(src, name + ".gz")
    raw = gzip.open(path).read() if os.path.exists(path) else open(os.path.join(src, name), "rb").read()
    n = 1000
    out = raw[:4] + n.to_bytes(4, "big") + raw[8:header] + raw[header:header + n * item]
    with gzip.open(os.path.join(dst, name + ".gz"), "wb") as f:
        f.write(out)
EOF

seqtrain() {  # seqtrain NP OUT [flags...]
  local np=$1 out=$2
  shift 2
  mpirun -np "$np" "$build/seqtrain" train --data-dir "$mini" --display-step 1000000 --metrics "$out" "$@" \
    >/dev/null
}
pytorch() {  # pytorch NP OUT STEPS
  (cd "$raw" && torchrun --standalone --nproc_per_node="$1" --redirects 2 --tee 2 \
    "$root/bench/peers/pytorch_ddp.py" --data-dir "$data" --steps "$3" --warmup 20 2>"$raw/torchrun.err") |
    grep -o '{"peer".*' >>"$2" ||
    { echo "bench/run.sh: the PyTorch peer failed:" >&2; tail -5 "$raw/torchrun.err" >&2; exit 1; }
}
roofline_json() { "$build/bench/gemm_roofline" "$@"; }

{
  echo "# seqtrain benchmark $stamp"
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  echo "host: $(hostname), $(getconf _NPROCESSORS_ONLN) cores, $cpu;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
  echo "command: bench/run.sh ${args[*]}"
  has() { grep -q "$1" /proc/cpuinfo && echo yes || echo no; }
  echo "isa: --isa $isa; CPU has AVX-512: $(has avx512f); AVX2: $(has avx2)"
  echo "env: SEQTRAIN_SIMD=${SEQTRAIN_SIMD:-} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}" \
    "ATEN_CPU_CAPABILITY=${ATEN_CPU_CAPABILITY:-} ONEDNN_MAX_CPU_ISA=${ONEDNN_MAX_CPU_ISA:-}"
  [ -z "$cleared" ] || echo "env: cleared for --isa native (inherited):$cleared"
  echo
  echo "## (a) sgemm roofline (1 thread, the model's GEMM shapes)"
  roofline_json --rows-per-rank 128 --rows-per-rank 64 | tee "$raw/roofline.jsonl" | cut -c1-240
  t0=$(date +%s.%N); mpirun -np 2 true; t1=$(date +%s.%N)
  echo "mpirun start+teardown of a no-op (np 2): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
  echo
  peer_note=$([ $peers = 0 ] ||
    echo ", PyTorch DDP $((steps / 2)) timed steps (1x1, 2x1), oneDNN (batch 128, 64; 64 also on both cores at once)")
  echo "## (b) $reps repetitions interleaved: seqtrain $steps steps (1 and 2 ranks)$peer_note"
  for r in $(seq "$reps"); do
    # The roofline beside each repetition, under the same noise; for 2 ranks on both cores at once
    # (one core alone clocks higher than two busy ones).
    roofline_json --rows-per-rank 128 >>"$raw/roofline.np1.jsonl"
    mpirun -np 2 "$build/bench/gemm_roofline" --rows-per-rank 64 >>"$raw/roofline.np2.jsonl"
    for np in 1 2; do
      seqtrain "$np" "$raw/last.json" --max-steps "$steps"
      tail -n 1 "$raw/last.json" >>"$raw/seqtrain.np$np.jsonl"
    done
    if [ $peers = 1 ]; then
      for np in 1 2; do pytorch "$np" "$raw/pytorch.np$np.jsonl" $((steps / 2)); done
      for b in 128 64; do "$build/bench/onednn_lstm" --batch "$b" --seconds 3 >>"$raw/onednn.b$b.jsonl"; done
      # And on both cores at once, as seqtrain's 2 ranks and the roofline beside them run.
      mpirun -np 2 "$build/bench/onednn_lstm" --batch 64 --seconds 3 >>"$raw/onednn.b64.np2.jsonl"
    fi
    echo "rep $r done"
  done
  for np in 1 2; do
    SEQTRAIN_GEMM_PROFILE=1 seqtrain "$np" "$raw/last.json" --max-steps "$steps"
    tail -n 1 "$raw/last.json" >"$raw/profile.np$np.jsonl"
  done
  if [ $sweep = 1 ]; then
    echo
    echo "## sweep: 2 ranks, hidden x layers x per-rank batch, one run each"
    for hidden in 64 128 256 512; do
      for layers in 1 2; do
        roofline_json --hidden "$hidden" --layers "$layers" --rows-per-rank 64 --rows-per-rank 128 \
          >"$raw/roof.json"
        for b in 64 128; do
          roof=$(grep "\"rows_per_rank\":$b," "$raw/roof.json")
          # About 3 s of training at the roofline rate, within 10..steps.
          n=$("$python" -c "import json,sys; r=json.loads(sys.argv[1]); \
print(max(10, min($steps, int(3 * 2 * r['roofline_samples_per_sec_per_core'] / (2 * $b)))))" "$roof")
          SEQTRAIN_GEMM_PROFILE=1 seqtrain 2 "$raw/last.json" --max-steps "$n" --hidden-size "$hidden" \
            --set model.num_layers="$layers" --batch-size $((2 * b))
          echo "{\"hidden\":$hidden,\"layers\":$layers,\"rows_per_rank\":$b,\"steps\":$n," \
            "\"roofline\":$roof,\"final\":$(tail -n 1 "$raw/last.json")}" >>"$raw/sweep.jsonl"
          echo "hidden $hidden, $layers layer(s), batch $b per rank: done"
        done
      done
    done
  fi
  echo
  echo "## (c) results"
  "$python" "$root/bench/report.py" "$raw"
  if [ $full = 1 ]; then
    echo
    echo "## 10 epochs, 2 ranks (the reference workload, seed 1)"
    start=$(date +%s.%N)
    mpirun -np 2 "$build/seqtrain" train --data-dir "$data" --display-step 1000000 --metrics "$raw/full.jsonl" >/dev/null
    end=$(date +%s.%N)
    echo "wall from launch: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s; $(tail -n 1 "$raw/full.jsonl" | grep -o '"test_accuracy":[0-9.]*'); $(tail -n 1 "$raw/full.jsonl" | grep -o '"samples_per_sec":[0-9.e+]*')"
  fi
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "## raw lines"
  for f in "$raw"/*.jsonl; do echo "# $(basename "$f")"; cat "$f"; done
} | tee "$report"
echo "saved $report" >&2
