# Installs the Debian packages that are missing (sourced by up.sh). Needs root.
# Not the nova-compute package: it depends on nova-compute-kvm (qemu, ~400 packages); python3-nova
# has nova.cmd.compute and the libvirt driver, and libvirt's LXC driver alone is what instances
# need. debootstrap builds the guest image; docker-registry is the instances' registry.
PKGS="uwsgi-core uwsgi-plugin-python3 keystone glance-api placement-api nova-api nova-conductor
 nova-scheduler python3-nova neutron-server python3-openstackclient python3-pymysql curl
 openssh-client mariadb-client
 libvirt-daemon libvirt-daemon-driver-lxc libvirt-clients python3-libvirt
 neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent neutron-metadata-agent
 iptables ebtables debootstrap e2fsprogs docker-registry openssl
 cinder-api cinder-scheduler cinder-volume"
# Octavia's controller; genisoimage because Octavia asks Nova for a config drive, which Nova
# builds even for LXC (and does not attach: the agent's files come in user-data).
[ "$OCTAVIA" = 1 ] && PKGS="$PKGS python3-octavia octavia-common octavia-api octavia-worker
 octavia-health-manager octavia-housekeeping genisoimage python3-octaviaclient"
# Our own MariaDB/RabbitMQ only where the machine has none running.
db_shared_ok || PKGS="$PKGS mariadb-server"
rmq_shared_ok || PKGS="$PKGS rabbitmq-server"
missing=$(for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || echo "$p"
done)
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || die "packages missing ($(echo $missing)); run as root to install them"
  log "apt-get install: $(echo "$missing" | wc -w) packages missing (a first install takes ~4 min)"
  ta=$SECONDS
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then   # keep the packages' postinsts from starting daemons
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # openstack-pkg-tools' debconf questions default to false; pin them so no postinst touches a DB.
  for q in keystone/configure_db keystone/create-admin-tenant keystone/register-endpoint \
           nova/configure_db novaapi/configure_db nova/configure_api-endpoint nova/configure_rabbit \
           nova/configure_ksat nova/configure_neutron nova/configure_placement \
           neutron/configure_db neutron/configure_rabbit neutron/configure_ksat neutron/configure_nova \
           glance/configure_db glance/configure_rabbit glance/configure_ksat glance/configure_api-endpoint \
           placement/configure_db placement/configure_ksat placement/configure_api-endpoint \
           cinder/configure_db cinder/configure_rabbit cinder/configure_ksat cinder/configure_api-endpoint \
           octavia/configure_db octavia/configure_rabbit octavia/configure_ksat octavia/configure_api-endpoint; do
    echo "${q%%/*} $q boolean false"
  done | debconf-set-selections || true
  apt-get -o DPkg::Lock::Timeout=600 update -q > "$LOG/apt-update.log" 2>&1 \
    || { tail -20 "$LOG/apt-update.log" >&2; die "apt-get update failed"; }
  # shellcheck disable=SC2086
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing > "$LOG/apt-install.log" 2>&1 \
    || { [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -30 "$LOG/apt-install.log" >&2; die "apt-get install failed ($LOG/apt-install.log)"; }
  [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  echo "apt_install $((SECONDS - ta))" >> "$OSLAB/timings.txt"
  log "packages installed in $((SECONDS - ta)) s"
fi
