#!/usr/bin/env bash
# Runs seqtrain across several hosts with mpirun over TCP:
#   launch/multinode.sh --hostfile FILE [--net CIDR] [-n N] SEQTRAIN_ARGS...
# (installed as PREFIX/bin/seqtrain-multinode; it runs local.sh or seqtrain-local beside it,
# which finds the binary).
# FILE lists one host per line with its slots ("node1 slots=2", see launch/hostfile.example);
# N defaults to the sum of the slots. --net restricts Open MPI's control and data traffic
# to that network (e.g. 10.0.0.0/24), useful when hosts have several interfaces.
# The seqtrain binary and the data must be at the same paths on every host (or set
# SEQTRAIN_BIN); only rank 0 writes checkpoints. A lost host ends the whole job
# within ~10 s (TCP keepalive on mpirun's control connections) instead of hanging;
# rerun with --resume auto to continue from the last checkpoint. SIGTERM/SIGINT reach the
# ranks as the stop signal (see launch/local.sh): they save, and the script exits 75.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)  # through symlinks to the real folder
me=$(basename "$0")
[ "$me" != multinode.sh ] || me=launch/multinode.sh
local_launcher=$here/local.sh
[ -x "$local_launcher" ] || local_launcher=$here/seqtrain-local  # installed names
hostfile=
net=
ranks=
while [ $# -gt 0 ]; do
  case "$1" in
    --hostfile) hostfile=$2; shift 2 ;;
    --net) net=$2; shift 2 ;;
    -n|-np) ranks=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [ -z "$hostfile" ] || [ ! -f "$hostfile" ]; then
  echo "$me: --hostfile FILE is required (one 'host slots=N' per line)" >&2
  exit 2
fi
if [ -z "$ranks" ]; then
  ranks=$(awk '!/^[[:space:]]*(#|$)/ { s = 1; for (i = 2; i <= NF; i++) if ($i ~ /^slots=/) { split($i, a, "="); s = a[2] } n += s } END { print n + 0 }' "$hostfile")
fi
# Without keepalive, a host whose link goes down leaves mpirun waiting forever.
export OMPI_MCA_oob_tcp_keepalive_time=${OMPI_MCA_oob_tcp_keepalive_time:-5}
export OMPI_MCA_oob_tcp_keepalive_intvl=${OMPI_MCA_oob_tcp_keepalive_intvl:-2}
export OMPI_MCA_oob_tcp_keepalive_probes=${OMPI_MCA_oob_tcp_keepalive_probes:-3}
if [ -n "$net" ]; then
  export OMPI_MCA_oob_tcp_if_include=$net OMPI_MCA_btl_tcp_if_include=$net
fi
exec "$local_launcher" -n "$ranks" --hostfile "$hostfile" "$@"
