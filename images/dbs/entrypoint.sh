#!/bin/bash
# Entry point of the dbs image. On first start (empty data volume) it creates the system tables,
# the database sample_bbs and the user `user`@'%' with DB_PASSWORD (or a generated one, kept in
# the volume, root-only, and never printed: there is never a fixed default, and logs hold no secrets). Then it execs mariadbd
# as PID 1, which drops to the mysql user and shuts down cleanly on SIGTERM.
set -euo pipefail
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
DB_NAME=${DB_NAME:-sample_bbs}
DB_USER=${DB_USER:-user}

log() { printf '[dbs-entrypoint] %s\n' "$*" >&2; }

# Only letters, digits and a few safe signs, so the password can be put in SQL and URLs as is.
check_password() {
  [[ $1 =~ ^[A-Za-z0-9._~-]{8,128}$ ]] || { log "DB_PASSWORD must be 8-128 characters of A-Z a-z 0-9 . _ ~ -"; exit 2; }
}

generate_password() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

wait_for_socket() {
  for _ in $(seq 1 120); do
    mariadb-admin --socket="$SOCKET" ping >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "temporary server did not start"; exit 1
}

initialise() {
  local password=${DB_PASSWORD:-}
  if [ -z "$password" ]; then
    password=$(generate_password)
    log "DB_PASSWORD not given: generated one for '$DB_USER', kept in $DATADIR/.berth-generated-password"
    log "(root only; read it with: docker exec <this container> cat $DATADIR/.berth-generated-password)"
    log "a container linked to this one (--link <this>:db) cannot learn a generated password: give it"
    log "-e DB_PASSWORD=<that password>, or start this container with -e DB_PASSWORD=... (a link passes that on)"
  fi
  check_password "$password"
  log "first start: initialising $DATADIR"
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=socket >/dev/null
  mariadbd --user=mysql --datadir="$DATADIR" --skip-networking --socket="$SOCKET" &
  local pid=$!
  wait_for_socket
  mariadb --socket="$SOCKET" <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'%';
FLUSH PRIVILEGES;
SQL
  [ -n "${DB_PASSWORD:-}" ] || (umask 077 && printf '%s\n' "$password" >"$DATADIR/.berth-generated-password")
  mariadb-admin --socket="$SOCKET" shutdown
  wait "$pid" || true
  touch "$DATADIR/.berth-initialised"
  log "database $DB_NAME and user $DB_USER ready"
}

if [ "${1:-}" = mariadbd ]; then
  shift
  # A bind-mounted or fresh volume may belong to root: the server needs it as mysql.
  install -d -o mysql -g mysql /run/mysqld
  chown mysql:mysql "$DATADIR"
  [ -f "$DATADIR/.berth-initialised" ] || initialise
  bind=()
  [ -z "${DB_BIND_ADDRESS:-}" ] || bind=(--bind-address="$DB_BIND_ADDRESS")
  exec mariadbd --user=mysql --datadir="$DATADIR" "${bind[@]}" "$@"
fi
exec "$@"
