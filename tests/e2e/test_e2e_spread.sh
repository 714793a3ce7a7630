#!/usr/bin/env bash
# sctplb end to end, raw SCTP over IPv4 on two paths, in both return variants (through
# the forwarder, where the tc return program learns the INIT-ACKs, and direct server
# return, where sctplb learns the server's tag from the COOKIE-ECHO):
#   spread    90 associations of one client over three backends, each pinned to one;
#   failover  path A cut during traffic: every association goes on over path B, on
#             its backend, nothing lost; sctplb's per-path counters before/after.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

for ret in fwd dsr; do
	t0=$(now_ms)
	if ! lb_create --return $ret || ! lb_service s4 $PORT "$VIP_A4,$VIP_B4" || ! lb_servers $PORT "$VIP_A4,$VIP_B4"; then
		fail "${ret}_setup" "topology, sctplb or servers failed"
		lb_destroy
		continue
	fi
	if lb_traffic "${ret}_spread" --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
		--port $PORT --lport-base 41000 --assocs 90 --rate 10 --duration 3; then
		wait "$LB_TRAFFIC_PID"
		lb_check_assocs "${ret}_spread" "$TOPO_DIR/${ret}_spread.log" s4 $PORT 0.5
	else
		fail "${ret}_spread" "associations not up: $(tail -c 300 "$TOPO_DIR/${ret}_spread.log")"
	fi
	lb_failover "${ret}_failover" s4 $PORT "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 42000
	echo "  sctplb stats ($ret): $(lb_json stats | python3 -c '
import json,sys; print(" ".join("%s=%d" % (s["name"], s["value"]) for s in json.load(sys.stdin) if s["value"]))')"
	ids=$TOPO_ID pin=$LB_PIN
	lb_destroy
	lb_no_leftovers "$ids" "$pin"
	echo "  $ret variant: $(($(now_ms) - t0)) ms"
done
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
