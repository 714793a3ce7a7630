#!/usr/bin/env bash
# A Linux kernel SCTP backend (a VM running Debian's kernel) of a NAT service (docs/nat.md),
# holding only its own two addresses, behind sctplb, with usrsctp clients; path A cut during
# the traffic.
#
# Topology: tests/e2e/lib/nat.sh (topo.sh with --return fwd, `attach b<n><p> --return` in
# FWD_NS); the VM sits behind backend 1's namespace (vm_backend_nat in tests/vm/lib.sh) with
# 192.0.2.66 on eth0 (path A) and 198.51.100.66 on eth1 (path B), no VIP, and routes the
# client subnets back over the NIC of each path; its replies cross FWD_NS's b1a/b1b, where
# the return program gives them the VIPs and the service port back (INIT-ACK addresses
# included).  Service linat: VIPs A and B, port 38412 mapped to 38413 (--nat --target-port),
# its one backend be1 at the VM's two addresses.
#
# The VM runs tests/vm/ksctp-peer server on 38413 bound to its own two addresses (echoes
# prefixed "n=be1 ", comm_up lines in the console, be1's server log for lb_check_assocs).
# The client is sctp-peer traffic in CLI_NS to both VIPs on 38412: lb_failover (6
# associations, 50 msg/s each, path A cut once each has 25 echoes): linux_nat (every
# association up, nothing lost, one backend each, the Linux server saw each come up),
# _same_backend, _detected, _path_b_carries, _exit.  Then:
#   linux_nat_capture          a capture on the client's two interfaces holds neither of
#                              the VM's addresses (nor any namespace backend's) anywhere,
#                              headers or INIT-ACK parameters, the State Cookie (the
#                              backend's opaque data) left out, and the VIPs answered
#                              (nat_capture_check of tests/e2e/lib/nat.sh);
#   linux_nat_server_sees_client  the Linux server saw exactly 6 associations come up, each
#                              with the clients' real addresses as its peer addresses (NAT
#                              mode rewrites the backend's side only), and no restart;
#   linux_nat_counters         no re-INIT (init_restart 0), the Linux INIT-ACKs' addresses
#                              became VIPs (nat_addr_vip >= 2 per association), none had to
#                              be hidden, and the port was mapped.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/nat.sh
source tests/e2e/lib/nat.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

PORT=38412 TPORT=38413 ASSOCS=6

start=$(now_ms)
vm_build || { fail linux_vm_build "kernel and initramfs could not be built (see above)"; exit 1; }
nat_create || { fail linux_nat_setup "topology or attach"; exit 1; }
sl service add linat --vip "$VIP_A4,$VIP_B4" --port $PORT --nat --target-port $TPORT >/dev/null &&
	sl backend add linat be1 --addr "$VM_BE_A4,$VM_BE_B4" >/dev/null ||
	{ fail linux_nat_setup "service"; exit 1; }

vm_backend_nat be1 --console "$TOPO_DIR/be1-$TPORT.log" \
	-- "ksctp-peer server --name be1 --local $VM_BE_A4,$VM_BE_B4 --port $TPORT" ||
	{ fail linux_nat_setup "VM did not start"; exit 1; }
if ! vm_wait_log be1 '"event":"listening"' 90; then
	fail linux_nat_setup "the Linux server did not start: $(vm_output be1 | tail -5)"
	exit 1
fi
nat_capture_start || { fail linux_nat_setup "tcpdump at the client"; exit 1; }

LB_SERVER_PORT=$TPORT lb_failover linux_nat linat $PORT "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 42000

# The VM's addresses are what must not reach the client: checked in the place of backend
# 2's (its namespace is unused here; backend 1's and 3's are still checked).
BE2_A4=$VM_BE_A4 BE2_B4=$VM_BE_B4 nat_capture_check linux_nat_capture

if out=$(vm_server_peers "$TOPO_DIR/be1-$TPORT.log" $ASSOCS "$CLI_A4" "$CLI_B4"); then
	pass linux_nat_server_sees_client
else
	fail linux_nat_server_sees_client "$out"
fi
echo "  linux_nat_server_sees_client: $out"

restarts=$(lb_stat init_restart) vips=$(lb_stat nat_addr_vip) hidden=$(lb_stat nat_addr_hidden)
ports=$(lb_stat nat_port) back=$(lb_stat nat_to_client)
echo "  sctplb: init $(lb_stat init) init_restart $restarts nat_to_backend $(lb_stat nat_to_backend)" \
	"nat_to_client $back nat_port $ports nat_addr_vip $vips nat_addr_hidden $hidden"
if [ "$restarts" -eq 0 ] && [ "$vips" -ge $((2 * ASSOCS)) ] && [ "$hidden" -eq 0 ] &&
	[ "$back" -gt 0 ] && [ "$ports" -gt 0 ]; then
	pass linux_nat_counters
else
	fail linux_nat_counters "init_restart $restarts (want 0), nat_addr_vip $vips (want >= $((2 * ASSOCS))), nat_addr_hidden $hidden (want 0), nat_to_client $back, nat_port $ports"
fi

ids=$TOPO_ID pin=$LB_PIN
if [ "$E2E_FAILURES" -gt 0 ] && [ -n "${LINUX_NAT_KEEP:-}" ]; then
	mkdir -p "$LINUX_NAT_KEEP" && cp "$TOPO_DIR"/*.pcap "$TOPO_DIR"/*.log "$LINUX_NAT_KEEP"/ 2>/dev/null
fi
vm_destroy_all
lb_destroy
lb_no_leftovers "$ids" "$pin"
if ip netns list | grep -q "^slbvm-$$-"; then fail linux_nat_vm_gone "VM namespaces left"; fi
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
