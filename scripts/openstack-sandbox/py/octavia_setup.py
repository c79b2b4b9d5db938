"""What Octavia needs in the other services, idempotent (a real cloud's operator makes the same):
- Keystone: user octavia (admin of project service: it boots amphorae and makes ports on the
  tenants' networks), service "octavia" of type load-balancer and its endpoints; the role
  load-balancer_member, granted to demo on demo (Octavia's default policy asks for it).
- Neutron, in project service: the management network lb-mgmt-net/lb-mgmt-subnet, the amphorae's
  security group lb-mgmt-sec-grp (the agent's 9443 and ping from that subnet), and the
  controller's own port on it (no port security: the health manager takes the heartbeats there),
  bound to the compute host so that the linuxbridge agent wires the host's veth named after it.
- Nova: the private flavor amphora for the amphorae.
- Glance: the amphora image, tagged amphora, owned by project service.
Prints shell assignments for octavia.conf (sourced by octavia.sh).
Usage: octavia_setup.py AMPHORA_IMAGE_FILE MGMT_CIDR COMPUTE_HOST"""
import os
import sys

import openstack

ip, pw, region = os.environ['SANDBOX_IP'], os.environ['SANDBOX_PW'], os.environ['SANDBOX_REGION']
image_file, mgmt_cidr, compute_host = sys.argv[1], sys.argv[2], sys.argv[3]
IMAGE, TAG, FLAVOR = 'amphora-debian-12', 'amphora', 'amphora'
# (RAM MiB, vCPUs, disk GB): haproxy, the agent (gunicorn), rsyslog and systemd in an LXC guest
FLAVOR_SIZE = (512, 1, 3)


def connect(who, project):
    return openstack.connect(auth_url=f'http://{ip}:5000/v3', username=who, password=pw,
                             project_name=project, user_domain_name='Default',
                             project_domain_name='Default', region_name=region)


admin = connect('admin', 'admin')
idn = admin.identity


def role(name):
    return idn.find_role(name) or idn.create_role(name=name)


def grant(p, u, r):
    if not idn.validate_user_has_project_role(p, u, r):
        idn.assign_project_role_to_user(p, u, r)


svc_p = idn.find_project('service', domain_id='default')
demo_p = idn.find_project('demo', domain_id='default')
u = idn.find_user('octavia', domain_id='default')
if u is None:
    u = idn.create_user(name='octavia', password=pw, default_project_id=svc_p.id, domain_id='default')
else:
    idn.update_user(u, password=pw)
grant(svc_p, u, role('admin'))
grant(svc_p, u, role('service'))
grant(demo_p, idn.find_user('demo', domain_id='default'), role('load-balancer_member'))
url = f'http://{ip}:9876'
s = (next((s for s in idn.services() if s.type == 'load-balancer'), None)
     or idn.create_service(name='octavia', type='load-balancer', description='Octavia (load-balancer)'))
have = {e.interface for e in idn.endpoints(service_id=s.id)}
for iface in ('public', 'internal', 'admin'):
    if iface not in have:
        idn.create_endpoint(service_id=s.id, interface=iface, url=url, region_id=region)

# Amphorae, their ports and each load balancer's security group belong to project service:
# room for a few dozen load balancers (the defaults allow 10 servers and 10 security groups).
admin.network.update_quota(svc_p.id, security_groups=100, security_group_rules=1000, ports=500)
admin.compute.put(f'/os-quota-sets/{svc_p.id}', json={'quota_set': {'instances': 50, 'cores': 100, 'ram': 51200}}).raise_for_status()

# ---- Neutron (made by admin, owned by project service)
net = admin.network
mgmt = net.find_network('lb-mgmt-net', project_id=svc_p.id)
if not mgmt:
    mgmt = net.create_network(name='lb-mgmt-net', project_id=svc_p.id,
                              description='Octavia: controller <-> amphorae')
sub = net.find_subnet('lb-mgmt-subnet', network_id=mgmt.id)
if sub and sub.cidr != mgmt_cidr:
    for p in net.ports(network_id=mgmt.id):
        net.delete_port(p)
    net.delete_subnet(sub)
    sub = None
if not sub:
    prefix = mgmt_cidr.rsplit('.', 1)[0]
    sub = net.create_subnet(name='lb-mgmt-subnet', network_id=mgmt.id, project_id=svc_p.id,
                            ip_version=4, cidr=mgmt_cidr, gateway_ip=None, enable_dhcp=True,
                            allocation_pools=[{'start': prefix + '.10', 'end': prefix + '.250'}])
sg = net.find_security_group('lb-mgmt-sec-grp', project_id=svc_p.id)
if not sg:
    sg = net.create_security_group(name='lb-mgmt-sec-grp', project_id=svc_p.id,
                                   description='Octavia amphorae: the agent from the controller')
    for rule in ({'protocol': 'tcp', 'port_range_min': 9443, 'port_range_max': 9443},
                 {'protocol': 'icmp'}):
        net.create_security_group_rule(security_group_id=sg.id, direction='ingress',
                                       ethertype='IPv4', remote_ip_prefix=mgmt_cidr,
                                       project_id=svc_p.id, **rule)
hm_name = f'octavia-health-manager-{compute_host}'
hm = net.find_port(hm_name, network_id=mgmt.id)
if not hm:
    hm = net.create_port(name=hm_name, network_id=mgmt.id, project_id=svc_p.id,
                         device_owner='Octavia:health-mgr', device_id=f'octavia-hm-{compute_host}',
                         binding_host_id=compute_host, port_security_enabled=False,
                         fixed_ips=[{'subnet_id': sub.id, 'ip_address': mgmt_cidr.rsplit('.', 1)[0] + '.2'}])

# ---- Nova flavor (private: only Octavia, as admin of project service, boots it)
f = admin.compute.find_flavor(FLAVOR, ignore_missing=True)
ram, vcpus, disk = FLAVOR_SIZE
if f and (f.ram, f.vcpus, f.disk) != (ram, vcpus, disk):
    admin.compute.delete_flavor(f)
    f = None
if not f:
    f = admin.compute.create_flavor(name=FLAVOR, ram=ram, vcpus=vcpus, disk=disk, is_public=False)
    admin.compute.flavor_add_tenant_access(f, svc_p.id)

# ---- Glance: the amphora image, uploaded again when the cached build changed
octavia = connect('octavia', 'service')
build = os.path.basename(image_file)
imgs = list(octavia.image.images(owner=svc_p.id, tag=TAG))
current = [i for i in imgs if i.properties.get('berth_build') == build and i.status == 'active']
if not current:
    octavia.image.create_image(name=IMAGE, filename=image_file, disk_format='raw',
                               container_format='bare', visibility='private', tags=[TAG],
                               allow_duplicates=True,
                               properties={'os_distro': 'debian', 'os_version': '12',
                                           'berth_build': build})
for i in imgs:
    if i.properties.get('berth_build') != build or i.status != 'active':
        octavia.image.delete_image(i)

hm = net.get_port(hm.id)
print(f'SERVICE_PROJECT_ID={svc_p.id}')
print(f'MGMT_NET_ID={mgmt.id}')
print(f'MGMT_SG_ID={sg.id}')
print(f'AMP_FLAVOR_ID={f.id}')
print(f'HM_PORT_ID={hm.id}')
print(f'HM_PORT_MAC={hm.mac_address}')
print(f'HM_PORT_IP={hm.fixed_ips[0]["ip_address"]}')
