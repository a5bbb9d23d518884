# launch/slurm_train.sbatch on a real one-node Slurm cluster started for this test:
# the job is stopped twice, first by an instant `scancel -b -s USR1`, then by the
# time-limit warning (--time=1 --signal=B:USR1@55); each time the ranks checkpoint
# and exit 75, the script requeues the job, and the next start resumes with
# --resume auto. The final parameters must be bit-identical to an uninterrupted
# run on the same number of ranks, and no daemon or rank may be left behind.
# Usage: bash slurm_requeue_test.sh SEQTRAIN MPIEXEC SCRATCH_DIR
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"
need_mnist
SBATCH_SCRIPT=$(cd "$(dirname "$0")/../../launch" && pwd)/slurm_train.sbatch
CK=$SCRATCH/ck
OUT=$SCRATCH/job.out
CONFIG=$SCRATCH/run.txtpb
# The run length is unknown until the time-limit warning has come (at most ~35 s
# after a start, slurmctld checks time limits every 30 s, and the speed of the
# machine varies), so the job runs from a config file whose max_steps is first
# effectively unbounded and is set to "that stop + EXTRA" while the job waits to
# be requeued. Only the end of the loop depends on max_steps.
EXTRA=150
write_config() {  # write_config MAX_STEPS
  cat >"$CONFIG.tmp" <<EOF
schedule { max_steps: $1 display_step: 50 }
checkpoint { dir: "$CK" every_steps: 500 }
EOF
  mv "$CONFIG.tmp" "$CONFIG"
}
write_config 1000000

guard_test 270 slurm_down


job_completed() { scontrol show job "$JOB" 2>/dev/null | grep -q "JobState=COMPLETED "; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now)
slurm_up "$SCRATCH/slurm" || exit 1
echo "ok: cluster up in $(since "$t0")s"

# Restart 0: stopped by an instant signal to the batch shell once it is training.
JOB=$(SEQTRAIN_BIN=$SEQTRAIN sbatch --parsable --chdir="$SCRATCH" --output="$OUT" \
  --ntasks=2 --time=1 --signal=B:USR1@55 "$SBATCH_SCRIPT" --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR") \
  || abort "sbatch failed"
echo "submitted job $JOB"
job_wait 60 "restart 0 training (Step 50)" in_log '^Step 50,'
scancel -b -s USR1 "$JOB" || abort "scancel -b -s USR1 failed"
job_wait 30 "restart 0 to stop on the signal" in_log 'restart 0: stopped with exit 75; requeueing'
in_log 'restart 0: got SIGUSR1' || abort "the batch script did not see the USR1 from scancel -b"
s0=$(grep -m1 -oE 'Stopped at step [0-9]+' "$OUT" | grep -oE '[0-9]+$')
echo "ok: restart 0 stopped at step $s0 on scancel -b -s USR1"

# Restart 1: nobody signals it but Slurm's time-limit warning.
job_wait 60 "restart 1 to resume" in_log "Resumed from $CK/lineage-[0-9a-f]{12}-step-$(printf %010d "$s0").ckpt \\(step $s0, saved by 2 ranks\\)"
t1=$(now)
echo "ok: requeued and resumed from step $s0"
job_wait 60 "the time-limit warning in restart 1" in_log 'restart 1: got SIGUSR1'
echo "ok: --signal=B:USR1@55 arrived $(since "$t1")s after the resume"
job_wait 30 "restart 1 to stop" in_log 'restart 1: stopped with exit 75; requeueing'
s1=$(grep -oE 'Stopped at step [0-9]+' "$OUT" | sed -n 2p | grep -oE '[0-9]+$')
[ -n "$s1" ] && [ "$s1" -gt "$s0" ] || abort "restart 1 stopped at step '${s1}'"
STEPS=$((s1 + EXTRA))
write_config "$STEPS"  # the requeued job cannot start before cred_expire+1 = 6 s
echo "ok: restart 1 stopped at step $s1 on the time-limit warning; the run now ends at step $STEPS"

# Restart 2: resumes again and finishes.
job_wait 60 "restart 2 to resume" in_log "Resumed from $CK/lineage-[0-9a-f]{12}-step-$(printf %010d "$s1").ckpt \\(step $s1, saved by 2 ranks\\)"
job_wait 30 "restart 2 to train steps $s1 -> $STEPS" in_log "steps $s1 -> $STEPS "
job_wait 120 "the job to complete" job_completed
in_log 'restart 2: finished with exit 0' || abort "restart 2 did not finish with exit 0"
in_log '^Optimization Finished!' || abort "no 'Optimization Finished!' line"
info=$(scontrol show job "$JOB")
grep -q 'Restarts=2 ' <<<"$info" || fail "expected Restarts=2: $(grep -o 'Restarts=[0-9]*' <<<"$info")"
grep -q 'ExitCode=0:0' <<<"$info" || fail "expected ExitCode=0:0: $(grep -o 'ExitCode=[0-9:]*' <<<"$info")"
[ "$(grep -c 'Stopped at step' "$OUT")" -eq 2 ] || fail "expected exactly 2 stops: $(grep 'Stopped at' "$OUT")"
echo "ok: job $JOB completed after 2 requeues, $(since "$t0")s since the cluster started"
for _ in $(seq 50); do
  left=$(unset SLURM_CONF; slurm_leftovers)
  [ -z "$left" ] && break
  sleep 0.1
done
[ -z "$left" ] || fail "processes of the job still running 5 s after it completed: $(ps -o pid,cmd -p "${left//$'\n'/,}")"

final=$(echo "$CK"/lineage-*-step-"$(printf %010d "$STEPS")".ckpt)
[ -f "$final" ] || abort "no final checkpoint $final"
slurm_down
t2=$(now)
interruptible "$MPIEXEC" -n 2 "$SEQTRAIN" train --config "$CONFIG" --data-dir "$SEQTRAIN_MNIST_DIR" --checkpoint-dir "$SCRATCH/reference" \
  >"$SCRATCH/reference.out" 2>&1 </dev/null || fail "reference run failed: $(tail -3 "$SCRATCH/reference.out")"
echo "ok: uninterrupted reference run took $(since "$t2")s"
"$SEQTRAIN" diff "$SCRATCH"/reference/lineage-*-step-"$(printf %010d "$STEPS")".ckpt "$final" >"$SCRATCH/diff.out" 2>&1 \
  || fail "the requeued run differs from the uninterrupted one: $(tail -2 "$SCRATCH/diff.out")"
echo "ok: $(tail -1 "$SCRATCH/diff.out")"
echo "total $(since "$t0")s"
finish
