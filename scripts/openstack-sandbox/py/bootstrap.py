"""Keystone content of the sandbox, idempotent: projects service and demo, the service users,
user demo (member + reader of demo), and the catalog (compute, network, image, placement, and
block storage as both block-storage and volumev3, as devstack registers it).
Run with Debian's /usr/bin/python3; settings come from the environment (see up.sh)."""
import os
import openstack

ip, pw, region = os.environ['SANDBOX_IP'], os.environ['SANDBOX_PW'], os.environ['SANDBOX_REGION']
c = openstack.connect(auth_url=f'http://{ip}:5000/v3', username='admin', password=pw,
                      project_name='admin', user_domain_name='Default',
                      project_domain_name='Default', region_name=region)
idn = c.identity


def project(name, desc):
    return (idn.find_project(name, domain_id='default')
            or idn.create_project(name=name, description=desc, domain_id='default'))


def user(name, proj):
    u = idn.find_user(name, domain_id='default')
    if u is None:
        return idn.create_user(name=name, password=pw, default_project_id=proj.id, domain_id='default')
    idn.update_user(u, password=pw)   # the password may have changed between runs
    return u


def role(name):
    return idn.find_role(name) or idn.create_role(name=name)


def grant(p, u, r):
    if not idn.validate_user_has_project_role(p, u, r):
        idn.assign_project_role_to_user(p, u, r)


svc_p, demo_p = project('service', 'Service project'), project('demo', 'Demo project')
admin_r, member_r, reader_r, service_r = role('admin'), role('member'), role('reader'), role('service')
for name in ('nova', 'neutron', 'glance', 'placement', 'cinder'):
    u = user(name, svc_p)
    grant(svc_p, u, admin_r)
    # Cinder takes an attachment delete of an in-use volume only from a service token with this
    # role (OSSA-2023-003): without it Nova cannot detach a volume when it deletes a server.
    grant(svc_p, u, service_r)
demo_u = user('demo', demo_p)
grant(demo_p, demo_u, member_r)
grant(demo_p, demo_u, reader_r)
admin_u = idn.find_user('admin', domain_id='default')
grant(demo_p, admin_u, admin_r)
# admin may also take a domain-scoped token on Default (tests of domain scoping use it)
dflt = idn.get_domain('default')
if not idn.validate_user_has_domain_role(dflt, admin_u, admin_r):
    idn.assign_domain_role_to_user(dflt, admin_u, admin_r)
services = [('nova', 'compute', f'http://{ip}:8774/v2.1'),
            ('neutron', 'network', f'http://{ip}:9696'),
            ('glance', 'image', f'http://{ip}:9292'),
            ('placement', 'placement', f'http://{ip}:8778'),
            # Keystone puts the token's project id in for %(project_id)s
            ('cinder', 'block-storage', f'http://{ip}:8776/v3/%(project_id)s'),
            ('cinderv3', 'volumev3', f'http://{ip}:8776/v3/%(project_id)s')]
for name, typ, url in services:
    s = (next((s for s in idn.services() if s.type == typ), None)
         or idn.create_service(name=name, type=typ, description=f'{name} ({typ})'))
    have = {e.interface for e in idn.endpoints(service_id=s.id)}
    for iface in ('public', 'internal', 'admin'):
        if iface not in have:
            idn.create_endpoint(service_id=s.id, interface=iface, url=url, region_id=region)
print('keystone bootstrap ok')
