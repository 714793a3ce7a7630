#!/usr/bin/env bash
# sctplb end to end in NAT mode (service add --nat, tests/e2e/lib/nat.sh): backends
# that hold only their own addresses, two interfaces each, and reply through the
# forwarder, where the return program gives their packets the VIPs back.
#   nat_map4     IPv4 on both paths, port mapped 36412 -> 36413 (targetPort): 6
#                multihomed associations, each on one backend, nothing lost; path A
#                cut during the traffic: they go on over path B, no re-INIT;
#   nat_mixed    path A IPv4, path B IPv6, the same port: failover as above;
#   nat_v6       IPv6 on both paths, port mapped 5003 -> 5013: one association;
#   nat_capture  a capture on the client's two interfaces holds no backend address,
#                in any header or INIT-ACK parameter, and the VIPs answered;
#   nat_replay   `sctplb replay` of that capture shows the packets as they leave.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/nat.sh
source tests/e2e/lib/nat.sh
start=$(now_ms)

if ! nat_create || ! nat_capture_start ||
	! nat_service natmap4 36412 "$VIP_A4,$VIP_B4" --target-port 36413 ||
	! nat_servers 36413 "$VIP_A4,$VIP_B4" ||
	! nat_service natmixed 5002 "$VIP_A4,$VIP_B6" || ! nat_servers 5002 "$VIP_A4,$VIP_B6" ||
	! nat_service natv6 5003 "$VIP_A6,$VIP_B6" --target-port 5013 ||
	! nat_servers 5013 "$VIP_A6,$VIP_B6"; then
	fail setup "topology, sctplb, capture or servers failed"
	exit 1
fi
sl service list | sed 's/^/  /'

LB_SERVER_PORT=36413 lb_failover nat_map4 natmap4 36412 "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 43000
lb_failover nat_mixed natmixed 5002 "$CLI_A4,$CLI_B6" "$VIP_A4,$VIP_B6" 44000

if lb_traffic nat_v6 --local "$CLI_A6,$CLI_B6" --remote "$VIP_A6,$VIP_B6" --port 5003 \
	--lport-base 45000 --assocs 1 --rate 20 --duration 2; then
	wait "$LB_TRAFFIC_PID"
	lb_check_assocs nat_v6 "$TOPO_DIR/nat_v6.log" natv6 5013
else
	fail nat_v6 "association not up: $(tail -c 300 "$TOPO_DIR/nat_v6.log")"
fi
# The server saw the client's own addresses (the forwarder is their gateway), and the
# client's peer addresses are the VIPs only.
if grep -q "\"peer_addrs\":\[\"$CLI_A6\",\"$CLI_B6\"\]" "$TOPO_DIR"/be*-5013.log; then
	pass nat_v6_server_sees_client
else
	fail nat_v6_server_sees_client "$(grep -h comm_up "$TOPO_DIR"/be*-5013.log)"
fi

nat_capture_check nat_capture
# Replay of the client's capture: each client packet to VIP A leaves for a backend's own
# address on path A, the port mapped for natmap4 (the translation replay shows).
out=$(sl replay "$TOPO_DIR/client-$CLI_IF_A.pcap" 2>&1)
leaves=$(grep -o "leaves=$CLI_A4:[0-9]*>[0-9.]*:36413" <<<"$out" | sed 's/.*>//' | sort | uniq -c)
echo "  nat_replay: client packets of natmap4 on path A leave for:" $leaves
if grep -q "$BE1_A4:36413\|$BE2_A4:36413\|$BE3_A4:36413" <<<"$leaves" &&
	! grep -q "leaves=.*>$VIP_A4" <<<"$out"; then
	pass nat_replay
else
	fail nat_replay "$(head -c 400 <<<"$out")"
fi
restarts=$(lb_stat init_restart) translated=$(lb_stat nat_to_client) vips=$(lb_stat nat_addr_vip)
hidden=$(lb_stat nat_addr_hidden)
echo "  sctplb: nat_to_backend $(lb_stat nat_to_backend) nat_to_client $translated" \
	"nat_port $(lb_stat nat_port) nat_addr_vip $vips nat_addr_hidden $hidden init $(lb_stat init)" \
	"init_restart $restarts"
if [ "$restarts" -eq 0 ] && [ "$translated" -gt 0 ] && [ "$vips" -ge 26 ]; then
	pass nat_counters
else
	fail nat_counters "init_restart $restarts (want 0), nat_to_client $translated, nat_addr_vip $vips (want >= 26: 13 INIT-ACKs of 2 addresses)"
fi

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
