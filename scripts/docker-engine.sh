#!/usr/bin/env bash
# The Docker Engine for berth's tests and for a developer's machine without systemd.
#   docker-engine.sh start   install docker.io if missing, start dockerd unless one answers
#   docker-engine.sh stop    stop the dockerd that `start` started (by its PID file), nothing else
#   docker-engine.sh status  say whether the engine answers and who started it
# Idempotent: `start` twice leaves one daemon; `stop` without a PID file does nothing.
set -euo pipefail
. "$(dirname "$0")/ci/lib.sh"
STATE=$DOCKERD_STATE
PIDFILE=$STATE/dockerd.pid
LOG=${BERTH_DOCKERD_LOG:-/var/log/berth-dockerd.log}
SOCK=/var/run/docker.sock

# Asks the engine itself over its socket (curl speaks HTTP over a unix socket; the docker client
# on PATH may be newer than the engine, and we only need "does it answer").
answers() { curl -fsS --max-time 3 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }
# The PID file names a live dockerd (not a process that got the number after a reboot or a crash).
ours() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == /usr/sbin/dockerd* ]]
}

start() {
  command -v curl >/dev/null || apt_install curl ca-certificates
  if [ ! -x /usr/sbin/dockerd ]; then
    echo "installing docker.io (Debian's Docker Engine)..."
    apt_install docker.io
  fi
  if answers; then echo "Docker Engine already running"; return 0; fi
  install -d "$STATE"
  # No systemd here: run the daemon in its own session, detached from our terminal and stdin.
  setsid /usr/sbin/dockerd >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  for _ in $(seq 1 120); do answers && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  answers || { tail -n 30 "$LOG" >&2; die "dockerd did not start (log: $LOG)"; }
  echo "Docker Engine started (pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
  if ! ours; then rm -f "$PIDFILE"; echo "no dockerd started by berth is running"; return 0; fi
  local pid; pid=$(cat "$PIDFILE")
  kill -TERM "$pid"
  # dockerd stops its containers first (up to their stop timeouts), so give it time.
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
  echo "Docker Engine stopped (pid $pid)"
}

status() {
  if answers; then echo "running$(ours && echo " (started by berth, pid $(cat "$PIDFILE"))")"
  else echo "not running"; return 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
