# SIGKILL of one rank mid-run: the job ends in seconds, every checkpoint left
# behind is loadable, and --resume auto finishes the run with the parameters
# of an uninterrupted run.
source "$(dirname "$0")/lib.sh"
need_mnist
STEPS=300
run() {  # run CKPT_DIR [flags]
  local dir=$1
  shift
  "$MPIEXEC" -n 2 "$SEQTRAIN" train --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps $STEPS --display-step 50 \
    --checkpoint-dir "$dir" --checkpoint-every 20 --set checkpoint.keep=100 "$@" </dev/null
}

D=$SCRATCH/killed
run "$D" >"$SCRATCH/killed.out" 2>&1 &
launcher=$!
for _ in $(seq 600); do
  [ -f "$(ckpt "$D" 60)" ] && break
  sleep 0.05
done
[ -f "$(ckpt "$D" 60)" ] || fail "no checkpoint at step 60 within 30 s"
# This job's ranks only (children of its mpirun): other jobs may run seqtrain on this machine.
ranks=$(pgrep -x seqtrain -P "$(pgrep -P $launcher | tr '\n' ',' | sed 's/,$//')")
victim=$(echo "$ranks" | tail -1)
[ -n "$victim" ] || fail "no rank of this job found"
kill -9 "$victim"
killed_at=$(date +%s.%N)
timeout 30 tail --pid=$launcher -f /dev/null
wait $launcher
rc=$?
took=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ "$rc" -ne 0 ] || fail "the job exited 0 after a rank was killed"
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "the job took ${took}s to end after the kill"
# The other rank is killed by the launcher; give init a moment to reap it.
alive() { local p; for p in $ranks; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
for _ in $(seq 50); do
  alive || break
  sleep 0.1
done
alive && fail "ranks still running 5 s after the job ended: $(ps -o pid,stat,cmd -p "${ranks//$'\n'/,}")"
echo "ok: job ended ${took}s after SIGKILL of pid $victim (exit $rc)"

n=0
for f in "$D"/lineage-*-step-*.ckpt; do
  "$SEQTRAIN" inspect "$f" >/dev/null 2>&1 || fail "checkpoint $f is not loadable"
  n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "expected at least 3 checkpoints, found $n"
ls -a "$D" | grep -v '^\.\.\?$' | grep -v '^lineage-.*\.ckpt$' | grep -v '^\.lineage-.*\.tmp\.' && fail "unexpected files in $D"

run "$D" --resume auto >"$SCRATCH/resumed.out" 2>&1 || fail "resume failed: $(tail -3 "$SCRATCH/resumed.out")"
grep -q "Resumed from" "$SCRATCH/resumed.out" || fail "did not resume"
run "$SCRATCH/reference" >"$SCRATCH/reference.out" 2>&1 || fail "reference run failed"
"$SEQTRAIN" diff "$(ckpt "$SCRATCH/reference" $STEPS)" "$(ckpt "$D" $STEPS)" >"$SCRATCH/diff.out" \
  || fail "resumed run differs from the uninterrupted one: $(tail -1 "$SCRATCH/diff.out")"
echo "ok: $(tail -1 "$SCRATCH/diff.out")"
finish
