# What the sandbox's dataplane leaves on the host, found and removed (sourced by down.sh and
# status.sh). All of it is the sandbox's own: its libvirtd's domains, the namespaces, devices and
# netfilter chains Neutron's agents make (qrouter-/qdhcp-, brq*/vxlan-*/tap*, neutron-*), its
# bridge and guard chain, and mounts and loop devices under $OSLAB.
NS_RE='^(qrouter|qdhcp|fip|snat)-[0-9a-f-]{36}$'
LINK_RE="^(brq[0-9a-f]{8}-[0-9a-f]{2}|vxlan-[0-9]+|tap[0-9a-f]{8}-[0-9a-f]{2}|$EXT_BRIDGE)\$"
CHAIN_RE="^(neutron-|$FW_CHAIN\$)"

sbx_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$NS_RE" || true; }
sbx_links() { ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep -E "$LINK_RE" || true; }
sbx_mounts() { awk -v p="$OSLAB/" 'index($2, p) == 1 || $2 == substr(p, 1, length(p) - 1) {print $2}' /proc/self/mounts | sort -r; }
sbx_loops() { losetup -n -l -O NAME,BACK-FILE 2>/dev/null | awk -v p="$OSLAB/" 'index($2, p) == 1 {print $1}'; }
sbx_domains() {   # the live LXC controllers of our libvirtd's domains, from their pid files
  local f pid
  for f in /run/libvirt/lxc/instance-*.pid; do
    pid=$(cat "$f" 2>/dev/null) || continue
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/lib/libvirt/libvirt_lxc ] && basename "$f" .pid
  done
  return 0
}
# Loop devices Nova leaves behind when a server is deleted while it is still spawning: their
# backing file is gone (deleted with the instance's directory), so nothing can use them.
sbx_leaked_loops() { losetup -n -l -O NAME,BACK-FILE 2>/dev/null | awk -v p="$OSLAB/" 'index($2, p) == 1 && / \(deleted\)$/ {print $1}'; }
# "TOOL TABLE CHAIN" for every chain of ours in iptables/ip6tables/ebtables
sbx_chains() {
  local t table
  for t in iptables ip6tables; do
    for table in filter nat mangle raw; do
      $t-save -t $table 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p' | grep -E "$CHAIN_RE" | sed "s/^/$t $table /"
    done
  done
  for table in filter nat; do
    ebtables -t $table -L 2>/dev/null | sed -n 's/^Bridge chain: \([^,]*\),.*/\1/p' | grep -E '^neutron' | sed "s/^/ebtables $table /"
  done
  return 0
}

# Prints one line per thing of ours still on the host; nothing when it is clean.
sbx_leftovers() {
  local x
  for x in $(sbx_domains); do echo "domain $x"; done
  for x in $(sbx_namespaces); do echo "namespace $x"; done
  for x in $(sbx_links); do echo "link $x"; done
  sbx_chains | sed 's/^/chain /'
  for x in $(sbx_mounts); do echo "mount $x"; done
  for x in $(sbx_loops); do echo "loop $x"; done
}

sbx_clean_netfilter() {
  local t table rules chains
  for t in iptables ip6tables; do
    for table in filter nat mangle raw; do
      chains=$($t-save -t $table 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p' | grep -E "$CHAIN_RE") || continue
      # the jumps into our chains from the others, then our chains (flushed first: they jump
      # to each other)
      rules=$($t-save -t $table | grep -E "^-A " | grep -vE "^-A ($(echo $chains | tr ' ' '|')) " \
        | grep -E " -j ($(echo $chains | tr ' ' '|'))( |\$)" | sed 's/^-A /-D /')
      { echo "*$table"; [ -n "$rules" ] && echo "$rules"
        for c in $chains; do echo "-F $c"; done
        for c in $chains; do echo "-X $c"; done
        echo COMMIT; } | $t-restore -w --noflush || echo "down: could not remove $t $table chains" >&2
    done
  done
  sbx_clean_ebtables
}

sbx_clean_ebtables() {
  local table chains c chain rule
  for table in filter nat; do
    chains=$(ebtables -t $table -L 2>/dev/null | sed -n 's/^Bridge chain: \([^,]*\),.*/\1/p' | grep -E '^neutron') || continue
    # the jumps into neutron's chains from the built-in ones ("CHAIN RULE"; rules hold no quotes)
    ebtables -t $table -L 2>/dev/null | awk '/^Bridge chain: / {c = $3; sub(/,$/, "", c); next}
      c !~ /^neutron/ && / -j neutron/ {print c, $0}' | while read -r chain rule; do
      # shellcheck disable=SC2086
      ebtables -t $table -D "$chain" $rule || true
    done
    for c in $chains; do ebtables -t $table -F "$c"; done
    for c in $chains; do ebtables -t $table -X "$c"; done
  done
}

sbx_clean_dataplane() {
  local ns pids i x
  for ns in $(sbx_namespaces); do   # dnsmasq, haproxy, keepalived: daemons in their own sessions
    pids=$(ip netns pids "$ns")
    [ -n "$pids" ] && kill $pids 2>/dev/null
    for ((i = 0; i < 20; i++)); do [ -z "$(ip netns pids "$ns")" ] && break; sleep 0.25; done
    pids=$(ip netns pids "$ns"); [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    ip netns delete "$ns"
  done
  for x in $(sbx_links); do ip link delete "$x" 2>/dev/null || true; done
  sbx_clean_netfilter
  for x in $(sbx_mounts); do umount "$x" 2>/dev/null || umount -l "$x"; done
  for x in $(sbx_loops); do losetup -d "$x" 2>/dev/null || true; done
  # what libvirt keeps per domain under /run (its devpts/fuse mount points, sockets, state)
  rm -rf /run/libvirt/lxc/instance-*
}
