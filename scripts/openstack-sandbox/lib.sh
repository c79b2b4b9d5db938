# Settings and helpers shared by up/down/status (sourced).
# Debian's OpenStack is Python 3.11 in /usr/bin: never a pyenv or venv python (it lacks the modules).
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true
PY=/usr/bin/python3

OSLAB=${BERTH_OSLAB:-/var/tmp/berth-openstack}
PW=${BERTH_OSLAB_PASSWORD:-berth-sandbox-pw}   # a throw-away test cloud on loopback
IP=127.0.0.1
REGION=RegionOne
COMPUTE_HOST=berth-compute        # nova's CONF.host == every neutron agent's host
# The external network "public": a bridge of our own with the host's address on it, no uplink.
# A /24 the host routes nowhere else: the host's route to it goes into the bridge, so it must not
# hold an address the host talks to (checks.sh refuses one that holds the package registries,
# the default gateway or a name server: 203.0.113.0/24 held this workplace's package proxy).
EXT_CIDR=${BERTH_OSLAB_EXT_CIDR:-198.51.100.0/24}
EXT_BRIDGE=br-sbxext EXT_GW=${EXT_CIDR%.*/*}.1
REGISTRY=$EXT_GW:5000             # docker-registry (TLS, our CA) on the external bridge
MD_SECRET=${PW}-metadata          # neutron metadata proxy <-> nova metadata API
FW_CHAIN=BERTH-SBX                # our iptables chain: nothing forwarded between $EXT_BRIDGE and others
ETC=$OSLAB/etc RUN=$OSLAB/run LOG=$OSLAB/log STATE=$OSLAB/state
DBPFX=berthos_                    # own databases in a shared MariaDB
DBUSER=berthos
RMQ_VHOST=berth_openstack RMQ_USER=berthos
# Private MariaDB/RabbitMQ (only where the machine has none) use other ports than the usual ones.
PRIV_DB_PORT=${BERTH_OSLAB_DB_PORT:-13306}
PRIV_RMQ_PORT=${BERTH_OSLAB_RABBIT_PORT:-5673}
PRIV_RMQ_NODE=berthos@localhost
# API daemons in start order; infrastructure we may have started ourselves last.
SERVICES="keystone placement glance-api neutron-server nova-api nova-conductor nova-scheduler libvirtd
 nova-compute neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent neutron-metadata-agent registry
 cinder-api cinder-scheduler cinder-volume"
# Octavia (octavia.sh): off unless BERTH_OSLAB_OCTAVIA=1 (not yet steady on a loaded machine: see
# docs/openstack.md, and so not in CI's sandbox). Its management network's range is
# routed into the sandbox (the host's o-hm0): like EXT_CIDR it must hold nothing the host needs.
OCTAVIA=${BERTH_OSLAB_OCTAVIA:-0}
OCTAVIA_SERVICES="octavia-api octavia-worker octavia-health-manager octavia-housekeeping"
LB_MGMT_CIDR=${BERTH_OSLAB_LB_MGMT_CIDR:-10.254.0.0/24}
AGENT_SERVICES="neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent neutron-metadata-agent"
API_PORTS="keystone:5000 placement:8778 glance-api:9292 neutron-server:9696 nova-api:8774 cinder-api:8776"

T0=$EPOCHREALTIME
el()   { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
log()  { echo "[sandbox $(el)s] $*"; }
die()  { echo "openstack-sandbox: ERROR: $*" >&2; exit 1; }

pidfile() { echo "$RUN/$1.pid"; }
# A PID file is trusted only while its process has the start time recorded with it: after a
# reboot or a kill from outside, the PID may belong to someone else by now.
starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
alive() {
  local pid
  [ -s "$RUN/$1.pid" ] || return 1
  pid=$(cat "$RUN/$1.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  [ ! -s "$RUN/$1.start" ] || [ "$(starttime "$pid")" = "$(cat "$RUN/$1.start")" ]
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# Tail of a service's logs (console and app log), for error messages.
logtail() {
  local f
  for f in "$LOG/$1.log" "$LOG/$1-app.log"; do
    [ -s "$f" ] && { echo "--- last lines of $f" >&2; tail -n 25 "$f" >&2; }
  done
  return 0
}

# Is there a MariaDB/RabbitMQ of the machine's own to use? (BERTH_OSLAB_PRIVATE_INFRA=1 says no.)
db_shared_ok()  { [ "${BERTH_OSLAB_PRIVATE_INFRA:-0}" != 1 ] && ! alive mariadb && port_open $IP 3306; }
rmq_shared_ok() { [ "${BERTH_OSLAB_PRIVATE_INFRA:-0}" != 1 ] && ! alive rabbitmq && port_open $IP 5672; }

# A signature of a command line, of the configuration files it names (also as NAME=FILE; not
# logs or state) and of $SIG_EXTRA's files: `up` restarts a running service whose command or
# configuration changed.
sig() {
  local a f
  for a in "$@" ${SIG_EXTRA:-}; do
    echo "$a"; f=${a#*=}
    case $f in "$LOG"/*|"$STATE"/*) continue ;; esac
    if [ -f "$f" ]; then cat "$f"; fi
  done | sha1sum | cut -c1-16
}
# start NAME CMD...: own session (PID = process group), PID file, log file; no-op if it runs with
# the same command and configuration, else a restart.
start() {
  local name=$1 want; shift
  want=$(sig "$@")
  if alive "$name"; then
    if [ "$(cat "$RUN/$name.sig" 2>/dev/null)" = "$want" ]; then
      log "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0
    fi
    log "$name: command or configuration changed, restarting"
    stop "$name"
  fi
  setsid "$@" >> "$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  starttime $! > "$RUN/$name.start" || true
  echo "$want" > "$RUN/$name.sig"
  STARTED="${STARTED:-} $name"
  log "started $name (pid $!)"
}
# stop NAME: only what `start` started, by its PID file. Each was started with setsid, so its PID
# is its process-group id and the whole group (uwsgi/eventlet workers, helpers) is signalled.
# Never kills by name.
stop() {
  local name=$1 pidf=$RUN/$1.pid pid i t0=$SECONDS
  [ -s "$pidf" ] || return 0
  pid=$(cat "$pidf")
  # Not ours any more (gone, or the PID reused since): only forget it.
  if ! alive "$name"; then rm -f "$pidf" "$RUN/$name.start" "$RUN/$name.sig"; return 0; fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 40; i++)); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 -- "-$pid" 2>/dev/null; then
    echo "$name (pgid $pid) did not stop in 20 s, sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null; sleep 0.5
  fi
  rm -f "$pidf" "$RUN/$name.start" "$RUN/$name.sig"
  log "stopped $name ($((SECONDS - t0))s)"
}
# wait_port NAME HOST PORT SECONDS / wait_http NAME URL SECONDS (any HTTP status counts as up).
# Bounded, and a dead or silent service fails with the tail of its logs.
wait_port() {
  local i
  for ((i = 0; i < $4 * 2; i++)); do
    port_open "$2" "$3" && return 0
    alive "$1" || { logtail "$1"; die "$1 died (logs in $LOG)"; }
    sleep 0.5
  done
  logtail "$1"; die "$1 not listening on $2:$3 after $4 s"
}
wait_http() {
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    curl -s -o /dev/null -m 5 "$2" && return 0
    alive "$1" || { logtail "$1"; die "$1 died (logs in $LOG)"; }
    sleep 0.5
  done
  logtail "$1"; die "$1 not answering $2 after $3 s"
}
