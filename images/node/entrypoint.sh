#!/bin/sh
# Entry point of the web and app images. Maps what a legacy link gives (`--link dbs:db` exposes the
# database container's DB_PASSWORD as DB_ENV_DB_PASSWORD) to the variable the board reads (unless
# the container was given its own DB_PASSWORD or DB_PASSWORD_FILE), then
# replaces itself with node, so node is PID 1 and gets SIGTERM from `docker stop` directly
# (the board handles SIGTERM/SIGINT: it drains and exits 0).
set -eu
if [ -z "${DB_PASSWORD:-}" ] && [ -z "${DB_PASSWORD_FILE:-}" ] && [ -n "${DB_ENV_DB_PASSWORD:-}" ]; then
  DB_PASSWORD=$DB_ENV_DB_PASSWORD
  export DB_PASSWORD
fi
# A legacy link also sets DB_NAME=/<container>/db (the link's own name), which is not a database
# name: drop it so the board uses its default (sample_bbs).
case "${DB_NAME:-}" in /*) unset DB_NAME ;; esac
exec node "$@"
