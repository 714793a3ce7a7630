#!/usr/bin/env bash
# sctplb end to end in full NAT mode (service add --nat --snat, tests/e2e/lib/nat.sh):
# backends that hold only their own addresses and have no route to the clients at all:
# they reach only the forwarder's addresses SNAT_A4 (path A) and SNAT_B4 (path B), which
# the client's packets and the addresses its INIT lists are given.  Their replies come
# back to those addresses and go on to the client (snat_flows: by tag and port).
#   fullnat_failover     6 multihomed associations, port mapped 36412 -> 36413, path A
#                        cut during the traffic: nothing lost, one backend each, no restart;
#   fullnat_backend_view the servers' peers are the forwarder's two addresses, never a
#                        client's;
#   fullnat_capture      the client's capture holds no backend address.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/nat.sh
source tests/e2e/lib/nat.sh
SNAT_A4=192.0.2.249 SNAT_B4=198.51.100.249 # outside every link of the topology
start=$(now_ms)

if ! nat_create || ! nat_full_routes "$SNAT_A4" "$SNAT_B4" || ! nat_capture_start ||
	! nat_service fullnat 36412 "$VIP_A4,$VIP_B4" --target-port 36413 --snat "$SNAT_A4,$SNAT_B4" ||
	! nat_servers 36413 "$VIP_A4,$VIP_B4"; then
	fail setup "topology, sctplb, capture or servers failed"
	exit 1
fi
sl service list | sed 's/^/  /'

LB_SERVER_PORT=36413 lb_failover fullnat_failover fullnat 36412 "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 46000

peers=$(grep -h '"comm_up"' "$TOPO_DIR"/be*-36413.log | grep -o '"peer_addrs":\[[^]]*\]' | sort | uniq -c)
echo "  fullnat_backend_view: the servers' peers:" $peers
if [ -n "$peers" ] && ! grep -v "\"peer_addrs\":\[\"$SNAT_A4\",\"$SNAT_B4\"\]" <<<"$peers" | grep -q peer_addrs; then
	pass fullnat_backend_view
else
	fail fullnat_backend_view "$peers"
fi
nat_capture_check fullnat_capture
echo "  sctplb: nat_snat $(lb_stat nat_snat) nat_snat_init $(lb_stat nat_snat_init)" \
	"nat_snat_back $(lb_stat nat_snat_back) nat_snat_unknown $(lb_stat nat_snat_unknown)" \
	"nat_snat_collision $(lb_stat nat_snat_collision) init_restart $(lb_stat init_restart)"
if [ "$(lb_stat nat_snat_back)" -gt 0 ] && [ "$(lb_stat init_restart)" -eq 0 ]; then
	pass fullnat_counters
else
	fail fullnat_counters "nat_snat_back $(lb_stat nat_snat_back), init_restart $(lb_stat init_restart)"
fi

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
