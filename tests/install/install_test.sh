# cmake --install into a fresh prefix, then the prefix moved: the installed launchers find the
# installed binary (beside them first, then SEQTRAIN_BIN, then PATH) and train on 2 ranks with
# the installed configs; nothing installed names the build or source folder; the modulefile
# and `man seqtrain` work from the moved prefix.
# bash install_test.sh SEQTRAIN MPIEXEC SCRATCH BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/install_lib.sh"
BUILD=$4
SOURCE=$5
need_mnist

cmake --install "$BUILD" --prefix "$SCRATCH/first" >"$SCRATCH/install.log" 2>&1 \
  || { fail "cmake --install: $(tail -n 3 "$SCRATCH/install.log")"; finish; }
mv "$SCRATCH/first" "$SCRATCH/moved"
P=$SCRATCH/moved
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
for file in bin/seqtrain bin/seqtrain-local bin/seqtrain-multinode bin/seqtrain-slurm \
  share/seqtrain/configs/quick.txtpb share/seqtrain/configs/mnist_lstm.txtpb \
  share/seqtrain/launch/hostfile.example \
  share/man/man1/seqtrain.1 share/doc/seqtrain/README.md share/doc/seqtrain/docs/launching.md \
  "share/modulefiles/seqtrain/$version"; do
  [ -e "$P/$file" ] || fail "not installed: $file"
done
for exe in seqtrain seqtrain-local seqtrain-multinode seqtrain-slurm; do
  [ -x "$P/bin/$exe" ] || fail "bin/$exe is not executable"
done
# Relocatable: no file may point back at the build or the source tree.
for tree in "$BUILD" "$SOURCE" "$SCRATCH/first"; do
  leaks=$(grep -rlF "$(realpath "$tree" 2>/dev/null || echo "$tree")" "$P")
  [ -z "$leaks" ] || fail "installed files name $tree: $leaks"
done

check_installed_run "$P/bin" "$P/share/seqtrain/configs" moved_prefix
# A checkpoint from before builds were recorded says so.
old_checkpoint=$SOURCE/tests/data/golden/mnist_2rank_20step_avx2_format2.ckpt
"$P/bin/seqtrain" inspect "$old_checkpoint" | tail -n 2 >"$SCRATCH/old.txt"
[ "$(cat "$SCRATCH/old.txt")" = "# build
not recorded (saved by an earlier build)" ] || fail "inspect of an old checkpoint: $(cat "$SCRATCH/old.txt")"

# The lookup order, with stand-in binaries that say who they are.
L=$SCRATCH/lookup
mkdir -p "$L/alone" "$L/env" "$L/path"
for who in env path; do
  printf '#!/bin/sh\necho "%s binary: $*"\n' "$who" >"$L/$who/seqtrain"
  chmod +x "$L/$who/seqtrain"
done
cp "$P/bin/seqtrain-local" "$L/alone/"
run_alone() { env -u SEQTRAIN_BIN PATH="$1" "${@:2}" "$L/alone/seqtrain-local" -n 1 version 2>&1; }
out=$(run_alone "$L/path:$PATH" SEQTRAIN_BIN="$L/env/seqtrain")
[ "$out" = "env binary: version" ] || fail "without a binary beside it, SEQTRAIN_BIN must win over PATH: $out"
out=$(run_alone "$L/path:$PATH")
[ "$out" = "path binary: version" ] || fail "without SEQTRAIN_BIN, seqtrain on PATH: $out"
out=$(run_alone "$(dirname "$(command -v mpirun)"):/usr/bin:/bin")
rc=$?
[[ $rc -eq 2 && "$out" == "seqtrain-local: no seqtrain executable"* ]] \
  || fail "no binary anywhere: expected exit 2 and one line, got $rc: $out"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "no binary anywhere: more than one line: $out"
out=$(run_alone "$L/path:$PATH" SEQTRAIN_BIN="$L/env/missing")
[[ "$out" == "seqtrain-local: no seqtrain executable ($L/env/missing);"* ]] \
  || fail "SEQTRAIN_BIN naming no file must be an error naming it: $out"

# seqtrain-multinode runs the seqtrain-local beside it, which finds the installed binary.
printf 'localhost slots=2\n' >"$SCRATCH/hostfile"
out=$(env -u SEQTRAIN_BIN SEQTRAIN_BIN="$L/env/seqtrain" timeout 60 "$P/bin/seqtrain-multinode" \
  --hostfile "$SCRATCH/hostfile" version 2>&1)
[ "$out" = "$("$P/bin/seqtrain" version)" ] || fail "seqtrain-multinode version: $out"

# seqtrain-slurm: Slurm runs a spooled copy; the job's Command names the installed script.
S=$SCRATCH/slurm
mkdir -p "$S/spool" "$S/tools"
cp "$P/bin/seqtrain-slurm" "$S/spool/slurm_script"
printf '#!/bin/sh\necho "   Command=%s --data-dir x"\n' "$P/bin/seqtrain-slurm" >"$S/tools/scontrol"
printf '#!/bin/sh\necho "launched: $*"\n' >"$S/tools/mpirun"
chmod +x "$S/tools/scontrol" "$S/tools/mpirun"
out=$(cd "$S" && PATH=$S/tools:$PATH SLURM_JOB_ID=1 SEQTRAIN_LAUNCHER=mpirun SEQTRAIN_BIN="$L/env/seqtrain" \
  bash "$S/spool/slurm_script" --checkpoint-dir ck 2>&1)
grep -q "launched: .* $P/bin/seqtrain train --checkpoint-dir ck --resume auto$" <<<"$out" \
  || fail "seqtrain-slurm must run the seqtrain beside the submitted script: $out"

# The modulefile finds the moved prefix; man finds the page.
if ! [ -f /usr/share/modules/init/bash ]; then
  fail "environment-modules is not installed (tools/install_deps.sh)"
else
  out=$(bash -c 'source /usr/share/modules/init/bash && module use "$1/share/modulefiles" &&
    module load seqtrain && command -v seqtrain && echo "$SEQTRAIN_CONFIGS" && man -w seqtrain' _ "$P" 2>&1)
  [ "$out" = "$P/bin/seqtrain
$P/share/seqtrain/configs
$P/share/man/man1/seqtrain.1" ] || fail "module load seqtrain: $out"
fi
MANPATH=$P/share/man MANWIDTH=100 LC_ALL=C man seqtrain 2>&1 | grep -q "^ *seqtrain train \[options\]" \
  || fail "man seqtrain from the moved prefix shows no train options"
finish
