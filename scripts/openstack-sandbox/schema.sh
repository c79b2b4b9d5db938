# Database schemas and Keystone's bootstrap (sourced by up.sh). All five syncs run in parallel
# (~40 s, neutron's is the slowest). A stamp keyed on the package versions and the DB/broker in
# use skips them on re-runs, but only while the databases really hold the result.
KS=(keystone-manage --config-file "$ETC/keystone/keystone.conf")
NOVA_MANAGE=(nova-manage --config-file "$ETC/nova/nova.conf")
STAMP=$STATE/schema.stamp
want_stamp="$(dpkg-query -W -f='${Package}=${Version}\n' python3-keystone python3-glance python3-placement python3-neutron python3-nova 2>/dev/null)
db=$DB_MODE:$DB_PORT rabbit=$RMQ_MODE:$RMQ_PORT"

# Fernet and credential keys live on disk, not in the DB: make them whenever they are missing.
if [ ! -f "$STATE/keystone/fernet-keys/0" ]; then
  "${KS[@]}" fernet_setup --keystone-user root --keystone-group root > "$LOG/keystone-keys.log" 2>&1
  "${KS[@]}" credential_setup --keystone-user root --keystone-group root >> "$LOG/keystone-keys.log" 2>&1
fi

# Cinder's schema has a stamp of its own (it came later: a running sandbox gains it without
# re-syncing the others); its sync runs beside theirs.
CINDER_STAMP=$STATE/cinder-schema.stamp
want_cinder="$(dpkg-query -W -f='${Package}=${Version}\n' python3-cinder 2>/dev/null) db=$DB_MODE:$DB_PORT"
cinder_tables=$("${DBQ[@]}" -N -e "select count(*) from information_schema.tables where table_schema='${DBPFX}cinder' and table_name='volumes'" 2>/dev/null || echo 0)
p_cinder=
if [ "$(cat "$CINDER_STAMP" 2>/dev/null)" = "$want_cinder" ] && [ "$cinder_tables" = 1 ]; then
  log "cinder schema already synced"
else
  cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync > "$LOG/sync-cinder.log" 2>&1 & p_cinder=$!
fi

cells=$("${DBQ[@]}" -N -e "select count(*) from ${DBPFX}nova_api.cell_mappings" 2>/dev/null || echo 0)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] && [ "$cells" = 2 ]; then
  log "schemas already synced for these package versions (skipping db syncs)"
else
  log "syncing database schemas (~40-80 s)"
  rm -f "$STATE/bootstrap.stamp" "$STATE/fixtures.stamp"
  (
    "${KS[@]}" db_sync
    "${KS[@]}" bootstrap --bootstrap-password "$PW" --bootstrap-username admin \
      --bootstrap-project-name admin --bootstrap-role-name admin \
      --bootstrap-service-name keystone --bootstrap-region-id $REGION \
      --bootstrap-admin-url http://$IP:5000/v3/ --bootstrap-internal-url http://$IP:5000/v3/ \
      --bootstrap-public-url http://$IP:5000/v3/
  ) > "$LOG/sync-keystone.log" 2>&1 & p_keystone=$!
  glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync > "$LOG/sync-glance.log" 2>&1 & p_glance=$!
  placement-manage --config-file "$ETC/placement/placement.conf" db sync > "$LOG/sync-placement.log" 2>&1 & p_placement=$!
  neutron-db-manage --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini" \
    upgrade heads > "$LOG/sync-neutron.log" 2>&1 & p_neutron=$!
  (
    set -e
    "${NOVA_MANAGE[@]}" api_db sync
    "${NOVA_MANAGE[@]}" cell_v2 map_cell0 --database_connection "$(DBURL nova_cell0)"
    # create_cell is not idempotent; update_cell refreshes a cell's DB/broker URLs after a change.
    cell1=$("${NOVA_MANAGE[@]}" cell_v2 list_cells 2>/dev/null | awk -F'|' '$2 ~ /^ *cell1 *$/ {gsub(/ /,"",$3); print $3}')
    if [ -n "$cell1" ]; then "${NOVA_MANAGE[@]}" cell_v2 update_cell --cell_uuid "$cell1"
    else "${NOVA_MANAGE[@]}" cell_v2 create_cell --name cell1; fi
    "${NOVA_MANAGE[@]}" db sync
  ) > "$LOG/sync-nova.log" 2>&1 & p_nova=$!
  for s in keystone glance placement neutron nova; do
    pv=p_$s
    wait "${!pv}" || { tail -30 "$LOG/sync-$s.log" >&2; die "db sync for $s failed ($LOG/sync-$s.log)"; }
  done
  echo "$want_stamp" > "$STAMP"
  log "schemas synced"
fi
if [ -n "$p_cinder" ]; then
  wait "$p_cinder" || { tail -30 "$LOG/sync-cinder.log" >&2; die "db sync for cinder failed ($LOG/sync-cinder.log)"; }
  echo "$want_cinder" > "$CINDER_STAMP"
  log "cinder schema synced"
fi
