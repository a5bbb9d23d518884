# SIGTERM and Ctrl-C (SIGINT to the launcher's whole process group, as a terminal
# sends it) to launch/local.sh and launch/multinode.sh (on localhost) while steps
# take 3 s (SEQTRAIN_FAULT=slow: longer than Open MPI's 2 s grace): the ranks save
# and the launcher exits 75 with no error line or Open MPI banner; the checkpoint
# loads, and --resume auto finishes bit-identical to an uninterrupted run. A second
# signal ends the job without waiting.
source "$(dirname "$0")/lib.sh"
need_mnist
LAUNCH=$(cd "$(dirname "$0")/../../launch" && pwd)
export SEQTRAIN_BIN=$SEQTRAIN
STEPS=8
printf 'localhost slots=2\n' >"$SCRATCH/hostfile"
FLAGS=(--data-dir "$SEQTRAIN_MNIST_DIR" --hidden-size 32 --batch-size 64 --display-step 1 --max-steps $STEPS)
LAUNCHED=
teardown() { [ -z "$LAUNCHED" ] || kill -KILL -- "-$LAUNCHED" 2>/dev/null; }
guard_test 170 teardown

launcher() {  # launcher local|multinode ARGS...: execs, so run it with & or in ( )
  local kind=$1
  shift
  case $kind in
    local) exec "$LAUNCH/local.sh" -n 2 "$@" ;;
    multinode) exec "$LAUNCH/multinode.sh" --hostfile "$SCRATCH/hostfile" "$@" ;;
  esac
}
wait_exit() {  # wait_exit PID SECONDS: its exit code, or 255 after killing its group at the deadline
  timeout "$2" tail --pid="$1" -f /dev/null || kill -KILL -- "-$1" 2>/dev/null
  wait "$1"
}

"$LAUNCH/local.sh" -n 2 train "${FLAGS[@]}" --checkpoint-dir "$SCRATCH/ref" </dev/null >"$SCRATCH/ref.out" 2>&1 ||
  fail "reference run: $(tail -3 "$SCRATCH/ref.out")"

stop_and_resume() {  # stop_and_resume NAME LAUNCHER SIGNAL GROUP(yes: to the process group, as Ctrl-C)
  local name=$1 kind=$2 signal=$3 group=$4 d=$SCRATCH/$1 out=$SCRATCH/$1.out err=$SCRATCH/$1.err
  set -m  # the launcher in a process group of its own, with SIGINT not ignored, as from a terminal
  SEQTRAIN_FAULT=slow@1-$STEPS launcher "$kind" train "${FLAGS[@]}" --checkpoint-dir "$d" </dev/null >"$out" 2>"$err" &
  local pid=$!
  set +m
  LAUNCHED=$pid
  for _ in $(seq 600); do grep -q '^Step 2,' "$out" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if ! grep -q '^Step 2,' "$out"; then
    fail "$name: no 'Step 2' line: $(tail -3 "$err")"
    kill -KILL -- "-$pid" 2>/dev/null
    return
  fi
  if [ "$group" = yes ]; then kill "-$signal" -- "-$pid"; else kill "-$signal" "$pid"; fi
  wait_exit $pid 40
  local rc=$?
  LAUNCHED=
  local stopped
  stopped=$(grep -oE '^Stopped at step [0-9]+' "$out" | grep -oE '[0-9]+$')
  if [ $rc -ne 75 ]; then
    fail "$name: exit $rc, expected 75: $(tail -5 "$err")"
    return
  elif [ -z "$stopped" ] || [ "$stopped" -lt 2 ] || [ "$stopped" -ge $STEPS ]; then
    fail "$name: stopped at step '$stopped': $(tail -3 "$out")"
    return
  elif grep -q 'seqtrain: error\|^-----' "$err"; then
    fail "$name: error or banner lines: $(cat "$err")"
  elif ! grep -q "^launch/local.sh: SIG$signal: asking the ranks to save a checkpoint and stop" "$err"; then
    fail "$name: the launcher did not say it passed SIG$signal on: $(cat "$err")"
  elif ! "$SEQTRAIN" inspect "$(ckpt "$d" "$stopped")" >/dev/null 2>&1; then
    fail "$name: $(ckpt "$d" "$stopped") does not load"
  fi
  (launcher "$kind" train "${FLAGS[@]}" --checkpoint-dir "$d" --resume auto) </dev/null >"$d.resume.out" 2>&1 ||
    { fail "$name: resume failed: $(tail -3 "$d.resume.out")"; return; }
  grep -q "^Resumed from $(ckpt "$d" "$stopped") (step $stopped" "$d.resume.out" ||
    fail "$name: did not resume from step $stopped: $(grep Resumed "$d.resume.out")"
  if "$SEQTRAIN" diff "$(ckpt "$SCRATCH/ref" $STEPS)" "$(ckpt "$d" $STEPS)" >"$d.diff" 2>&1; then
    echo "ok: $name: SIG$signal -> exit 75 at step $stopped, resumed to step $STEPS bit-identical to the reference"
  else
    fail "$name: the resumed run differs from the uninterrupted one: $(tail -1 "$d.diff")"
  fi
}
stop_and_resume local_term local TERM no
stop_and_resume local_ctrl_c local INT yes
stop_and_resume multinode_term multinode TERM no
stop_and_resume multinode_ctrl_c multinode INT yes

# Open MPI's banners after seqtrain's one-line error are dropped: the error is the whole stderr.
for kind in local multinode; do
  (launcher $kind train --data-dir "$SCRATCH/none" --max-steps 1) </dev/null >"$SCRATCH/banner_$kind.out" 2>"$SCRATCH/banner_$kind.err"
  rc=$?
  if [ $rc -eq 1 ] && [ "$(cat "$SCRATCH/banner_$kind.err")" = "seqtrain: error: data.dir = $SCRATCH/none: no such folder (looked for the training set)" ]; then
    echo "ok: banner_$kind: one line, exit 1"
  else
    fail "banner_$kind: exit $rc, stderr: $(cat "$SCRATCH/banner_$kind.err")"
  fi
done

# A second signal does not wait for the save.
set -m
SEQTRAIN_FAULT=slow@1-$STEPS launcher local train "${FLAGS[@]}" --checkpoint-dir "$SCRATCH/twice" </dev/null \
  >"$SCRATCH/twice.out" 2>"$SCRATCH/twice.err" &
pid=$!
set +m
LAUNCHED=$pid
for _ in $(seq 600); do grep -q '^Step 2,' "$SCRATCH/twice.out" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -TERM $pid
for _ in $(seq 50); do grep -q 'SIGTERM: asking' "$SCRATCH/twice.err" && break; sleep 0.1; done
# Until the launcher has taken it as the second one (one arriving while bash still runs the
# first trap can merge with it).
for _ in $(seq 50); do
  kill -TERM $pid 2>/dev/null || break
  grep -q 'SIGTERM again' "$SCRATCH/twice.err" && break
  sleep 0.1
done
wait_exit $pid 20
rc=$?
LAUNCHED=
if [ $rc -ne 75 ] && [ $rc -ne 0 ] && grep -q 'SIGTERM again: ending the job' "$SCRATCH/twice.err"; then
  echo "ok: twice: the second SIGTERM ended the job (exit $rc)"
else
  fail "twice: exit $rc: $(cat "$SCRATCH/twice.err")"
fi
finish
