"""Takes Octavia's service (type load-balancer) and its endpoints out of the catalog, when the
sandbox runs without Octavia (BERTH_OSLAB_OCTAVIA unset): a catalog must not offer a service
nobody answers for, or every client that reads it (berth looks for load balancers) fails.
Idempotent; octavia.sh puts them back when Octavia is on."""
import os

import openstack

ip, pw, region = os.environ['SANDBOX_IP'], os.environ['SANDBOX_PW'], os.environ['SANDBOX_REGION']
idn = openstack.connect(auth_url=f'http://{ip}:5000/v3', username='admin', password=pw, project_name='admin',
                        user_domain_name='Default', project_domain_name='Default', region_name=region).identity
for s in [s for s in idn.services() if s.type == 'load-balancer']:
    for e in idn.endpoints(service_id=s.id):
        idn.delete_endpoint(e)
    idn.delete_service(s)
    print(f'removed service {s.name} ({s.type}) from the catalog')
