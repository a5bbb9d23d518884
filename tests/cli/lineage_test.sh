# Checkpoint lineages on 2 and 3 ranks: a fresh run into a folder that holds
# another run's checkpoints is refused (and with --new-lineage leaves them
# byte-identical), two lineages share a folder without pruning each other,
# --resume auto refuses to guess between them, --resume-lineage picks one and
# keeps its id across world sizes, an older checkpoint forks, and a folder of
# version-1 (legacy) checkpoints still resumes.
source "$(dirname "$0")/lib.sh"
need_mnist
LEGACY=$(dirname "$0")/../fuzz/corpus/checkpoint/valid_h4.ckpt  # written by format version 1 (hidden 4, step 2)
CK=$SCRATCH/ck
train() {  # train NP [flags]
  local np=$1
  shift
  timeout 120 "$MPIEXEC" -n "$np" "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --hidden-size 32 --batch-size 64 \
    --checkpoint-dir "$CK" "$@" </dev/null
}
sums() { (cd "$CK" && sha256sum $1); }  # sums GLOB: checksums of those files of $CK
unchanged() { (cd "$CK" && sha256sum -c --quiet "$1"); }  # unchanged SUMS_FILE
lineage_of() { "$SEQTRAIN" inspect "$1" | awk '$1 == "lineage:" { print $2 }'; }
only() {  # only NAME GLOB_IN_CK...: the folder holds exactly these checkpoint files
  local name=$1 want got
  shift
  want=$(cd "$CK" && ls "$@" 2>/dev/null | sort | tr '\n' ' ')
  got=$(ls "$CK" | grep '\.ckpt$' | sort | tr '\n' ' ')
  [ "$want" = "$got" ] && [ "$(echo "$want" | wc -w)" -eq $# ] || fail "$name: folder holds '$got', expected $*"
}

# Run A: 40 steps, a checkpoint every 20.
train 2 --max-steps 40 --checkpoint-every 20 >"$SCRATCH/a.out" 2>&1 || fail "run A: $(tail -3 "$SCRATCH/a.out")"
A=$(grep -o 'Starting lineage [0-9a-f]*' "$SCRATCH/a.out" | awk '{ print $3 }')
[ -n "$A" ] || fail "run A: no 'Starting lineage' line"
only "run A" "lineage-$A-step-0000000020.ckpt" "lineage-$A-step-0000000040.ckpt"
[ "$(lineage_of "$CK/lineage-$A-step-0000000040.ckpt")" = "$A" ] || fail "inspect does not show lineage $A"
sums "lineage-$A-*" >"$SCRATCH/a.sums"

# The reproduction of issue 10: a fresh, shorter run into the same folder. Refused, nothing touched.
expect_error fresh_into_used_folder 1 \
  "seqtrain: error: $CK: already holds checkpoints of lineage $A \(2 checkpoints, steps 20-40\); continue with --resume auto, or start a new lineage beside them with --new-lineage" 30 -- \
  train 2 --max-steps 15 --checkpoint-every 5 --set checkpoint.keep=2
unchanged "$SCRATCH/a.sums" || fail "the refused run changed A's files"
only "refused run" "lineage-$A-step-0000000020.ckpt" "lineage-$A-step-0000000040.ckpt"

# With --new-lineage: B saves and prunes its own files; A's stay byte-identical.
train 2 --max-steps 15 --checkpoint-every 5 --set checkpoint.keep=2 --new-lineage >"$SCRATCH/b.out" 2>&1 \
  || fail "run B: $(tail -3 "$SCRATCH/b.out")"
B=$(grep -o 'Starting lineage [0-9a-f]* beside' "$SCRATCH/b.out" | awk '{ print $3 }')
[ -n "$B" ] && [ "$B" != "$A" ] || fail "run B: lineage '$B' (A is $A)"
grep -q "Saved checkpoint $CK/lineage-$B-step-0000000015.ckpt (step 15)" "$SCRATCH/b.out" || fail "run B: its last save"
unchanged "$SCRATCH/a.sums" || fail "run B changed A's files"
only "run B" "lineage-$A-step-0000000020.ckpt" "lineage-$A-step-0000000040.ckpt" \
  "lineage-$B-step-0000000010.ckpt" "lineage-$B-step-0000000015.ckpt"
sums "lineage-$B-*" >"$SCRATCH/b.sums"

# --resume auto does not guess between two lineages.
expect_error auto_two_lineages 1 \
  "seqtrain: error: $CK: --resume auto: 2 lineages here, $A \(2 checkpoints, steps 20-40\), $B \(2 checkpoints, steps 10-15\); choose one with --resume-lineage ID" 30 -- \
  train 2 --max-steps 60 --resume auto
expect_error unknown_lineage 1 "seqtrain: error: $CK: no checkpoint of lineage 0123456789ab \(--resume-lineage\); it holds $A " 30 -- \
  train 2 --max-steps 60 --resume-lineage 0123456789ab
ERROR_LINES=1 expect_error lineage_with_file 2 "seqtrain: error: train: --resume-lineage picks a lineage for --resume auto" 30 -- \
  train 2 --resume "$CK/lineage-$A-step-0000000040.ckpt" --resume-lineage "$A"
expect_error new_lineage_with_resume 2 "seqtrain: error: train: --new-lineage starts fresh: it excludes --resume" 30 -- \
  train 2 --resume auto --new-lineage

# A named lineage continues on another world size, under its own id, pruning only itself.
train 3 --max-steps 60 --checkpoint-every 10 --set checkpoint.keep=2 --resume-lineage "$A" >"$SCRATCH/a2.out" 2>&1 \
  || fail "A on 3 ranks: $(tail -3 "$SCRATCH/a2.out")"
grep -q "Resumed from $CK/lineage-$A-step-0000000040.ckpt (step 40, saved by 2 ranks)" "$SCRATCH/a2.out" || fail "A: resume line"
[ "$(lineage_of "$CK/lineage-$A-step-0000000060.ckpt")" = "$A" ] || fail "A on 3 ranks: lineage not kept"
unchanged "$SCRATCH/b.sums" || fail "continuing A changed B's files"
only "A continued" "lineage-$A-step-0000000050.ckpt" "lineage-$A-step-0000000060.ckpt" \
  "lineage-$B-step-0000000010.ckpt" "lineage-$B-step-0000000015.ckpt"
# And the same through --resume auto once B is gone.
rm "$CK"/lineage-$B-*
train 2 --max-steps 70 --checkpoint-every 10 --set checkpoint.keep=2 --resume auto >"$SCRATCH/a3.out" 2>&1 \
  || fail "A by --resume auto: $(tail -3 "$SCRATCH/a3.out")"
grep -q "Resumed from $CK/lineage-$A-step-0000000060.ckpt (step 60, saved by 3 ranks)" "$SCRATCH/a3.out" || fail "A: auto resume"

# Resuming an older checkpoint of A forks a new lineage: A's newer steps must not win a later --resume auto.
cp "$CK/lineage-$A-step-0000000060.ckpt" "$SCRATCH/old60.ckpt"
sums "lineage-$A-*" >"$SCRATCH/a.sums"
train 2 --max-steps 65 --checkpoint-every 5 --resume "$SCRATCH/old60.ckpt" >"$SCRATCH/fork.out" 2>&1 \
  || fail "fork: $(tail -3 "$SCRATCH/fork.out")"
F=$(grep -o "Forked lineage [0-9a-f]* from $A at step 60 ($CK holds it up to step 70, left as it is)" "$SCRATCH/fork.out" | awk '{ print $3 }')
[ -n "$F" ] && [ -f "$CK/lineage-$F-step-0000000065.ckpt" ] || fail "fork: $(grep -i lineage "$SCRATCH/fork.out")"
unchanged "$SCRATCH/a.sums" || fail "the fork changed A's files"

# A stale temporary file of a crashed save is removed at start; a foreign file with a similar name is not.
touch "$CK/.lineage-$A-step-0000000080.ckpt.tmp.12345" "$CK/.notes.tmp.1"
train 2 --max-steps 80 --checkpoint-every 10 --set checkpoint.keep=2 --resume-lineage "$A" >"$SCRATCH/tmp.out" 2>&1 \
  || fail "stale tmp: $(tail -3 "$SCRATCH/tmp.out")"
grep -q "seqtrain: warning: removed $CK/.lineage-$A-step-0000000080.ckpt.tmp.12345, the unfinished save of a run that ended" \
  "$SCRATCH/tmp.out" || fail "stale tmp: no notice"
[ -e "$CK/.lineage-$A-step-0000000080.ckpt.tmp.12345" ] && fail "stale tmp: still there"
[ -e "$CK/.notes.tmp.1" ] || fail "stale tmp: a foreign file was removed"

# A folder of version-1 checkpoints (old file names) is the "legacy" lineage and resumes as such.
L=$SCRATCH/legacy
mkdir -p "$L"
cp "$LEGACY" "$L/step-0000000002.ckpt"
train_legacy() { CK=$L train "$@"; }
expect_error fresh_into_legacy_folder 1 "seqtrain: error: $L: already holds checkpoints of lineage legacy \(1 checkpoint, step 2\)" 30 -- \
  train_legacy 2 --set model.hidden_size=4 --max-steps 6
train_legacy 2 --set model.hidden_size=4 --max-steps 6 --checkpoint-every 2 --resume auto >"$SCRATCH/legacy.out" 2>&1 \
  || fail "legacy resume: $(tail -3 "$SCRATCH/legacy.out")"
grep -q "Resumed from $L/step-0000000002.ckpt (step 2, saved by 1 ranks)" "$SCRATCH/legacy.out" || fail "legacy: resume line"
"$SEQTRAIN" inspect "$L/step-0000000006.ckpt" >"$SCRATCH/legacy.inspect" || fail "legacy: no step-6 checkpoint"
grep -q '^lineage: *legacy$' "$SCRATCH/legacy.inspect" && grep -q '^format_version: *3 ' "$SCRATCH/legacy.inspect" \
  || fail "legacy: $(head -3 "$SCRATCH/legacy.inspect")"
finish
