#!/usr/bin/env bash
# Starts a local semivim cluster of N JVMs on loopback (for trying it out; docs/cluster.md).
#   scripts/local-cluster.sh N [transport]      transport: tcp (default) or aeron-udp
# Node 0 (port BASE_PORT, default 25520) starts the cluster with roles supervisor,data,teacher,trainer;
# nodes 1..N-1 (ports BASE_PORT+i) join it through node 0 as trainers, except the last DATA_NODES of them
# (default 0), which join with role data (augmenters), and the TEACHER_NODES (default 0) before those, which
# join with role teacher (the run's TeacherInference goes to one of them). Each node's output goes to
# $LOG_DIR/node-i.log (default: a fresh temp dir). Ctrl-C (or SIGTERM) stops every node it started.
# With aeron-udp and MEDIA_DRIVER=shared, one media driver (`semivim media-driver`, directory
# /dev/shm/semivim-driver-PID, log $LOG_DIR/media-driver.log) serves every node (--aeron-dir) instead of one
# embedded driver per node; it is stopped after the nodes (docs/cluster.md, "One media driver per machine").
set -euo pipefail
N="${1:?usage: local-cluster.sh N [tcp|aeron-udp]}"
TRANSPORT="${2:-tcp}"
BASE_PORT="${BASE_PORT:-25520}"
DATA_NODES="${DATA_NODES:-0}"
TEACHER_NODES="${TEACHER_NODES:-0}"
MEDIA_DRIVER="${MEDIA_DRIVER:-embedded}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEMIVIM="${SEMIVIM:-$ROOT/semivim}"
LOG_DIR="${LOG_DIR:-$(mktemp -d -t semivim-cluster.XXXXXX)}"
mkdir -p "$LOG_DIR"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster.sh: N must be a positive integer, got '$N'" >&2; exit 2; }
[[ "$DATA_NODES" =~ ^[0-9]+$ && "$DATA_NODES" -lt "$N" ]] || { echo "local-cluster.sh: DATA_NODES must be 0..N-1, got '$DATA_NODES'" >&2; exit 2; }
[[ "$TEACHER_NODES" =~ ^[0-9]+$ && $((TEACHER_NODES + DATA_NODES)) -lt "$N" ]] || {
  echo "local-cluster.sh: TEACHER_NODES must be 0..N-1-DATA_NODES, got '$TEACHER_NODES'" >&2; exit 2; }

if [ "$TRANSPORT" = "aeron-udp" ]; then
  # Aeron's media driver settings (deps.md): loopback MTU, 4 MiB buffers, sparse term files (the default
  # 16 MiB terms carry the 2 MiB large frames; tensors travel as chunks)
  export SEMIVIM_JAVA_OPTS="${SEMIVIM_JAVA_OPTS:-} -Daeron.term.buffer.sparse.file=true -Daeron.socket.so_rcvbuf=4194304 -Daeron.socket.so_sndbuf=4194304 -Daeron.rcv.initial.window.length=4194304 -Daeron.mtu.length=65504"
fi

[[ "$MEDIA_DRIVER" == embedded || ( "$MEDIA_DRIVER" == shared && "$TRANSPORT" == aeron-udp ) ]] || {
  echo "local-cluster.sh: MEDIA_DRIVER must be embedded, or shared with transport aeron-udp; got '$MEDIA_DRIVER'" >&2; exit 2; }

PIDS=()
DRIVER_PID=""
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$DRIVER_PID" ]; then kill "$DRIVER_PID" 2>/dev/null || true; wait "$DRIVER_PID" 2>/dev/null || true; fi
}
trap stop_all EXIT INT TERM

echo "logs in $LOG_DIR"
DRIVER_ARGS=()
if [ "$MEDIA_DRIVER" = shared ]; then
  AERON_DIR="/dev/shm/semivim-driver-$$"
  [ -d /dev/shm ] || AERON_DIR="$LOG_DIR/aeron"
  "$SEMIVIM" media-driver --aeron-dir "$AERON_DIR" >"$LOG_DIR/media-driver.log" 2>&1 &
  DRIVER_PID=$!
  for _ in $(seq 1 60); do
    if grep -q "^media driver up" "$LOG_DIR/media-driver.log" 2>/dev/null; then grep "^media driver up" "$LOG_DIR/media-driver.log"; break; fi
    if ! kill -0 "$DRIVER_PID" 2>/dev/null; then echo "media driver exited:"; tail -3 "$LOG_DIR/media-driver.log"; exit 1; fi
    sleep 1
  done
  DRIVER_ARGS=(--aeron-dir "$AERON_DIR")
fi
"$SEMIVIM" node --role supervisor,data,teacher,trainer --port "$BASE_PORT" --transport "$TRANSPORT" "${DRIVER_ARGS[@]}" >"$LOG_DIR/node-0.log" 2>&1 &
PIDS+=($!)
for ((i = 1; i < N; i++)); do
  ROLE=trainer
  if ((i >= N - DATA_NODES)); then ROLE=data; elif ((i >= N - DATA_NODES - TEACHER_NODES)); then ROLE=teacher; fi
  "$SEMIVIM" node --role "$ROLE" --port $((BASE_PORT + i)) --seed-nodes "127.0.0.1:$BASE_PORT" --transport "$TRANSPORT" \
    "${DRIVER_ARGS[@]}" >"$LOG_DIR/node-$i.log" 2>&1 &
  PIDS+=($!)
done
# Report each node as it comes up (or fails), then keep running until interrupted or a node exits.
for ((i = 0; i < N; i++)); do
  for _ in $(seq 1 120); do
    if grep -q "^node up" "$LOG_DIR/node-$i.log" 2>/dev/null; then grep "^node up" "$LOG_DIR/node-$i.log"; break; fi
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then echo "node $i exited:"; tail -3 "$LOG_DIR/node-$i.log"; exit 1; fi
    sleep 1
  done
done
echo "cluster of $N nodes up; Ctrl-C stops it"
wait -n "${PIDS[@]}"
echo "a node exited; stopping the others"
