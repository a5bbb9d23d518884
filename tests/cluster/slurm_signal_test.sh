# SIGTERM to launch/slurm_train.sbatch (scancel -b -s TERM: the batch shell only, as
# a user's kill) while steps take 3 s (SEQTRAIN_FAULT=slow, longer than a launcher's
# grace): the script passes it to the ranks as the stop signal, they save and the job
# ends with exit 75, not requeued; the checkpoint loads, and a resubmitted job resumes
# and finishes bit-identical to an uninterrupted run. Nothing of the job is left.
# Usage: bash slurm_signal_test.sh SEQTRAIN MPIEXEC SCRATCH_DIR
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"
need_mnist
SBATCH_SCRIPT=$(cd "$(dirname "$0")/../../launch" && pwd)/slurm_train.sbatch
CK=$SCRATCH/ck
OUT=$SCRATCH/job.out
STEPS=8
FLAGS=(--data-dir "$SEQTRAIN_MNIST_DIR" --hidden-size 32 --batch-size 64 --display-step 1 --max-steps $STEPS)
guard_test 200 slurm_down

job_state() { scontrol show job "$JOB" 2>/dev/null | grep -q "JobState=$1 "; }

interruptible "$MPIEXEC" -n 2 "$SEQTRAIN" train "${FLAGS[@]}" --checkpoint-dir "$SCRATCH/reference" \
  >"$SCRATCH/reference.out" 2>&1 </dev/null || fail "reference run failed: $(tail -3 "$SCRATCH/reference.out")"
slurm_up "$SCRATCH/slurm" || exit 1

JOB=$(SEQTRAIN_FAULT=slow@1-$STEPS SEQTRAIN_BIN=$SEQTRAIN sbatch --parsable --chdir="$SCRATCH" --output="$OUT" \
  --ntasks=2 --time=5 "$SBATCH_SCRIPT" "${FLAGS[@]}" --checkpoint-dir "$CK") || abort "sbatch failed"
job_wait 60 "the job training (Step 2)" in_log '^Step 2,'
scancel -b -s TERM "$JOB" || abort "scancel -b -s TERM failed"
job_wait 40 "the job to end" job_state FAILED
info=$(scontrol show job "$JOB")
in_log 'restart 0: got SIGTERM: asking the ranks to checkpoint and stop' || fail "the script did not see SIGTERM"
in_log 'restart 0: stopped on SIGTERM with exit 75; not requeueing' || fail "no 'not requeueing' line"
grep -q 'ExitCode=75:0' <<<"$info" || fail "expected ExitCode=75:0: $(grep -o 'ExitCode=[0-9:]*' <<<"$info")"
grep -q 'Restarts=0 ' <<<"$info" || fail "requeued: $(grep -o 'Restarts=[0-9]*' <<<"$info")"
stopped=$(grep -oE '^Stopped at step [0-9]+' "$OUT" | grep -oE '[0-9]+$')
[ -n "$stopped" ] && [ "$stopped" -lt $STEPS ] || abort "no stop before step $STEPS: $(grep -E 'Stopped|Step' "$OUT" | tail -2)"
"$SEQTRAIN" inspect "$(ckpt "$CK" "$stopped")" >/dev/null 2>&1 || fail "$(ckpt "$CK" "$stopped") does not load"
echo "ok: SIGTERM to the batch script: the job stopped at step $stopped with exit 75, not requeued"

FIRST=$JOB
JOB=$(SEQTRAIN_BIN=$SEQTRAIN sbatch --parsable --chdir="$SCRATCH" --output="$OUT" --ntasks=2 --time=5 \
  "$SBATCH_SCRIPT" "${FLAGS[@]}" --checkpoint-dir "$CK") || abort "second sbatch failed"
job_wait 90 "the resubmitted job to complete" job_state COMPLETED
in_log "^Resumed from $(ckpt "$CK" "$stopped") \\(step $stopped, saved by 2 ranks\\)" || fail "did not resume from step $stopped"
"$SEQTRAIN" diff "$(ckpt "$SCRATCH/reference" $STEPS)" "$(ckpt "$CK" $STEPS)" >"$SCRATCH/diff.out" 2>&1 ||
  fail "the resumed job differs from the uninterrupted run: $(tail -1 "$SCRATCH/diff.out")"
echo "ok: job $JOB resumed job $FIRST from step $stopped: $(tail -1 "$SCRATCH/diff.out")"
for _ in $(seq 50); do
  left=$(unset SLURM_CONF; slurm_leftovers)
  [ -z "$left" ] && break
  sleep 0.1
done
[ -z "$left" ] || fail "processes of the jobs still running: $(ps -o pid,cmd -p "${left//$'\n'/,}")"
finish
