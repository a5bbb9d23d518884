# One-node Slurm cluster (munged + slurmctld + slurmd) under a private folder, for tests.
#   slurm_up DIR     starts it and exports SLURM_CONF; fails with a message if it cannot
#   slurm_down       stops every daemon slurm_up started (safe to call twice, from a trap)
# Nothing is written outside DIR. The daemons are started as root with -D and
# tracked by PID; no systemd or init scripts are involved.

SLURM_DIR=
SLURM_PIDS=()

slurm_need() {
  local missing=()
  for c in munged slurmctld slurmd sbatch scontrol squeue sinfo scancel srun ss; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "FAIL: missing commands: ${missing[*]} (install with tools/install_deps.sh: slurmctld slurmd slurm-client munge iproute2)" >&2
    exit 1
  fi
  [ "$(id -u)" -eq 0 ] || { echo "FAIL: the Slurm test starts daemons and must run as root" >&2; exit 1; }
  [ -f /usr/lib/x86_64-linux-gnu/slurm-wlm/mpi_pmix.so ] || [ -n "$(find /usr/lib -name mpi_pmix.so 2>/dev/null | head -1)" ] \
    || { echo "FAIL: Slurm's pmix plugin (mpi_pmix.so) is missing" >&2; exit 1; }
}

# A pair of consecutive TCP ports nobody listens on, so a real Slurm on 6817/6818
# or another test cluster is never disturbed.
slurm_free_ports() {
  local used p
  used=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
  for p in $(seq 26817 2 26999); do
    if ! grep -qx "$p" <<<"$used" && ! grep -qx "$((p + 1))" <<<"$used"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

slurm_up() {
  SLURM_DIR=$1
  local d=$SLURM_DIR host port
  slurm_need
  mkdir -p "$d"/{state,spool,log,munge/run}
  # munged refuses a socket folder that others cannot traverse.
  chmod 755 "$d" "$d/munge" "$d/munge/run"
  host=$(hostname -s)
  port=$(slurm_free_ports) || { echo "FAIL: no free port pair for slurmctld/slurmd" >&2; return 1; }
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$d/munge/munge.key"
  munged -F --key-file="$d/munge/munge.key" --socket="$d/munge/run/munge.socket" \
    --pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed" \
    >"$d/log/munged.out" 2>&1 &
  SLURM_PIDS+=($!)
  for _ in $(seq 100); do [ -S "$d/munge/run/munge.socket" ] && break; sleep 0.05; done
  [ -S "$d/munge/run/munge.socket" ] || { echo "FAIL: munged did not start:" >&2; cat "$d/log/munged.out" >&2; return 1; }
  # cred_expire=5, bf_interval=1 and sched_interval=1: a requeued job starts again after
  # ~7 s instead of ~136 s.
  cat >"$d/slurm.conf" <<CONF
ClusterName=seqtrain-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/run/munge.socket,cred_expire=5
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pidfile
SlurmdPidFile=$d/slurmd.pidfile
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=pmix
MailProg=/bin/true
SchedulerParameters=bf_interval=1,sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/slurm.conf
  slurmctld -D -c >"$d/log/slurmctld.out" 2>&1 &
  SLURM_PIDS+=($!)
  slurmd -D >"$d/log/slurmd.out" 2>&1 &
  SLURM_PIDS+=($!)
  for _ in $(seq 300); do
    sinfo -h -o %T 2>/dev/null | grep -q '^idle' && { echo "slurm: up on ports $port/$((port + 1)) in $d"; return 0; }
    sleep 0.1
  done
  echo "FAIL: the Slurm node did not become idle within 30 s; logs:" >&2
  tail -n 20 "$d"/log/*.out "$d"/log/*.log >&2 2>/dev/null
  return 1
}

slurm_down() {
  [ ${#SLURM_PIDS[@]} -gt 0 ] || return 0
  local pids=("${SLURM_PIDS[@]}") p alive
  SLURM_PIDS=()
  # Jobs first, so slurmd does not leave tasks behind.
  if [ -n "$SLURM_DIR" ] && [ -f "$SLURM_DIR/slurm.conf" ]; then
    SLURM_CONF=$SLURM_DIR/slurm.conf timeout 5 scancel --full --quiet --user=root >/dev/null 2>&1 || true
    for _ in $(seq 50); do
      [ -z "$(SLURM_CONF=$SLURM_DIR/slurm.conf timeout 2 squeue -h -t R,CG 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 30); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  # Job steps and tasks of this cluster that survived run outside our process tree;
  # they are found by the SLURM_CONF they inherited.
  local left
  left=$(unset SLURM_CONF; slurm_leftovers)
  [ -z "$left" ] || kill -9 $left 2>/dev/null
  true
}

# PIDs (other than this shell and the daemons) whose environment names this
# cluster's slurm.conf: job scripts, steps and tasks. Call it with SLURM_CONF
# unset, or it finds its own grep.
slurm_leftovers() {
  local f p d
  [ -n "$SLURM_DIR" ] || return 0
  for f in $(grep -lzx "SLURM_CONF=$SLURM_DIR/slurm.conf" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = "$$" ] && continue
    for d in "${SLURM_PIDS[@]}"; do [ "$p" = "$d" ] && continue 2; done
    # slurmctld's helper, slurmscriptd, ends with it.
    [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "${SLURM_PIDS[1]:-}" ] && continue
    echo "$p"
  done
  true
}

# For the Slurm job tests (they set OUT, JOB and SCRATCH): fail with the job's output, its state
# and the controller's log, then exit.
abort() {
  fail "$*"
  echo "--- job output:" >&2
  cat "$OUT" >&2 2>/dev/null
  [ -n "${JOB:-}" ] && scontrol show job "$JOB" >&2 2>/dev/null
  echo "--- slurmctld log (tail):" >&2
  tail -n 30 "$SCRATCH/slurm/log/slurmctld.log" >&2 2>/dev/null
  exit 1
}
# job_wait SECONDS DESCRIPTION COMMAND...: lib.sh's wait_for, aborting with DESCRIPTION at the deadline.
job_wait() {
  local seconds=$1 what=$2
  shift 2
  wait_for "$seconds" "$@" || abort "timed out after ${seconds}s waiting for: $what"
}
in_log() { grep -Eq "$1" "$OUT" 2>/dev/null; }
