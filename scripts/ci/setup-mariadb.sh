#!/usr/bin/env bash
# A running MariaDB on 127.0.0.1:3306 (root over the socket) with the test user and databases.
# This machine kind already runs one; on a machine without it, install and start it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
  apt_install mariadb-server
fi
if ! mariadb -uroot -e 'select 1' >/dev/null 2>&1; then
  install -d -o mysql -g mysql /run/mysqld
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mariadb -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
  mariadb -uroot -e 'select 1' >/dev/null || die "MariaDB did not start"
fi
# The test user may create and drop databases named berth_test*, and nothing else.
mariadb -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'berth'@'127.0.0.1' IDENTIFIED BY 'berth-test';
CREATE USER IF NOT EXISTS 'berth'@'localhost' IDENTIFIED BY 'berth-test';
GRANT ALL PRIVILEGES ON `berth\_test%`.* TO 'berth'@'127.0.0.1';
GRANT ALL PRIVILEGES ON `berth\_test%`.* TO 'berth'@'localhost';
CREATE DATABASE IF NOT EXISTS berth_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL
echo "MariaDB ready: mysql://berth:***@127.0.0.1:3306/berth_test"
