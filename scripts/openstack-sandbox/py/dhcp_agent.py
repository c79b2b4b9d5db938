"""neutron-dhcp-agent with one fix: Zed's DHCPResourceUpdate.__lt__ reads resource['fixed_ips']
of both queued port updates, but a port_delete_end update carries no fixed_ips: when deletes and
other port updates queue together (servers and ports deleted in bulk) the notification fails
with KeyError: 'fixed_ips' and dnsmasq keeps the deleted port's host entry until the next full
resync. Compare the addresses only when both updates have them. Usage: as neutron-dhcp-agent."""
import sys

from neutron.cmd.eventlet.agents.dhcp import main  # first: it monkey-patches eventlet
from neutron.agent.common import resource_processing_queue as queue  # noqa: E402
from neutron.agent.dhcp import agent  # noqa: E402


def _ips(update):
    return {str(ip['ip_address']) for ip in (update.resource or {}).get('fixed_ips', [])}


def _lt(self, other):
    if other.obj_type == self.obj_type == 'port' and _ips(self) & _ips(other):
        return self.timestamp < other.timestamp
    return queue.ResourceUpdate.__lt__(self, other)


agent.DHCPResourceUpdate.__lt__ = _lt

if __name__ == '__main__':
    sys.argv[0] = 'neutron-dhcp-agent'
    sys.exit(main())
