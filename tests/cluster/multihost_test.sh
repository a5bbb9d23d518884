# Three "hosts" made of network namespaces joined by a bridge (each with its own
# hostname, Open MPI over TCP only, launched through `ip netns exec`), driven by
# launch/multinode.sh:
#  - a run across them equals a one-host run of the same world size (tolerance 1e-4);
#  - cutting one host's link mid-run ends the job within seconds with nothing left
#    running in any namespace, and --resume auto then finishes the run with the
#    parameters of the uninterrupted multi-host run (bit-identical).
# Usage: bash multihost_test.sh SEQTRAIN MPIEXEC SCRATCH_DIR
source "$(dirname "$0")/../cli/lib.sh"
need_mnist
LAUNCH=$(cd "$(dirname "$0")/../../launch" && pwd)
STEPS=300
HOSTS=(1 2 3)
NET=10.213.0
ID=sqt-$$                 # unique per run: namespaces sqt-PID-h1..3 and sqt-PID-sw
SW=$ID-sw

for c in ip unshare timeout; do
  command -v "$c" >/dev/null || { echo "FAIL: '$c' not found (install iproute2 / util-linux)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the multi-host test creates network namespaces and must run as root" >&2; exit 1; }

kill_in_namespaces() {
  local ns pids
  for ns in "${HOSTS[@]/#/$ID-h}" "$SW"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null
  done
  true
}
remove_namespaces() {
  local ns
  kill_in_namespaces
  for ns in "${HOSTS[@]/#/$ID-h}" "$SW"; do
    ip netns del "$ns" 2>/dev/null
  done
}
guard_test 270 remove_namespaces

# The bridge lives in its own namespace and the veths are created there, so the
# root namespace is never touched.
ip netns add "$SW" && ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up \
  || { echo "FAIL: cannot create network namespaces" >&2; exit 1; }
for i in "${HOSTS[@]}"; do
  ip netns add "$ID-h$i" &&
    ip -n "$SW" link add "veth-h$i" type veth peer name eth0 netns "$ID-h$i" &&
    ip -n "$SW" link set "veth-h$i" master br0 up &&
    ip -n "$ID-h$i" addr add "$NET.$i/24" dev eth0 &&
    ip -n "$ID-h$i" link set eth0 up &&
    ip -n "$ID-h$i" link set lo up ||
    { echo "FAIL: cannot set up host $i" >&2; exit 1; }
done
: >"$SCRATCH/hostfile"
for i in "${HOSTS[@]}"; do echo "$NET.$i slots=1" >>"$SCRATCH/hostfile"; done

# Open MPI's launch agent (instead of ssh): `agent [opts] HOST CMD...` runs CMD in
# HOST's namespace under its own hostname (shared hostnames make Open MPI's session
# folders in the shared /tmp collide).
cat >"$SCRATCH/agent" <<EOF
#!/bin/bash
while [[ "\$1" == -* ]]; do shift; done
host=\$1; shift
echo "\$host" >>$SCRATCH/agent.log
case "\$host" in
$(for i in "${HOSTS[@]}"; do echo "  $NET.$i) n=$i ;;"; done)
  *) echo "agent: unknown host \$host" >&2; exit 255 ;;
esac
exec ip netns exec $ID-h\$n unshare --uts /bin/sh -c "hostname h\$n; \$*"
EOF
chmod +x "$SCRATCH/agent"

export SEQTRAIN_BIN=$SEQTRAIN
# yield_when_idle: busy-polling ranks on 2 shared cores make every TCP message cost a
# scheduler tick; no binding: every namespace "host" would pin its rank to core 0.
export OMPI_MCA_plm_rsh_agent=$SCRATCH/agent OMPI_MCA_mpi_yield_when_idle=1 \
  OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_btl=tcp,self
# multihost CKPT_DIR [flags]: mpirun runs in host 1, like a login node. It execs, so
# call it in the background (&, interruptible) only: its pid is then mpirun's timeout.
multihost() {
  local dir=$1
  shift
  exec timeout 150 ip netns exec "$ID-h1" unshare --uts /bin/sh -c 'hostname h1; exec "$@"' sh \
    "$LAUNCH/multinode.sh" --hostfile "$SCRATCH/hostfile" --net "$NET.0/24" \
    train --data-dir "$SEQTRAIN_MNIST_DIR" --max-steps $STEPS --display-step 50 \
    --checkpoint-dir "$dir" --checkpoint-every 50 --set checkpoint.keep=100 "$@" </dev/null
}
host_pids() { local i; for i in "${HOSTS[@]}"; do ip netns pids "$ID-h$i"; done; }
no_host_processes() { [ -z "$(host_pids)" ]; }
# Whether h2's link is up with carrier on both ends and forwarding, nothing is left running
# in the hosts, and every host opens a TCP connection to every other one. The port (9) has no
# listener: "refused" means the SYN got there and the RST came back, so ARP resolved on both
# ends. UNREACHABLE says what is missing.
link_restored() {
  local from to out
  UNREACHABLE="veth-h2 up with carrier on both ends and its bridge port forwarding"
  [[ $(ip -n "$SW" -br link show veth-h2) == *LOWER_UP* ]] &&
    [[ $(ip -n "$ID-h2" -br link show eth0) == *LOWER_UP* ]] &&
    [[ $(bridge -n "$SW" link show dev veth-h2) == *"state forwarding"* ]] || return 1
  UNREACHABLE="processes of the failed job to end: $(host_pids | paste -sd' ')"
  no_host_processes || return 1
  for from in "${HOSTS[@]}"; do
    for to in "${HOSTS[@]}"; do
      [ "$from" != "$to" ] || continue
      out=$(LC_ALL=C ip netns exec "$ID-h$from" timeout 2 bash -c "exec 3<>/dev/tcp/$NET.$to/9" 2>&1) &&
        continue
      [[ $out == *"Connection refused"* ]] && continue
      out=${out##*: }
      UNREACHABLE="a TCP connection from h$from to h$to ($NET.$to): ${out:-no answer within 2 s}"
      FIRST_UNREACHABLE=${FIRST_UNREACHABLE:-$UNREACHABLE}
      return 1
    done
  done
}
network_state() {
  local i pids
  echo "=== $1 ($(date +%T.%N))"
  ip -n "$SW" -br link
  bridge -n "$SW" link show
  for i in "${HOSTS[@]}"; do
    echo "--- h$i"
    ip -n "$ID-h$i" -br link show eth0
    ip -s -n "$ID-h$i" neigh show dev eth0
    ip netns exec "$ID-h$i" ss -tano | tail -n +2
    pids=$(ip netns pids "$ID-h$i" | paste -sd,)
    [ -z "$pids" ] || ps -o pid,stat,cmd -p "$pids"
  done
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# 1. Across the three hosts, against one host with the same number of ranks.
t=$(now)
interruptible multihost "$SCRATCH/multi" >"$SCRATCH/multi.out" 2>&1 \
  || { fail "multi-host run failed:"; tail -20 "$SCRATCH/multi.out" >&2; finish; }
echo "ok: $STEPS steps on 3 hosts in $(since "$t")s"
[ "$(sort -u "$SCRATCH/agent.log" | tr '\n' ' ')" = "$NET.2 $NET.3 " ] \
  || fail "expected the launch agent to start hosts 2 and 3, got: $(sort -u "$SCRATCH/agent.log" | tr '\n' ' ')"
t=$(now)
interruptible env -u OMPI_MCA_plm_rsh_agent -u OMPI_MCA_btl timeout 120 "$LAUNCH/local.sh" -n 3 train --data-dir "$SEQTRAIN_MNIST_DIR" \
  --max-steps $STEPS --display-step 50 --checkpoint-dir "$SCRATCH/single" </dev/null >"$SCRATCH/single.out" 2>&1 \
  || fail "one-host run failed: $(tail -3 "$SCRATCH/single.out")"
echo "ok: $STEPS steps on 1 host in $(since "$t")s"
"$SEQTRAIN" diff "$(ckpt "$SCRATCH/single" $STEPS)" "$(ckpt "$SCRATCH/multi" $STEPS)" --tolerance 1e-4 \
  >"$SCRATCH/diff_single.out" 2>&1 || fail "3 hosts and 1 host differ: $(tail -2 "$SCRATCH/diff_single.out")"
echo "ok: 3 hosts vs 1 host: $(tail -1 "$SCRATCH/diff_single.out")"

# 2. Cut host 2's link once a checkpoint exists.
D=$SCRATCH/cut
multihost "$D" >"$SCRATCH/cut.out" 2>&1 &
launcher=$!
CHILD=$launcher
wait_for 60 has_ckpt "$D" 100 ||
  { fail "no checkpoint at step 100 within 60 s"; tail -20 "$SCRATCH/cut.out" >&2; finish; }
ip -n "$SW" link set veth-h2 down
cut_at=$(now)
timeout 60 tail --pid=$launcher -f /dev/null
wait $launcher
rc=$?
CHILD=
took=$(since "$cut_at")
[ "$rc" -ne 0 ] || fail "the job exited 0 after host 2 lost its link"
awk -v t="$took" 'BEGIN { exit !(t < 30) }' || fail "the job took ${took}s to fail after the link cut"
grep -q 'Optimization Finished' "$SCRATCH/cut.out" && fail "the job finished despite the cut (too fast?)"
echo "ok: the job failed ${took}s after the link cut (exit $rc): $(grep -m1 -iE 'lost communication|unexpectedly|disconnected' "$SCRATCH/cut.out")"
if wait_for 5 no_host_processes; then
  echo "ok: nothing left running in any host namespace"
else
  fail "processes left in the host namespaces 5 s after the failure:" \
    "$(ps -o pid,cmd -p "$(host_pids | paste -sd,)")"
fi
kill_in_namespaces

# The restored link carries no traffic at once: the killed ranks' orphaned sockets (FIN-WAIT-1)
# kept retransmitting during the cut, so h2's ARP entries for h1/h3 sit in INCOMPLETE with
# their probes spent, and the kernel fails the next connection queued on them with
# EHOSTUNREACH (Open MPI: "unable to complete a TCP connection ... Local host: h2") up to
# ~3 s after `link set up`. Wait until every host reaches every other one.
network_state "before the restore" >"$SCRATCH/network.log"
ip -n "$SW" link set veth-h2 up
t=$(now)
FIRST_UNREACHABLE=
if wait_for 20 link_restored; then
  echo "ok: all hosts reach each other $(since "$t")s after the restore" \
    "${FIRST_UNREACHABLE:+(first try failed: $FIRST_UNREACHABLE)}"
else
  network_state "20 s after the restore" >>"$SCRATCH/network.log"
  fail "20 s after the restore of h2's link, still waiting for $UNREACHABLE; network state:"
  cat "$SCRATCH/network.log" >&2
  finish
fi
interruptible multihost "$D" --resume auto >"$SCRATCH/resumed.out" 2>&1 || fail "resume failed: $(tail -3 "$SCRATCH/resumed.out")"
resumed=$(grep -m1 'Resumed from' "$SCRATCH/resumed.out")
[ -n "$resumed" ] || fail "did not resume"
echo "ok: $resumed"
"$SEQTRAIN" diff "$(ckpt "$SCRATCH/multi" $STEPS)" "$(ckpt "$D" $STEPS)" >"$SCRATCH/diff_resumed.out" 2>&1 \
  || fail "the resumed run differs from the uninterrupted one: $(tail -2 "$SCRATCH/diff_resumed.out")"
echo "ok: resumed vs uninterrupted: $(tail -1 "$SCRATCH/diff_resumed.out")"
finish
