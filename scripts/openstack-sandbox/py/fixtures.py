"""What a real cloud would already have, idempotent: public flavors sized for the board, the
public guest image debian-12-docker, an external network "public" with a floating-IP subnet
(TEST-NET-3, on the sandbox's own bridge), the volume type "local" (the default; Cinder's only
backend, py/berth_loop.py), and for user demo a key pair "berth" and volume quotas.
Usage: fixtures.py IMAGE_FILE PUBLIC_KEY_FILE"""
import os
import sys
import openstack

ip, pw, region = os.environ['SANDBOX_IP'], os.environ['SANDBOX_PW'], os.environ['SANDBOX_REGION']
ext_cidr = os.environ['SANDBOX_EXT_CIDR']            # a /24
ext_prefix = ext_cidr.rsplit('.', 1)[0]
image_file, pubkey_file = sys.argv[1], sys.argv[2]
IMAGE = 'debian-12-docker'
# RAM in MiB, disk in GB. Each boot copies the image (~1.2 GB) and grows its filesystem to the
# flavor's disk: the disk holds the system plus the board's pulled images, no more.
FLAVORS = {'m1.tiny': (512, 1, 4), 'm1.small': (1024, 1, 8), 'm1.medium': (2048, 2, 12)}


def connect(who):
    return openstack.connect(auth_url=f'http://{ip}:5000/v3', username=who, password=pw,
                             project_name=who, user_domain_name='Default',
                             project_domain_name='Default', region_name=region)


def flavors(c):
    """Flavors are immutable: one of another size (an older sandbox's) is made anew."""
    for name, (ram, vcpus, disk) in FLAVORS.items():
        f = c.compute.find_flavor(name)
        if f and (f.ram, f.vcpus, f.disk) == (ram, vcpus, disk):
            continue
        if f:
            c.compute.delete_flavor(f)
        c.compute.create_flavor(name=name, ram=ram, vcpus=vcpus, disk=disk, is_public=True)


def image(c):
    """The guest image, uploaded again when the cached build changed; the fake-driver sandbox's
    placeholder "debian-12" (1 MiB of zeros, unbootable) goes."""
    build = os.path.basename(image_file)
    same = [i for i in c.image.images(name=IMAGE)]
    if not any(i.status == 'active' and i.properties.get('berth_build') == build for i in same):
        c.image.create_image(name=IMAGE, filename=image_file, disk_format='raw',
                             container_format='bare', visibility='public', allow_duplicates=True,
                             properties={'os_distro': 'debian', 'os_version': '12',
                                         'os_type': 'linux', 'berth_build': build})
    for i in list(c.image.images(name=IMAGE)) + list(c.image.images(name='debian-12')):
        if i.name == 'debian-12' or i.properties.get('berth_build') != build or i.status != 'active':
            c.image.delete_image(i)


def public_network(c):
    net = c.network.find_network('public')
    if not net:
        net = c.network.create_network(name='public', is_router_external=True, is_shared=False,
                                       provider_network_type='flat',
                                       provider_physical_network='physnet1')
    sub = c.network.find_subnet('public-subnet')
    if sub and sub.cidr != ext_cidr:
        # Made for another external range: free its addresses, then make it anew.
        for fip in c.network.ips(floating_network_id=net.id):
            c.network.delete_ip(fip)
        for r in c.network.routers():
            if (r.external_gateway_info or {}).get('network_id') == net.id:
                c.network.update_router(r, external_gateway_info={})
        c.network.delete_subnet(sub)
        sub = None
    if not sub:
        c.network.create_subnet(name='public-subnet', network_id=net.id, ip_version=4,
                                cidr=ext_cidr, gateway_ip=ext_prefix + '.1',
                                allocation_pools=[{'start': ext_prefix + '.10', 'end': ext_prefix + '.250'}],
                                is_dhcp_enabled=False)


# Volumes are sparse files under the sandbox's state: room for a few boards' databases.
VOLUME_QUOTAS = {'volumes': 20, 'gigabytes': 100}


def volume_type(c):
    if not c.block_storage.find_type('local'):
        c.block_storage.create_type(name='local', description='files on loop devices (sandbox)',
                                        extra_specs={'volume_backend_name': 'local'})


# Neutron's default of 10 security groups a project is too few for the parallel test runs that
# share user demo (each deployment makes three).
NETWORK_QUOTAS = {'security_groups': 50, 'security_group_rules': 500}


def network_quotas(c, project):
    c.network.update_quota(project.id, **NETWORK_QUOTAS)


def volume_quotas(c, project):
    c.block_storage.put(f'/os-quota-sets/{project.id}', json={'quota_set': VOLUME_QUOTAS}).raise_for_status()


admin = connect('admin')
flavors(admin)
image(admin)
public_network(admin)
volume_type(admin)
demo_project = admin.identity.find_project('demo', domain_id='default')
volume_quotas(admin, demo_project)
network_quotas(admin, demo_project)
demo = connect('demo')
if not demo.compute.find_keypair('berth'):
    with open(pubkey_file) as f:
        demo.compute.create_keypair(name='berth', public_key=f.read().strip())
print('fixtures ok')
