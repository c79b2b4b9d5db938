# Config files of our own in $ETC/<service>/, passed with --config-file (sourced by up.sh).
# Debian's /etc/* configs are not touched; only their paste.ini files and policy.d are reused.
DBURL() { echo "mysql+pymysql://$DBUSER:$PW@$IP:$DB_PORT/$DBPFX$1?charset=utf8"; }
TRANSPORT="rabbit://$RMQ_USER:$PW@$IP:$RMQ_PORT/$RMQ_VHOST"
mkdir -p "$ETC"/{keystone,glance,placement,neutron,nova,cinder} "$STATE"/{keystone,nova/instances,neutron,lock}
mkdir -p "$STATE"/cinder/volumes && chmod 700 "$STATE"/cinder/volumes
mkdir -p "$STATE"/glance/{images,staging,tasks}
chmod 700 "$ETC"   # the files hold the sandbox's passwords

ksauth() {  # a keystone_authtoken-style block for service user $1
  cat <<EOA
auth_url = http://$IP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $PW
region_name = $REGION
EOA
}

cat > "$ETC/keystone/keystone.conf" <<EOC
[DEFAULT]
log_dir = $LOG
log_file = keystone-app.log
[database]
connection = $(DBURL keystone)
[token]
provider = fernet
[identity]
# a test cloud: cheap bcrypt, else every password auth costs ~0.3 s
password_hash_rounds = 4
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys
[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys
[credential]
key_repository = $STATE/keystone/credential-keys
[oslo_policy]
policy_dirs = /etc/keystone/policy.d
EOC

cat > "$ETC/glance/glance-api.conf" <<EOC
[DEFAULT]
bind_host = $IP
bind_port = 9292
workers = 1
enabled_backends = fs:file
log_file = $LOG/glance-api-app.log
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $STATE/glance/images/
# enabled_backends needs both reserved stores
[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks/
[database]
connection = $(DBURL glance)
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
$(ksauth glance)
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $STATE/lock/glance
[oslo_policy]
policy_dirs = /etc/glance/policy.d
EOC

cat > "$ETC/placement/placement.conf" <<EOC
[DEFAULT]
log_file = $LOG/placement-app.log
[api]
auth_strategy = keystone
[placement_database]
connection = $(DBURL placement)
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
$(ksauth placement)
[oslo_policy]
policy_dirs = /etc/placement/policy.d
EOC

cat > "$ETC/neutron/neutron.conf" <<EOC
[DEFAULT]
bind_host = $IP
bind_port = 9696
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $TRANSPORT
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 0
api_paste_config = /etc/neutron/api-paste.ini
state_path = $STATE/neutron
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
dhcp_agent_notification = true
[experimental]
# Zed refuses the linuxbridge mechanism driver without this
linuxbridge = true
[database]
connection = $(DBURL neutron)
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
$(ksauth neutron)
[nova]
$(ksauth nova)
[oslo_concurrency]
lock_path = $STATE/lock/neutron
[oslo_policy]
policy_dirs = /etc/neutron/policy.d
EOC

cat > "$ETC/neutron/ml2_conf.ini" <<EOC
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
# l2population is required: without it the VXLAN device floods multicast on lo, the bridge
# learns guest MACs behind it and DHCP/metadata replies go astray.
mechanism_drivers = linuxbridge,l2population
extension_drivers = port_security
[ml2_type_flat]
flat_networks = physnet1
[ml2_type_vxlan]
vni_ranges = 1:1000
[securitygroup]
enable_security_group = true
firewall_driver = iptables
EOC

# The agents, all on the compute host's name (else ports fail to bind: PortBindingFailed).
cat > "$ETC/neutron/linuxbridge_agent.ini" <<EOC
[DEFAULT]
host = $COMPUTE_HOST
[linux_bridge]
bridge_mappings = physnet1:$EXT_BRIDGE
[vxlan]
enable_vxlan = true
local_ip = $IP
l2_population = true
[securitygroup]
enable_security_group = true
firewall_driver = iptables
EOC
cat > "$ETC/neutron/dhcp_agent.ini" <<EOC
[DEFAULT]
host = $COMPUTE_HOST
interface_driver = linuxbridge
enable_isolated_metadata = true
# dnsmasq answers for the tenant's names only and forwards nothing off the machine
dnsmasq_local_resolv = false
# One network at a time and one privileged thread: with Zed's defaults the agent's privsep daemon
# hit eventlet's "greenlet.error: cannot switch to a different thread" when three networks came
# up together, and every later dnsmasq start waited 300 s and failed (guests got no DHCP and no
# metadata, so no user-data ran).
num_sync_threads = 1
[privsep]
thread_pool_size = 1
EOC
cat > "$ETC/neutron/l3_agent.ini" <<EOC
[DEFAULT]
host = $COMPUTE_HOST
interface_driver = linuxbridge
EOC
cat > "$ETC/neutron/metadata_agent.ini" <<EOC
[DEFAULT]
host = $COMPUTE_HOST
nova_metadata_host = $IP
nova_metadata_port = 8775
metadata_proxy_shared_secret = $MD_SECRET
metadata_workers = 1
EOC

cat > "$ETC/nova/nova.conf" <<EOC
[DEFAULT]
host = $COMPUTE_HOST
my_ip = $IP
state_path = $STATE/nova
instances_path = $STATE/nova/instances
transport_url = $TRANSPORT
# Nova's libvirt driver on LXC plus CAP_MKNOD (py/berth_lxc.py)
compute_driver = berth_lxc.BerthLxcDriver
# no nbd here: raw images, copied per instance and loop-mounted
use_cow_images = false
force_raw_images = true
force_config_drive = false
enabled_apis = osapi_compute,metadata
metadata_listen = $IP
metadata_listen_port = 8775
metadata_workers = 1
osapi_compute_listen = $IP
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api]
auth_strategy = keystone
[api_database]
connection = $(DBURL nova_api)
[database]
connection = $(DBURL nova)
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 10
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
$(ksauth nova)
[service_user]
send_service_user_token = true
$(ksauth nova)
[placement]
$(ksauth nova)
[neutron]
$(ksauth nova)
service_metadata_proxy = true
metadata_proxy_shared_secret = $MD_SECRET
[libvirt]
virt_type = lxc
# Nova has no device names for LXC's disk bus: volumes become vdb, vdc, ... (py/berth_lxc.py)
disk_prefix = vd
[glance]
region_name = $REGION
[cinder]
# volumes: the catalog's volumev3 endpoint (Cinder with py/berth_loop.py); nova's own
# credentials for the calls it makes as itself (deleting a server with volumes)
os_region_name = $REGION
catalog_info = volumev3::publicURL
$(ksauth nova)
[vnc]
enabled = false
[spice]
enabled = false
[oslo_concurrency]
lock_path = $STATE/lock/nova
[oslo_policy]
policy_dirs = /etc/nova/policy.d
EOC

# Cinder: one backend "local", volumes as files on loop devices (py/berth_loop.py), attached by
# Nova as local block devices.
cat > "$ETC/cinder/cinder.conf" <<EOC
[DEFAULT]
host = $COMPUTE_HOST
my_ip = $IP
state_path = $STATE/cinder
transport_url = $TRANSPORT
auth_strategy = keystone
osapi_volume_listen = $IP
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
api_paste_config = /usr/share/cinder-common/api-paste.ini
enabled_backends = local
default_volume_type = local
glance_api_servers = http://$IP:9292
[database]
connection = $(DBURL cinder)
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
$(ksauth cinder)
[service_user]
send_service_user_token = true
$(ksauth cinder)
[nova]
$(ksauth nova)
interface = public
[coordination]
backend_url = file://$STATE/cinder/coordination
[oslo_concurrency]
lock_path = $STATE/lock/cinder
[local]
volume_driver = berth_loop.BerthLoopDriver
volume_backend_name = local
berth_volumes_dir = $STATE/cinder/volumes
EOC
# nova-compute must not see DB credentials ("No DB access allowed in nova-compute" tracebacks).
awk '/^\[/{skip=($0=="[database]"||$0=="[api_database]")} !skip' "$ETC/nova/nova.conf" > "$ETC/nova/nova-compute.conf"
