"""Registers a fake "Open vSwitch agent" for the compute host over neutron's real RPC
(report_state), once. ML2/openvswitch binds a port only to a host with a live L2 agent; without
one every boot fails with PortBindingFailed. neutron.conf's agent_down_time keeps it alive.
Usage: fake_ovs_agent.py NEUTRON_CONF HOST"""
import sys
import time

from oslo_config import cfg
from neutron_lib import context, rpc as n_rpc
from neutron_lib.agent import topics
from neutron_lib import constants as c
from neutron.agent import rpc as agent_rpc
from neutron.api.rpc.callbacks import resources
from neutron.common import config as common_config
from neutron.conf.agent import common as agent_config

common_config.register_common_config_options()
agent_config.register_agent_state_opts_helper(cfg.CONF)
cfg.CONF(['--config-file', sys.argv[1]], project='neutron')
n_rpc.init(cfg.CONF)
state = {'binary': 'neutron-openvswitch-agent', 'host': sys.argv[2], 'topic': c.L2_AGENT_TOPIC,
         'agent_type': c.AGENT_TYPE_OVS, 'start_flag': True,
         'resource_versions': resources.LOCAL_RESOURCE_VERSIONS,
         'configurations': {'bridge_mappings': {'physnet1': 'br-ex'}, 'tunnel_types': ['vxlan'],
                            'tunneling_ip': '127.0.0.1', 'l2_population': False,
                            'arp_responder_enabled': False, 'enable_distributed_routing': False,
                            'integration_bridge': 'br-int', 'datapath_type': 'system',
                            'ovs_hybrid_plug': False, 'extensions': [],
                            'ovs_capabilities': {'datapath_types': ['system'], 'iface_types': []},
                            'resource_provider_bandwidths': {}, 'resource_provider_hypervisors': {},
                            'resource_provider_inventory_defaults': {}}}
api = agent_rpc.PluginReportStateAPI(topics.REPORTS)
for _ in range(30):
    try:
        print('report_state ->', api.report_state(context.get_admin_context(), state, use_call=True))
        break
    except Exception as e:  # the server's RPC consumers may still be starting
        print('retry:', e)
        time.sleep(2)
else:
    sys.exit('could not report the fake OVS agent state')
