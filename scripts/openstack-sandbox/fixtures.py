"""What a real cloud would already have, idempotent: public flavors, a public image, an external
network "public" with a floating-IP subnet (TEST-NET-3: an API object only, never routed), and
for user demo a key pair "berth". Usage: fixtures.py IMAGE_FILE PUBLIC_KEY_FILE"""
import os
import sys
import openstack

ip, pw, region = os.environ['SANDBOX_IP'], os.environ['SANDBOX_PW'], os.environ['SANDBOX_REGION']


def connect(who):
    return openstack.connect(auth_url=f'http://{ip}:5000/v3', username=who, password=pw,
                             project_name=who, user_domain_name='Default',
                             project_domain_name='Default', region_name=region)


c = connect('admin')
for name, ram, vcpus, disk in (('m1.tiny', 512, 1, 1), ('m1.small', 2048, 1, 20),
                               ('m1.medium', 4096, 2, 40)):
    if not c.compute.find_flavor(name):
        c.compute.create_flavor(name=name, ram=ram, vcpus=vcpus, disk=disk, is_public=True)
net = c.network.find_network('public')
if not net:
    net = c.network.create_network(name='public', is_router_external=True, is_shared=False,
                                   provider_network_type='flat',
                                   provider_physical_network='physnet1')
if not c.network.find_subnet('public-subnet'):
    c.network.create_subnet(name='public-subnet', network_id=net.id, ip_version=4,
                            cidr='203.0.113.0/24', gateway_ip='203.0.113.1',
                            allocation_pools=[{'start': '203.0.113.10', 'end': '203.0.113.250'}],
                            is_dhcp_enabled=False)
img = c.image.find_image('debian-12')
if img is not None and img.status != 'active':   # a half-made upload from an interrupted run
    c.image.delete_image(img)
    img = None
if img is None:
    c.image.create_image(name='debian-12', filename=sys.argv[1], disk_format='raw',
                         container_format='bare', visibility='public', allow_duplicates=True,
                         properties={'os_distro': 'debian', 'os_version': '12'})
demo = connect('demo')
if not demo.compute.find_keypair('berth'):
    with open(sys.argv[2]) as f:
        demo.compute.create_keypair(name='berth', public_key=f.read().strip())
print('fixtures ok')
