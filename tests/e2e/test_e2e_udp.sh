#!/usr/bin/env bash
# sctplb end to end with SCTP over UDP (RFC 6951): a service with --udp-encap 9899,
# servers and client encapsulating.  The same checks as test_e2e_spread.sh (spread of
# 90 associations, path A failover) in both return variants, and sctplb's UDP_ENCAP
# counter.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

for ret in fwd dsr; do
	t0=$(now_ms)
	if ! lb_create --return $ret || ! lb_service s4u $PORT "$VIP_A4,$VIP_B4" --udp-encap "$TOPO_ENCAP_PORT" ||
		! lb_servers $PORT "$VIP_A4,$VIP_B4" --udp-encap; then
		fail "${ret}_udp_setup" "topology, sctplb or servers failed"
		lb_destroy
		continue
	fi
	if lb_traffic "${ret}_udp_spread" --udp-encap --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
		--port $PORT --lport-base 41000 --assocs 90 --rate 10 --duration 3; then
		wait "$LB_TRAFFIC_PID"
		lb_check_assocs "${ret}_udp_spread" "$TOPO_DIR/${ret}_udp_spread.log" s4u $PORT 0.5
	else
		fail "${ret}_udp_spread" "associations not up: $(tail -c 300 "$TOPO_DIR/${ret}_udp_spread.log")"
	fi
	lb_failover "${ret}_udp_failover" s4u $PORT "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 42000 --udp-encap
	n=$(lb_stat udp_encap)
	if [ "$n" -gt 0 ]; then pass "${ret}_udp_encap_counted"; else fail "${ret}_udp_encap_counted" "udp_encap=$n"; fi
	echo "  ${ret}: udp_encap=$n fwd=$(lb_stat fwd) pass_not_service=$(lb_stat pass_not_service)"
	ids=$TOPO_ID pin=$LB_PIN
	lb_destroy
	lb_no_leftovers "$ids" "$pin"
	echo "  $ret variant: $(($(now_ms) - t0)) ms"
done
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
