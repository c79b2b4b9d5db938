#!/bin/bash
# HEALTHCHECK of the dbs image: healthy once first-start set-up is done and the server answers a
# query on its socket (so the app's user and database exist by then).
set -eu
[ -f /var/lib/mysql/.berth-initialised ] || { echo "initialising"; exit 1; }
mariadb --socket=/run/mysqld/mysqld.sock -e 'SELECT 1' >/dev/null
echo "ready"
