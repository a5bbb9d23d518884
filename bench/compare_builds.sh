#!/usr/bin/env bash
# Two seqtrain builds side by side on the same machine noise: R interleaved repetitions of
# `seqtrain train` for N steps on NP ranks with build A, then build B (the order alternates),
# and the medians of samples/s and of each phase's ms per step, with B / A taken per repetition.
#   bench/compare_builds.sh [--steps N] [--reps R] [--np NP] [--isa native|avx2]
#                           [--train-args "FLAGS"] A_BUILD B_BUILD MNIST_DIR
# A_BUILD, B_BUILD: build directories holding seqtrain (e.g. an older commit's and this one's).
# --train-args: more `seqtrain train` flags for both, e.g. "--set model.cell=GRU --hidden-size 512".
set -euo pipefail
steps=300
reps=3
np=2
isa=native
train_args=()
while [ $# -gt 3 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --np) np=$2; shift 2 ;;
    --isa) isa=$2; shift 2 ;;
    --train-args) read -r -a train_args <<<"$2"; shift 2 ;;
    *) echo "bench/compare_builds.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
if [ $# -ne 3 ] || [ ! -x "$1/seqtrain" ] || [ ! -x "$2/seqtrain" ] || [ ! -d "$3" ]; then
  echo "usage: bench/compare_builds.sh [--steps N] [--reps R] [--np NP] [--isa native|avx2]" \
    "[--train-args FLAGS] A_BUILD B_BUILD MNIST_DIR" >&2
  exit 2
fi
case "$isa" in
  native) ;;
  avx2) export SEQTRAIN_SIMD=avx2 OPENBLAS_CORETYPE=Haswell ;;
  *) echo "bench/compare_builds.sh: --isa $isa: expected native or avx2" >&2; exit 2 ;;
esac
a=$(realpath "$1")
b=$(realpath "$2")
data=$(realpath "$3")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
echo "# compare_builds: A=$a B=$b, $np ranks, $steps steps, $reps reps, --isa $isa," \
  "train args '${train_args[*]+${train_args[*]}}';" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
for ((r = 0; r < reps; ++r)); do
  order=(a b)
  [ $((r % 2)) = 1 ] && order=(b a)
  for which in "${order[@]}"; do
    dir=$a
    [ "$which" = b ] && dir=$b
    mpirun -np "$np" "$dir/seqtrain" train --data-dir "$data" --max-steps "$steps" --display-step 1000000 \
      --metrics "$raw/$which.$r.jsonl" ${train_args[@]+"${train_args[@]}"} >/dev/null
  done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
/usr/bin/python3 - "$raw" "$reps" <<'EOF'
import json, os, statistics, sys
raw, reps = sys.argv[1], int(sys.argv[2])
def final(which, r):
    with open(os.path.join(raw, f"{which}.{r}.jsonl")) as f:
        return [json.loads(l) for l in f if '"final"' in l][-1]
runs = {w: [final(w, r) for r in range(reps)] for w in "ab"}
target = {w: runs[w][0].get("simd_target", "?") for w in "ab"}
print("simd target: A %s, B %s" % (target["a"], target["b"]))
rows = [("samples/s", lambda m: m["samples_per_sec"])]
phases = runs["a"][0]["phase_ms_per_step"]
rows += [(p + " ms/step", lambda m, p=p: m["phase_ms_per_step"][p]) for p in phases]
rows.append(("step ms (sum of phases)", lambda m: sum(m["phase_ms_per_step"].values())))
rows.append(("gate_math share of step", lambda m: m["phase_ms_per_step"]["gate_math"] /
             sum(m["phase_ms_per_step"].values())))
print("%-26s %12s %12s %10s" % ("", "A median", "B median", "B/A (med)"))
for name, get in rows:
    va, vb = [get(m) for m in runs["a"]], [get(m) for m in runs["b"]]
    ratio = statistics.median(y / x for x, y in zip(va, vb) if x > 0) if all(va) else float("nan")
    print("%-26s %12.4g %12.4g %10.3f" % (name, statistics.median(va), statistics.median(vb), ratio))
accuracy = {w: [m["test_accuracy"] for m in runs[w]] for w in "ab"}
print("test accuracy: A %s, B %s" % (accuracy["a"], accuracy["b"]))
EOF
