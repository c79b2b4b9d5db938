#!/bin/bash
# Entry point of the dbs image. On first start (empty data volume) it creates the system tables,
# the database DB_NAME (sample_bbs) and the user DB_USER (`user`)@'%' with DB_PASSWORD, or the
# contents of the file DB_PASSWORD_FILE, or a generated one (kept in the volume, root-only, and
# never printed: there is never a fixed default, and logs hold no secrets). Then it execs mariadbd
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

# DB_USER and DB_NAME go into SQL as names: only letters, digits and _ (the value is not shown).
check_identifier() { # VARIABLE VALUE MAX-LENGTH
  [[ $2 =~ ^[A-Za-z0-9_]{1,$3}$ ]] || { log "$1 must be 1-$3 characters of A-Z a-z 0-9 _ (nothing was created)"; exit 2; }
}

# The password as DB_PASSWORD or, by the official database images' convention, as a file named by
# DB_PASSWORD_FILE (so it is not in the container's environment). Sets the shell variable only:
# it is not exported to the server.
password_from_file() {
  [ -n "${DB_PASSWORD_FILE:-}" ] || return 0
  [ -z "${DB_PASSWORD:-}" ] || { log "give DB_PASSWORD or DB_PASSWORD_FILE, not both"; exit 2; }
  [ -r "$DB_PASSWORD_FILE" ] || { log "DB_PASSWORD_FILE: cannot read $DB_PASSWORD_FILE"; exit 2; }
  DB_PASSWORD=$(<"$DB_PASSWORD_FILE")
  [ -n "$DB_PASSWORD" ] || { log "DB_PASSWORD_FILE: $DB_PASSWORD_FILE is empty"; exit 2; }
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
  # Every check before anything is written: bad input creates nothing.
  check_identifier DB_USER "$DB_USER" 80
  check_identifier DB_NAME "$DB_NAME" 64
  password_from_file
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
