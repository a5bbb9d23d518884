#!/usr/bin/env bash
# seqtrain's benchmark, in one command:
#   bench/run.sh [--steps N] [--reps R] [--full] MNIST_DIR
# (a) sgemm rate at the model's GEMM shapes -> roofline samples/s,
# (b) seqtrain for N steps at 1 and 2 ranks (1 OpenBLAS thread each), R times,
#     interleaved so both see the same machine noise,
# (c) median and spread of samples/s, % of roofline, peak RSS per rank, time to
#     first step, and the per-phase breakdown of a step;
# --full adds one 10-epoch run on 2 ranks (wall time and test accuracy).
# The report is printed and saved under bench/results/.
set -euo pipefail
steps=400
reps=5
full=0
while [ $# -gt 1 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --full) full=1; shift ;;
    *) echo "bench/run.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: bench/run.sh [--steps N] [--reps R] [--full] MNIST_DIR" >&2
  exit 2
fi
data=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQTRAIN_BUILD_DIR:-$root/build}
cmake --build "$build" --target seqtrain gemm_roofline -j"$(nproc)" >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$root/bench/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report=$root/bench/results/$stamp.txt
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

field() { grep -o "\"$2\":[-0-9.e+]*" "$1" | head -1 | cut -d: -f2; }
# median and range of the numbers on stdin
stats() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
  printf "%.0f (min %.0f, max %.0f, n %d)", m, v[1], v[NR], NR }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

{
  echo "# seqtrain benchmark $stamp"
  echo "host: $(hostname), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
  echo "command: bench/run.sh --steps $steps --reps $reps$([ $full = 1 ] && echo ' --full') MNIST_DIR"
  echo
  echo "## (a) sgemm roofline (1 thread, the model's GEMM shapes)"
  "$build/bench/gemm_roofline" --rows-per-rank 128 --rows-per-rank 64 | tee "$raw/roofline.jsonl"
  roof1=$(grep '"rows_per_rank":128' "$raw/roofline.jsonl" | grep -o '"roofline_samples_per_sec_per_core":[0-9.]*' | cut -d: -f2)
  roof2=$(grep '"rows_per_rank":64' "$raw/roofline.jsonl" | grep -o '"roofline_samples_per_sec_per_core":[0-9.]*' | cut -d: -f2)
  echo "roofline: 1 rank x batch 128: $roof1 samples/s; 2 ranks x batch 64: $(awk -v r="$roof2" 'BEGIN { printf "%.0f", 2 * r }') samples/s"
  t0=$(date +%s.%N); mpirun -np 2 true; t1=$(date +%s.%N)
  echo "mpirun start+teardown of a no-op (np 2): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
  echo
  echo "## (b) seqtrain, $steps steps, global batch 128, $reps repetitions interleaved"
  for r in $(seq "$reps"); do
    for np in 1 2; do
      out=$raw/np$np.rep$r.jsonl
      mpirun -np "$np" "$build/seqtrain" train --data-dir "$data" --max-steps "$steps" --display-step 1000000 \
        --metrics "$out" >/dev/null
      tail -n 1 "$out" >>"$raw/final.np$np.jsonl"
    done
  done
  echo
  echo "## (c) results"
  for np in 1 2; do
    f=$raw/final.np$np.jsonl
    roof=$([ $np = 1 ] && echo "$roof1" || awk -v r="$roof2" 'BEGIN { print 2 * r }')
    sps=$(grep -o '"samples_per_sec":[0-9.e+]*' "$f" | cut -d: -f2)
    med=$(median <<<"$sps")
    echo "$np rank(s): samples/s $(stats <<<"$sps"); $(awk -v m="$med" -v r="$roof" 'BEGIN { printf "%.0f%%", 100 * m / r }') of the roofline ($roof)"
    echo "  first step after process start, s: $(grep -o '"first_step_seconds":[0-9.e+-]*' "$f" | cut -d: -f2 | median)"
    echo "  peak RSS MiB per rank (max over reps): $(grep -o '"peak_rss_mib":\[[^]]*\]' "$f" | sed 's/.*\[//; s/\]//' | tr ',' '\n' | sort -g | tail -1)"
    echo -n "  ms per step (median over reps):"
    for phase in data forward_gemm backward_gemm gate_math loss allreduce optimizer; do
      v=$(grep -o "\"$phase\":[0-9.e+-]*" "$f" | cut -d: -f2 | median)
      echo -n " $phase $(printf '%.3f' "$v")"
    done
    echo
  done
  if [ $full = 1 ]; then
    echo
    echo "## 10 epochs, 2 ranks (the reference workload, seed 1)"
    start=$(date +%s.%N)
    mpirun -np 2 "$build/seqtrain" train --data-dir "$data" --display-step 1000000 --metrics "$raw/full.jsonl" >/dev/null
    end=$(date +%s.%N)
    echo "wall from launch: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s; test accuracy $(field "$raw/full.jsonl" test_accuracy | tail -1); $(tail -n 1 "$raw/full.jsonl" | grep -o '"samples_per_sec":[0-9.e+]*')"
  fi
  echo
  echo "## raw final lines"
  cat "$raw"/final.np*.jsonl
} | tee "$report"
echo "saved $report" >&2
