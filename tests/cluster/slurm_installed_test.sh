# The installed batch script on a real one-node Slurm cluster: `sbatch PREFIX/bin/seqtrain-slurm`
# from a moved install prefix. Slurm runs a spooled copy of the script, which must still find
# the seqtrain installed beside the submitted one (through the job's Command), not the decoys
# that SEQTRAIN_BIN and PATH name, and train 20 steps on 2 ranks with the installed config.
# Usage: bash slurm_installed_test.sh SEQTRAIN MPIEXEC SCRATCH_DIR
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"
need_mnist
BUILD=$(dirname "$SEQTRAIN")
OUT=$SCRATCH/job.out
cmake --install "$BUILD" --prefix "$SCRATCH/first" >"$SCRATCH/install.log" 2>&1 \
  || { fail "cmake --install: $(tail -n 3 "$SCRATCH/install.log")"; finish; }
mv "$SCRATCH/first" "$SCRATCH/prefix"
P=$SCRATCH/prefix
mkdir -p "$SCRATCH/decoy"
printf '#!/bin/sh\necho "decoy seqtrain ran"\nexit 99\n' >"$SCRATCH/decoy/seqtrain"
chmod +x "$SCRATCH/decoy/seqtrain"

guard_test 170 slurm_down
job_done() { scontrol show job "$JOB" 2>/dev/null | grep -Eq "JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT) "; }
slurm_up "$SCRATCH/slurm" || exit 1
JOB=$(PATH=$SCRATCH/decoy:$PATH SEQTRAIN_BIN=$SCRATCH/decoy/seqtrain sbatch --parsable --chdir="$SCRATCH" \
  --output="$OUT" --ntasks=2 --time=3 "$P/bin/seqtrain-slurm" --config "$P/share/seqtrain/configs/quick.txtpb" \
  --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps 20 --checkpoint-dir "$SCRATCH/ck") || abort "sbatch failed"
job_wait 120 "the job to end" job_done
in_log "starting: srun .* $P/bin/seqtrain train " || abort "the job did not run $P/bin/seqtrain"
in_log 'finished with exit 0' || abort "the job did not finish with exit 0"
in_log '^Optimization Finished! .*\(20 steps, 2 ranks' || abort "no 20-step final line"
in_log "^seqtrain: build: seqtrain " || fail "no build line at the start of the run"
in_log 'decoy' && fail "a decoy ran: $(grep decoy "$OUT")"
echo "ok: job $JOB ran $P/bin/seqtrain from the spooled copy of $P/bin/seqtrain-slurm"
finish
