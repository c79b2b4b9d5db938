# The host side of the sandbox's network (sourced by up.sh).
# - $EXT_BRIDGE: the bridge of the external network "public" (physnet1), with the host's address
#   $EXT_GW on it and NO uplink: the host reaches floating IPs and routers directly, the registry
#   listens there, and nothing on it is routed anywhere else.
# - $FW_CHAIN, jumped to first from FORWARD and from Docker's DOCKER-USER (which the Engine keeps
#   first in FORWARD when it restarts): drops anything forwarded between $EXT_BRIDGE and any other
#   interface, so a router's SNATed traffic can never leave by the host's uplink (or reach
#   docker0). Bridged traffic within $EXT_BRIDGE and the tenant bridges is left to Neutron's
#   security group chains.

# Bridged IPv4/IPv6 must pass iptables (Neutron's security groups on the tenant bridges).
sysctl -q -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 >/dev/null

if ! ip link show "$EXT_BRIDGE" >/dev/null 2>&1; then
  ip link add "$EXT_BRIDGE" type bridge || die "cannot create bridge $EXT_BRIDGE"
fi
# Only our address on it: an address of an earlier external CIDR would keep routing that range here.
for a in $(ip -4 -o addr show dev "$EXT_BRIDGE" | awk '{print $4}'); do [ "$a" = "$EXT_GW/24" ] || ip addr del "$a" dev "$EXT_BRIDGE"; done
ip addr replace "$EXT_GW/24" dev "$EXT_BRIDGE"
ip link set "$EXT_BRIDGE" up

fw_guard() {   # fw_guard iptables|ip6tables
  local t=$1 parent
  $t -w -N "$FW_CHAIN" 2>/dev/null || $t -w -F "$FW_CHAIN"
  $t -w -A "$FW_CHAIN" -i "$EXT_BRIDGE" ! -o "$EXT_BRIDGE" -j DROP
  $t -w -A "$FW_CHAIN" ! -i "$EXT_BRIDGE" -o "$EXT_BRIDGE" -j DROP
  for parent in FORWARD DOCKER-USER; do
    $t -w -n -L "$parent" >/dev/null 2>&1 || continue
    $t -w -C "$parent" -j "$FW_CHAIN" 2>/dev/null || $t -w -I "$parent" 1 -j "$FW_CHAIN"
  done
}
fw_guard iptables
fw_guard ip6tables
log "network: bridge $EXT_BRIDGE ($EXT_GW/24, no uplink), forwarding off it dropped ($FW_CHAIN)"
