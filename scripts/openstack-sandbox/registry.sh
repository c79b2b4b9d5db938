# The sandbox's image registry (sourced by up.sh): Debian's docker-registry on $REGISTRY (the
# external bridge, reachable from the host and, through their routers, from instances), TLS with
# a server certificate from a CA the sandbox makes. The CA goes beside clouds.yaml
# ($OSLAB/registry-ca.crt) and into the host Docker Engine's trust (/etc/docker/certs.d/), so
# `berth build --push --registry $REGISTRY/NS` works; instances need it in their own certs.d.
R=$STATE/registry
install -d -m 755 "$R"
install -d -o docker-registry -g docker-registry "$R/data"
# A certificate made for another external address is made again, and so is the CA (both removed
# here; the new CA replaces the copy beside clouds.yaml below).
if [ -s "$R/server.crt" ] && ! openssl x509 -in "$R/server.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:$EXT_GW\$"; then
  rm -f "$R/ca.crt" "$R/server.crt"
fi
if [ ! -s "$R/ca.crt" ] || [ ! -s "$R/server.crt" ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=berth sandbox CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$R/ca.key" -out "$R/ca.crt" 2>/dev/null || die "openssl: cannot make the registry CA"
  openssl req -newkey rsa:3072 -nodes -subj "/CN=$EXT_GW" -keyout "$R/server.key" -out "$R/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$EXT_GW" > "$R/server.ext"
  openssl x509 -req -in "$R/server.csr" -CA "$R/ca.crt" -CAkey "$R/ca.key" -CAcreateserial -days 825 \
    -extfile "$R/server.ext" -out "$R/server.crt" 2>/dev/null || die "openssl: cannot sign the registry's certificate"
  chmod 600 "$R/ca.key"; chown docker-registry: "$R/server.key"; chmod 600 "$R/server.key"
fi
cat > "$R/config.yml" <<EOC
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $R/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
  tls:
    certificate: $R/server.crt
    key: $R/server.key
EOC
chmod 644 "$R/config.yml"
install -m 644 "$R/ca.crt" "$OSLAB/registry-ca.crt"
install -D -m 644 "$R/ca.crt" "/etc/docker/certs.d/$REGISTRY/ca.crt"
start registry setpriv --reuid=docker-registry --regid=docker-registry --init-groups \
  /usr/bin/docker-registry serve "$R/config.yml"
for ((i = 0; i < 60; i++)); do
  curl -sf -o /dev/null -m 3 --cacert "$OSLAB/registry-ca.crt" "https://$REGISTRY/v2/" && break
  alive registry || { logtail registry; die "registry died (logs in $LOG)"; }
  sleep 0.5
done
[ "$i" -lt 60 ] || { logtail registry; die "registry not answering https://$REGISTRY/v2/ after 30 s"; }
log "registry: https://$REGISTRY (CA $OSLAB/registry-ca.crt, trusted by the host's Docker Engine)"
