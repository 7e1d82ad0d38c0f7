#!/usr/bin/env bash
# A two-node Slurm cluster on this machine, on 127.0.0.1 only: munged, slurmctld, and two slurmd (node1, node2)
# from one slurm.conf in a scratch folder. Idempotent: `start` does nothing when the cluster answers.
#
#   scripts/slurm_cluster.sh start     # prints the `export SLURM_CONF=...` line the Slurm commands need
#   scripts/slurm_cluster.sh status
#   scripts/slurm_cluster.sh stop      # stops the daemons this script started (by their pid files)
#
# Needs Debian's slurm-wlm and munge (installed with apt-get when missing) and root (munged runs as user munge,
# the Slurm daemons as root: SlurmUser=root). Each node has 2 CPUs; ports from $SLURM_CLUSTER_PORT (16817).
# Job completion records (JobCompType=jobcomp/filetxt) keep each job's end state after it left the queue.
set -euo pipefail

DIR=${SLURM_CLUSTER_DIR:-/tmp/landcover-slurm}
PORT=${SLURM_CLUSTER_PORT:-16817}
CPUS=${SLURM_CLUSTER_CPUS:-2}
CONF=$DIR/slurm.conf
NODES=(node1 node2)

log() { echo "slurm_cluster: $*" >&2; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        return
    fi
    log "installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

answers() { SLURM_CONF=$CONF timeout 10 sinfo -h -o %T >/dev/null 2>&1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    mkdir -p "$DIR/state" "$DIR/log"
    for node in "${NODES[@]}"; do mkdir -p "$DIR/spool/$node"; done
    cat >"$CONF" <<EOF
# Written by scripts/slurm_cluster.sh: two nodes on 127.0.0.1, one slurmd each.
ClusterName=landcover
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$PORT
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd-%n.pid
SlurmdSpoolDir=$DIR/spool/%n
StateSaveLocation=$DIR/state
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmUser=root
AuthType=auth/munge
# a requeued job may start again after the credential lifetime (default 120 s)
AuthInfo=cred_expire=10
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
# a node whose slurmd stops answering is DOWN after 10 s and its job ends NODE_FAIL (not requeued)
SlurmdTimeout=10
JobRequeue=0
ReturnToService=2
KillWait=30
MinJobAge=300
NodeName=node1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((PORT + 1)) CPUs=$CPUS State=UNKNOWN
NodeName=node2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((PORT + 2)) CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=node[1-2] Default=YES MaxTime=INFINITE State=UP
EOF
    # Slurm's OCI support (srun --container=BUNDLE) through runc, where runc is installed
    if command -v runc >/dev/null; then
        local runc="runc --root=$DIR/runc"
        cat >"$DIR/oci.conf" <<EOF
RunTimeQuery="$runc state %n.%u.%j.%s.%t"
RunTimeKill="$runc kill -a %n.%u.%j.%s.%t SIGTERM"
RunTimeDelete="$runc delete --force %n.%u.%j.%s.%t"
RunTimeRun="$runc run %n.%u.%j.%s.%t -b %b"
EOF
    fi
}

start_munge() {
    if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null | unmunge >/dev/null 2>&1; then
        return
    fi
    mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
    [ -f /etc/munge/munge.key ] || mungekey -c -k /etc/munge/munge.key
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
    mkdir -p "$DIR/munge"
    chown munge:munge "$DIR/munge"
    log "starting munged"
    runuser -u munge -- munged --pid-file="$DIR/munge/munged.pid"
    for _ in $(seq 20); do
        munge -n </dev/null | unmunge >/dev/null 2>&1 && return
        sleep 0.5
    done
    log "munged did not start"
    exit 1
}

start() {
    install_packages
    if answers; then
        log "already running ($CONF)"
        echo "export SLURM_CONF=$CONF"
        return
    fi
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    write_conf
    start_munge
    export SLURM_CONF=$CONF
    alive "$DIR/slurmctld.pid" || slurmctld -i
    for node in "${NODES[@]}"; do
        alive "$DIR/slurmd-$node.pid" || slurmd -N "$node"
    done
    for _ in $(seq 60); do
        if [ "$(sinfo -h -o %T 2>/dev/null | grep -c -E '^(idle|mixed|allocated)')" -ge 1 ] \
            && [ "$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -c -E ' (idle|mixed|allocated)')" -eq "${#NODES[@]}" ]; then
            log "running: $(sinfo -h -o '%P %D %N %T')"
            echo "export SLURM_CONF=$CONF"
            return
        fi
        sleep 1
    done
    log "the nodes did not come up: see $DIR/log"
    exit 1
}

# The daemon a pid file names, when its pid is still that daemon (a reused pid is never signalled).
ours() {
    local name
    name=$(basename "$1" .pid)
    name=${name%%-*}
    alive "$1" && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$name" ]
}

stop() {
    local pidfiles=("$DIR"/slurmd-*.pid "$DIR/slurmctld.pid" "$DIR/munge/munged.pid") pids=()
    for pidfile in "${pidfiles[@]}"; do
        if ours "$pidfile"; then
            pids+=("$(cat "$pidfile")")
        fi
    done
    [ ${#pids[@]} = 0 ] || log "stopping pids ${pids[*]}"
    [ ${#pids[@]} = 0 ] || kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 40); do
        local left=0
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && left=1
        done
        [ $left = 0 ] && break
        sleep 0.5
    done
    log "stopped"
}

case ${1:-start} in
start) start ;;
stop) stop ;;
status)
    if answers; then
        SLURM_CONF=$CONF sinfo
    else
        log "not running"
        exit 1
    fi
    ;;
conf) echo "$CONF" ;;
*)
    echo "usage: $0 start|stop|status|conf" >&2
    exit 2
    ;;
esac
