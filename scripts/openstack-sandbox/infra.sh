# MariaDB and RabbitMQ (sourced by up.sh): the machine's own when they run (own databases, own
# vhost and user), else private ones under $OSLAB on other ports, started and stopped by us.

# ---- MariaDB
if db_shared_ok; then
  DB_MODE=shared DB_PORT=3306
  DBQ=(mariadb --no-defaults -h $IP -P 3306 -uroot)
  "${DBQ[@]}" -e 'select 1' >/dev/null 2>&1 \
    || die "a MariaDB listens on $IP:3306 but root cannot log in without a password (set BERTH_OSLAB_PRIVATE_INFRA=1 to run a private one)"
else
  DB_MODE=private DB_PORT=$PRIV_DB_PORT
  MYSOCK=$RUN/mysql/mysqld.sock
  DBQ=(mariadb --no-defaults -S "$MYSOCK" -uroot)
  install -d -o mysql -g mysql "$RUN/mysql" "$STATE/mysql"
  if [ ! -d "$STATE/mysql/mysql" ]; then
    log "initialising a private MariaDB datadir"
    mariadb-install-db --no-defaults --user=mysql --datadir="$STATE/mysql" \
      --auth-root-authentication-method=socket --skip-test-db > "$LOG/mariadb-install.log" 2>&1 \
      || { tail "$LOG/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
  fi
  start mariadb /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$STATE/mysql" \
    --socket="$MYSOCK" --pid-file="$RUN/mysql/mariadbd.pid" --bind-address=$IP --port="$DB_PORT" \
    --innodb-buffer-pool-size=64M --performance-schema=OFF --max-connections=1000 \
    --character-set-server=utf8 --collation-server=utf8_general_ci --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=2 --log-error="$LOG/mariadb.log"
fi

# ---- RabbitMQ (oslo.messaging needs a real broker: nova's services are separate processes)
if rmq_shared_ok; then
  RMQ_MODE=shared RMQ_PORT=5672
  RMQCTL=(timeout 60 rabbitmqctl -q)
else
  RMQ_MODE=private RMQ_PORT=$PRIV_RMQ_PORT
  RMQCTL=(timeout 60 rabbitmqctl -q -n "$PRIV_RMQ_NODE")
  [ -f /var/lib/rabbitmq/.erlang.cookie ] || die "no /var/lib/rabbitmq/.erlang.cookie (did rabbitmq-server's postinst run?)"
  install -d -o rabbitmq -g rabbitmq "$STATE/rabbitmq" "$LOG/rabbitmq"
  [ -f "$STATE/rabbitmq/enabled_plugins" ] || { echo '[].' > "$STATE/rabbitmq/enabled_plugins"; chown rabbitmq: "$STATE/rabbitmq/enabled_plugins"; }
  # An epmd of our own when none runs, or erl daemonizes one we could not track.
  port_open $IP 4369 || start epmd setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/bin/epmd -address $IP
  start rabbitmq setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq \
    RABBITMQ_NODENAME=$PRIV_RMQ_NODE RABBITMQ_NODE_IP_ADDRESS=$IP RABBITMQ_NODE_PORT="$RMQ_PORT" \
    RABBITMQ_DIST_PORT=$((RMQ_PORT + 20000)) ERL_EPMD_ADDRESS=$IP \
    RABBITMQ_MNESIA_BASE="$STATE/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$LOG/rabbitmq" \
    RABBITMQ_PID_FILE="$STATE/rabbitmq/rabbit.pid" RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/rabbitmq/enabled_plugins" \
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" \
    /usr/lib/rabbitmq/bin/rabbitmq-server
fi
cat > "$STATE/infra.env" <<EOV
DB_MODE=$DB_MODE DB_PORT=$DB_PORT RMQ_MODE=$RMQ_MODE RMQ_PORT=$RMQ_PORT
EOV

[ "$DB_MODE" = private ] && wait_port mariadb $IP "$DB_PORT" 60
for db in keystone glance placement neutron nova_api nova nova_cell0 cinder; do
  echo "CREATE DATABASE IF NOT EXISTS $DBPFX$db CHARACTER SET utf8;"
  for h in 127.0.0.1 localhost; do
    echo "CREATE USER IF NOT EXISTS '$DBUSER'@'$h' IDENTIFIED BY '$PW';"
    echo "GRANT ALL PRIVILEGES ON $DBPFX$db.* TO '$DBUSER'@'$h';"
  done
done | "${DBQ[@]}" || die "could not create the sandbox's databases"
log "MariaDB ($DB_MODE, $IP:$DB_PORT): databases ${DBPFX}* ready"

[ "$RMQ_MODE" = private ] && wait_port rabbitmq $IP "$RMQ_PORT" 120
# rabbitmqctl costs ~1.5 s a call: when our user already has the vhost and its password, stop.
perms=$("${RMQCTL[@]}" list_permissions -p "$RMQ_VHOST" 2>/dev/null || true)
if ! grep -P "^$RMQ_USER\t" <<<"$perms" >/dev/null || ! "${RMQCTL[@]}" authenticate_user "$RMQ_USER" "$PW" >/dev/null 2>&1; then
  vhosts=$("${RMQCTL[@]}" list_vhosts name 2>&1) || { echo "$vhosts" >&2; die "rabbitmqctl cannot reach the $RMQ_MODE RabbitMQ"; }
  grep -x "$RMQ_VHOST" <<<"$vhosts" >/dev/null || "${RMQCTL[@]}" add_vhost "$RMQ_VHOST" >/dev/null
  if grep -P "^$RMQ_USER\t" <<<"$("${RMQCTL[@]}" list_users 2>/dev/null)" >/dev/null; then
    "${RMQCTL[@]}" change_password "$RMQ_USER" "$PW" >/dev/null
  else
    "${RMQCTL[@]}" add_user "$RMQ_USER" "$PW" >/dev/null
  fi
  "${RMQCTL[@]}" set_permissions -p "$RMQ_VHOST" "$RMQ_USER" '.*' '.*' '.*' >/dev/null
fi
log "RabbitMQ ($RMQ_MODE, $IP:$RMQ_PORT): vhost $RMQ_VHOST, user $RMQ_USER ready"
