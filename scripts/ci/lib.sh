# Shared helpers for the set-up scripts (sourced, not run).
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# Installing packages and starting services needs root. As root (a bare Debian machine has no
# sudo) this returns at once; otherwise it runs the script again through sudo, keeping PATH so the
# same node is used. Usage: as_root SCRIPT ARGS...
as_root() {
  [ "$(id -u)" -eq 0 ] && return 0
  command -v sudo >/dev/null 2>&1 || die "$1 installs packages and starts services: run it as root, or as a user who may use sudo"
  exec sudo -- env "PATH=$PATH" bash "$@"
}
# apt-get update once per machine boot, then install only what is missing.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ ! -f /var/lib/apt/.berth-updated ] || [ -n "$(find /var/lib/apt/.berth-updated -mmin +720 2>/dev/null)" ]; then
    apt-get update -q && touch /var/lib/apt/.berth-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
# Where scripts/docker-engine.sh keeps the PID of a dockerd it started, and where
# setup-10-docker.sh notes that it was the one to start it (so teardown stops only that one).
DOCKERD_STATE=${BERTH_DOCKERD_STATE:-/run/berth}
