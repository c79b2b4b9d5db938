// The fixed part of the user-data script: logging, the Docker Engine (installed and started when
// missing; with or without systemd), images, volumes and the health wait.
// Each log line carries its time twice: readable (UTC, ms) and as epoch seconds with ms, which
// `up` reads from the console as the guest's side of its phase timings (targets/openstack/phases.ts).
export const PRELUDE = String.raw`set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
LOG=/var/log/berth-userdata.log
log() { printf '%s berth: %s\n' "$(date -u '+%FT%T.%3NZ %s.%3N')" "$*" | tee -a "$LOG" >&2; }
fail() { log "ERROR: $*"; exit 1; }

engine_answers() { docker version >/dev/null 2>&1; }

start_engine() {
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io"
    apt-get update -q >>"$LOG" 2>&1
    apt-get install -y -q --no-install-recommends docker.io >>"$LOG" 2>&1
  fi
  engine_answers && { log "Docker Engine answers"; return 0; }
  if [ -d /run/systemd/system ]; then
    systemctl enable --now docker >>"$LOG" 2>&1
  else
    setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
  fi
  local _
  # Asked every 0.2 s (60 s in all): the Engine takes a second or two to answer.
  for _ in $(seq 1 300); do engine_answers && { log "Docker Engine answers"; return 0; }; sleep 0.2; done
  fail "the Docker Engine did not start (see /var/log/dockerd.log)"
}

gen_secret() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1" || true; }

# Copies secret $2 for a service of image $1 to $3: owned by the user the image runs as and
# readable by it only, in a root-only directory; the service gets it mounted read-only. One
# container tells both ids (uid=N(name) gid=N(name) ...).
secret_file() {
  local ids uid gid
  ids=$(docker run --rm --network none --entrypoint id "$1") || fail "cannot tell which user $1 runs as"
  uid=$(printf '%s' "$ids" | sed -nE 's/^uid=([0-9]+).*/\1/p')
  gid=$(printf '%s' "$ids" | sed -nE 's/.* gid=([0-9]+).*/\1/p')
  if [ -z "$uid" ] || [ -z "$gid" ]; then fail "cannot tell which user $1 runs as (id: $ids)"; fi
  install -d -m 0700 "$(dirname "$(dirname "$3")")"
  install -D -m 0400 -o "$uid" -g "$gid" "$STATE/secrets/$2" "$3"
}

# A failed pull says why on the console (e.g. x509: certificate signed by unknown authority: give
# berth --registry-ca), not only in the log inside the guest.
# Its size (bytes, as docker images shows it) is logged for the phase report.
ensure_image() {
  if docker image inspect "$1" >/dev/null 2>&1; then log "image $1 is here ($(image_bytes "$1") bytes)"; return 0; fi
  log "pulling $1"
  local out
  if ! out=$(docker pull -q "$1" 2>&1); then
    printf '%s\n' "$out" >>"$LOG"
    fail "image $1 is missing and cannot be pulled: $(printf '%s' "$out" | tail -n 1)"
  fi
  printf '%s\n' "$out" >>"$LOG"
  log "pulled $1 ($(image_bytes "$1") bytes)"
}

image_bytes() { docker image inspect -f '{{.Size}}' "$1" 2>/dev/null || echo 0; }

# A VM's images pulled at once: the later services' pulls overlap the earlier ones' start (each
# service still starts after the ones it needs are healthy). A failed pull has said why; it stops
# the script here.
pull_all() {
  local i rc=0
  for i in "$@"; do ensure_image "$i" & done
  for i in "$@"; do wait -n || rc=1; done
  [ "$rc" -eq 0 ] || exit 1
}

ensure_volume() {
  docker volume inspect "$1" >/dev/null 2>&1 || docker volume create --label "io.berth.project=$PROJECT" "$1" >/dev/null
}

# The container's own health check, run now: Docker runs it only every --interval (5 s in the
# board's images), so a service ready just after a probe would wait that long for the next one,
# and the services after it with it. Its arguments (sh -c for the shell form) go NUL-separated
# from Docker's template (less the newline it ends with) to xargs, so no word of the check is
# split or globbed.
probe_now() {
  docker inspect -f '{{$t := .Config.Healthcheck.Test}}{{if eq (index $t 0) "CMD-SHELL"}}sh{{"\x00"}}-c{{"\x00"}}{{index $t 1}}{{"\x00"}}{{else}}{{range $i, $a := $t}}{{if $i}}{{$a}}{{"\x00"}}{{end}}{{end}}{{end}}' "$1" 2>/dev/null |
    head -c -1 | xargs -0 timeout 10 docker exec "$1" >/dev/null 2>&1
}

# Waits until a container is healthy (or running, without a health check); shows its log if not.
# Unhealthy for 30 s in a row is final: on a busy host a probe can miss its timeout a few times
# and a healthy container flips to unhealthy until its next probe passes. Asked every 0.5 s (300 s
# in all), with the health check itself run while Docker still says "starting": the next service
# starts as soon as this one passes its check.
wait_healthy() {
  local state _ bad=0
  for _ in $(seq 1 600); do
    state=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1")
    case $state in
      healthy | running) log "$1 is $state"; return 0 ;;
      exited | dead) break ;;
      unhealthy) bad=$((bad + 1)); [ "$bad" -lt 60 ] || break ;;
      starting) bad=0; if probe_now "$1"; then log "$1 is healthy"; return 0; fi ;;
      *) bad=0 ;;
    esac
    sleep 0.5
  done
  docker logs --tail 30 "$1" >&2 || true
  fail "$1 did not become healthy ($state)"
}
`;
