#!/usr/bin/env bash
# Starts the local Redis servers for the tests of skilift/redis and prints
# where they are, one `NAME=value` line each (eval-able):
#   SKILIFT_REDIS_URL=redis://127.0.0.1:6390           a standalone server
#   SKILIFT_REDIS_CLUSTER=127.0.0.1:7100,...,7105      a Redis Cluster: three
#                                                      masters, one replica each
#   SKILIFT_REDIS_DIR=/tmp/skilift-redis               configs, data, logs, pids
# The same lines are written to $SKILIFT_REDIS_DIR/env, which is how the tests
# find servers this script started when the variables are not set.
#
# Idempotent: installs Debian's redis-server with apt only when it is
# missing, starts only the servers that are down (a node a test killed comes
# back with its nodes.conf and rejoins as a replica), creates the cluster
# only when it does not exist, and waits until it reports cluster_state:ok
# with every slot served. If the cluster cannot be brought back, it is wiped
# and created afresh.
#
# Usage: bash scripts/start-redis.sh          # start (prints the lines above)
#        bash scripts/start-redis.sh stop     # stop them all (data is kept)
# Everything but the printed lines goes to stderr.
set -euo pipefail

dir=${SKILIFT_REDIS_DIR:-/tmp/skilift-redis}
standalone=6390
cluster_ports=(7100 7101 7102 7103 7104 7105)

log() { echo "start-redis: $*" >&2; }

mkdir -p "$dir"
# Test files run in parallel and may all call this at once: one at a time.
exec 9>"$dir/.lock"
flock 9

ping() { redis-cli -p "$1" ping 2>/dev/null | grep -qx PONG; }

stop_all() {
  for port in "$standalone" "${cluster_ports[@]}"; do
    if ping "$port"; then redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; fi
  done
  for port in "$standalone" "${cluster_ports[@]}"; do
    for _ in $(seq 1 50); do ping "$port" || break; sleep 0.1; done
  done
}

if [ "${1:-}" = stop ]; then
  stop_all
  log "stopped"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    log "redis-server is not installed and this is not root; install it or set SKILIFT_REDIS_URL and SKILIFT_REDIS_CLUSTER"
    exit 1
  fi
  log "redis-server is not installed; installing it with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 9>&-
  apt-get install -y redis-server >&2 9>&-
fi

# Writes the config of one server (port $1, cluster node if $2 = cluster).
write_config() {
  local port=$1 node_dir="$dir/$1"
  mkdir -p "$node_dir"
  {
    echo "port $port"
    echo "bind 127.0.0.1"
    echo "daemonize yes"
    echo "dir $node_dir"
    echo "pidfile $node_dir/redis.pid"
    echo "logfile $node_dir/redis.log"
    # The Debian default: an AOF fsynced once a second (docs/redis.md says
    # what that keeps), no RDB snapshots.
    echo "appendonly yes"
    echo "appendfsync everysec"
    echo 'save ""'
    if [ "${2:-}" = cluster ]; then
      echo "cluster-enabled yes"
      echo "cluster-config-file $node_dir/nodes.conf"
      # Failover within a few seconds of a master dying, so the tests are short.
      echo "cluster-node-timeout 2000"
    fi
  } > "$node_dir/redis.conf"
}

start_server() {
  local port=$1
  if ping "$port"; then return; fi
  write_config "$port" "${2:-}"
  rm -f "$dir/$port/redis.pid"
  # 9>&-: the server must not inherit (and so hold forever) the lock.
  redis-server "$dir/$port/redis.conf" >&2 9>&-
  for _ in $(seq 1 100); do ping "$port" && return; sleep 0.1; done
  log "redis-server on port $port did not start; see $dir/$port/redis.log"
  exit 1
}

cluster_ok() {
  local info
  info=$(redis-cli -p "${cluster_ports[0]}" cluster info 2>/dev/null) || return 1
  grep -q '^cluster_state:ok' <<<"$info" &&
    grep -q '^cluster_slots_ok:16384' <<<"$info" &&
    grep -q "^cluster_known_nodes:${#cluster_ports[@]}" <<<"$info" &&
    no_open_slots &&
    [ "$(redis-cli -p "${cluster_ports[0]}" cluster nodes | grep -c master)" -eq 3 ] &&
    [ "$(redis-cli -p "${cluster_ports[0]}" cluster nodes | grep -v fail | grep -c slave)" -eq 3 ] &&
    replicas_in_sync
}

# No node is migrating or importing a slot: a reshard test stopped part way
# (killed, or timed out) leaves `[slot->-id]` / `[slot-<-id]` on its own line
# of CLUSTER NODES, and the cluster still says ok while keys of that slot
# answer ASK forever. Such a cluster is wiped below.
no_open_slots() {
  local port
  for port in "${cluster_ports[@]}"; do
    if redis-cli -p "$port" cluster nodes 2>/dev/null | grep myself | grep -q -e '->-' -e '-<-'; then
      log "port $port has a slot migrating or importing"
      return 1
    fi
  done
}

# Every replica has a live, finished link to its master: a replica still
# syncing (say, a node a test killed and restarted) could not take over if
# its master died now.
replicas_in_sync() {
  local port role
  for port in "${cluster_ports[@]}"; do
    role=$(redis-cli -p "$port" info replication 2>/dev/null | tr -d '\r') || return 1
    if grep -q '^role:slave' <<<"$role"; then
      grep -q '^master_link_status:up' <<<"$role" && grep -q '^master_sync_in_progress:0' <<<"$role" || return 1
    fi
  done
}

wait_cluster() {
  for _ in $(seq 1 "$1"); do cluster_ok && return 0; sleep 0.2; done
  return 1
}

start_server "$standalone"
for port in "${cluster_ports[@]}"; do start_server "$port" cluster; done

slots=$(redis-cli -p "${cluster_ports[0]}" cluster info | awk -F: '/^cluster_slots_assigned/ { print $2 }' | tr -d '\r')
if [ "$slots" = 0 ]; then
  log "creating the cluster on ports ${cluster_ports[*]}"
  nodes=()
  for port in "${cluster_ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >&2
fi

if ! wait_cluster 150; then
  log "the cluster is not ok; wiping it and creating it again"
  for port in "${cluster_ports[@]}"; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  for port in "${cluster_ports[@]}"; do
    for _ in $(seq 1 50); do ping "$port" || break; sleep 0.1; done
    rm -rf "${dir:?}/$port"
    start_server "$port" cluster
  done
  nodes=()
  for port in "${cluster_ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >&2
  wait_cluster 150 || { log "the cluster did not become ok; see $dir/*/redis.log"; exit 1; }
fi

cluster=$(printf '127.0.0.1:%s,' "${cluster_ports[@]}")
{
  echo "SKILIFT_REDIS_URL=redis://127.0.0.1:$standalone"
  echo "SKILIFT_REDIS_CLUSTER=${cluster%,}"
  echo "SKILIFT_REDIS_DIR=$dir"
} > "$dir/env.tmp"
mv "$dir/env.tmp" "$dir/env"
cat "$dir/env"
