"""neutron-linuxbridge-agent with one fix for ebtables-nft (Debian 12's default ebtables).

Deleting an ebtables rule that uses --among-src fails under ebtables-nft ("RULE_DELETE failed
(Invalid argument)"). The agent deletes such rules whenever it re-installs the MAC-spoofing rules
of an existing tap (agent restart, port update); the failure sends it into a resync loop that
never ends, and ports plugged after that get no security group filtering at all. Instead of
deleting the among rules one by one, flush the tap's own chain and put back its final DROP: the
agent then appends the current rules as usual. (ebtables-legacy is no way out: this kernel has
no legacy ebtables nat table.) Usage: as neutron-linuxbridge-agent, same arguments."""
import sys

from neutron.cmd.eventlet.plugins.linuxbridge_neutron_agent import main
from neutron.plugins.ml2.drivers.linuxbridge.agent import arp_protect


def _delete_vif_mac_rules(vif, current_rules):
    if any('-i %s' % vif in rule and '--among-src' in rule for rule in current_rules):
        chain = arp_protect._mac_chain_name(vif)
        arp_protect.ebtables(['-F', chain])
        arp_protect.ebtables(['-A', chain, '-j', 'DROP'])


arp_protect._delete_vif_mac_rules = _delete_vif_mac_rules

if __name__ == '__main__':
    sys.argv[0] = 'neutron-linuxbridge-agent'
    sys.exit(main())
