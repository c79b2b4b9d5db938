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
COMPUTE_HOST=berth-compute        # nova CONF.host == the fake neutron agent's host
ETC=$OSLAB/etc RUN=$OSLAB/run LOG=$OSLAB/log STATE=$OSLAB/state
DBPFX=berthos_                    # own databases in a shared MariaDB
DBUSER=berthos
RMQ_VHOST=berth_openstack RMQ_USER=berthos
# Private MariaDB/RabbitMQ (only where the machine has none) use other ports than the usual ones.
PRIV_DB_PORT=${BERTH_OSLAB_DB_PORT:-13306}
PRIV_RMQ_PORT=${BERTH_OSLAB_RABBIT_PORT:-5673}
PRIV_RMQ_NODE=berthos@localhost
# API daemons in start order; infrastructure we may have started ourselves last.
SERVICES="keystone placement glance-api neutron-server nova-api nova-conductor nova-scheduler nova-compute"
API_PORTS="keystone:5000 placement:8778 glance-api:9292 neutron-server:9696 nova-api:8774"

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

# start NAME CMD...: own session (PID = process group), PID file, log file; no-op if it runs.
start() {
  local name=$1; shift
  if alive "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  setsid "$@" >> "$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  starttime $! > "$RUN/$name.start" || true
  log "started $name (pid $!)"
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
