# Shared by the install and package tests: a short run of an installed seqtrain and the
# provenance it must leave. Sourced after tests/cli/lib.sh.

# check_installed_run BIN_DIR CONFIG_DIR NAME: BIN_DIR/seqtrain-local trains 20 steps on 2 ranks
# with CONFIG_DIR/quick.txtpb, from a folder of its own and with SEQTRAIN_BIN and PATH pointing
# at a decoy that fails (the launcher must take the seqtrain beside it); then the start line,
# the checkpoint (read back by `inspect`) and the final metrics line carry the fields that
# `seqtrain version` prints.
check_installed_run() {
  local bin=$1 configs=$2 name=$3 run=$SCRATCH/$3
  mkdir -p "$run/decoy"
  printf '#!/bin/sh\necho "decoy seqtrain ran" >&2\nexit 99\n' >"$run/decoy/seqtrain"
  chmod +x "$run/decoy/seqtrain"
  [ -f "$configs/quick.txtpb" ] || { fail "$name: no $configs/quick.txtpb"; return; }
  (cd "$run" && PATH=$run/decoy:$PATH SEQTRAIN_BIN=$run/decoy/seqtrain timeout 170 \
    "$bin/seqtrain-local" -n 2 train --config "$configs/quick.txtpb" --data-dir "$SEQTRAIN_MNIST_DIR" \
    --max-steps 20 --checkpoint-dir ck --metrics metrics.jsonl >out.txt 2>err.txt)
  local rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name: the installed launcher exited $rc: $(tr '\n' ' ' <"$run/err.txt")"
    return
  fi
  "$bin/seqtrain" version >"$run/version.txt" || fail "$name: seqtrain version exited $?"
  local version describe
  version=$(sed -n 's/^seqtrain \([^ ]*\) (git \(.*\))$/\1/p' "$run/version.txt")
  describe=$(sed -n 's/^seqtrain \([^ ]*\) (git \(.*\))$/\2/p' "$run/version.txt")
  [ -n "$version" ] && [ -n "$describe" ] || fail "$name: version's first line: $(head -n 1 "$run/version.txt")"
  for field in build simd openblas mpi protobuf highway; do
    grep -q "^$field: " "$run/version.txt" || fail "$name: seqtrain version has no '$field:' line"
  done
  grep -q "^seqtrain: build: seqtrain $version (git $describe), " "$run/out.txt" \
    || fail "$name: no build line at the start of the run"
  grep -q "^Optimization Finished! .*(20 steps, 2 ranks" "$run/out.txt" || fail "$name: no 20-step final line"
  # The checkpoint's build section is what `seqtrain version` says here (same binary, same CPU).
  local checkpoint
  checkpoint=$(ls "$run"/ck/lineage-*-step-0000000020.ckpt 2>/dev/null | head -n 1)
  if [ -z "$checkpoint" ]; then
    fail "$name: no checkpoint of step 20 in $run/ck"
  else
    "$bin/seqtrain" inspect "$checkpoint" | sed -n '/^# build$/,$p' | tail -n +2 >"$run/inspect_build.txt"
    cmp -s "$run/inspect_build.txt" "$run/version.txt" \
      || fail "$name: inspect's build section differs from seqtrain version: $(diff "$run/inspect_build.txt" \
        "$run/version.txt" | tr '\n' ' ')"
  fi
  local final
  final=$(tail -n 1 "$run/metrics.jsonl")
  grep -q ",\"build\":{\"version\":\"$version\",\"git_describe\":\"$describe\",\"build_type\":" <<<"$final" \
    || fail "$name: the final metrics line has no build of $version ($describe): $final"
  grep -Eq '"simd_target":"([a-z0-9]+)".*"simd_chosen":"\1"' <<<"$final" \
    || fail "$name: build.simd_chosen differs from simd_target: $final"
  echo "ok: $name: 20 steps on 2 ranks from $bin, seqtrain $version ($describe) in the checkpoint and metrics"
}
