#!/usr/bin/env bash
# A Linux kernel SCTP backend (a VM running Debian's kernel) holding the VIPs, behind
# sctplb, with usrsctp clients; path A cut during the traffic.
#
# Topology: tests/e2e/lib/topo.sh with direct server return (--return dsr); the VM sits
# behind backend 1's namespace (vm_backend in tests/vm/lib.sh), holds both VIPs on lo, as
# a Linux DSR backend does, and routes the client subnets back with `src VIP` of each
# path.  Service diam has that one backend, be1.
#
# The VM runs tests/vm/ksctp-peer server (echoes prefixed "n=be1 ", comm_up lines in the
# console, which is be1's server log for lb_check_assocs).  The client is sctp-peer
# traffic in CLI_NS: lb_failover (6 associations, 50 msg/s each for 4 s, path A cut 1 s
# in): linux_backend (every association up, nothing lost, one backend each, the Linux
# server saw each come up), _same_backend, _detected, _path_b_carries, _exit.
# Then linux_backend_path_sources: every SCTP packet the VM sent on its path-A NIC came
# from VIP A, on its path-B NIC from VIP B (tcpdump on the TAPs); linux_backend_sources:
# the Linux server learnt both client addresses for each association.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

PORT=3868

start=$(now_ms)
vm_build || { fail linux_vm_build "kernel and initramfs could not be built (see above)"; exit 1; }
lb_create --return dsr || { fail linux_backend_setup "topology or attach"; exit 1; }
sl service add diam --vip "$VIP_A4,$VIP_B4" --port $PORT >/dev/null &&
	LB_VIPS_diam="$VIP_A4,$VIP_B4" && lb_backend_add diam 1 ||
	{ fail linux_backend_setup "service"; exit 1; }

vm_backend be1 --console "$TOPO_DIR/be1-$PORT.log" \
	-- "ksctp-peer server --name be1 --local $VIP_A4,$VIP_B4 --port $PORT" ||
	{ fail linux_backend_setup "VM did not start"; exit 1; }
if ! vm_wait_log be1 '"event":"listening"' 90; then
	fail linux_backend_setup "the Linux server did not start: $(vm_output be1 | tail -5)"
	exit 1
fi

# What leaves the VM on each path, for the source-address check below.
for t in tapa tapb; do
	topo_capture "$BE1_NS" "$t" "$TOPO_DIR/$t.pcap" -Q in sctp ||
		fail linux_backend_setup "tcpdump on $t"
done

lb_failover linux_backend diam $PORT "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 42000

topo_stop_bg
# Every SCTP packet the VM sent on path A's NIC came from VIP A, on path B's from VIP B.
src_check() {
	local t=$1 vip=$2 all good
	all=$(tcpdump -r "$TOPO_DIR/$t.pcap" -nn 2>/dev/null | grep -c ' IP ')
	good=$(tcpdump -r "$TOPO_DIR/$t.pcap" -nn "src host $vip" 2>/dev/null | grep -c ' IP ')
	echo "$t: $good of $all packets from $vip"
	[ "$all" -gt 0 ] && [ "$all" -eq "$good" ]
}
if a=$(src_check tapa "$VIP_A4") && b=$(src_check tapb "$VIP_B4"); then
	pass linux_backend_path_sources
else
	fail linux_backend_path_sources "$a; $b"
fi
echo "  linux_backend_path_sources: $a; $b"

out=$(tr -d '\r' <"$TOPO_DIR/be1-$PORT.log" | python3 -c '
import json, sys
want = sorted(sys.argv[1:3])
ups = []
for line in sys.stdin:
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("event") == "comm_up":
        ups.append(sorted(j.get("peer_addrs", [])))
bad = [u for u in ups if u != want]
print("%d associations seen by the Linux server, peer addresses %s" % (len(ups), ups[0] if ups else "none"))
sys.exit(1 if bad or not ups else 0)' "$CLI_A4" "$CLI_B4")
if [ $? -eq 0 ]; then pass linux_backend_sources; else fail linux_backend_sources "$out"; fi
echo "  linux_backend_sources: $out"

ids=$TOPO_ID pin=$LB_PIN
vm_destroy_all
lb_destroy
lb_no_leftovers "$ids" "$pin"
if ip netns list | grep -q "^slbvm-$$-"; then fail linux_backend_vm_gone "VM namespaces left"; fi
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
