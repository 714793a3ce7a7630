#!/usr/bin/env bash
# sctplb end to end: spoofed handshakes against learnt state (no agent on the backends).
# The forwarder's association tables hold 1024 entries (--max-assocs).  Before the
# traffic, 11,000 spoofed INIT + COOKIE-ECHO pairs (ten times what filled such a table
# before unconfirmed associations were kept apart); then 12 real multihomed associations
# run while 11,000 more pairs arrive.  Every real association must come up, keep its
# backend, and lose nothing, in both topologies: direct server return (associations stay
# unconfirmed, competing only with each other in the LRU, until confirmed) and return through the
# forwarder (the backends' COOKIE-ACKs confirm them into the table no flood can touch);
# in direct return, their own traffic does (SCTPLB_CONFIRM_PACKETS), which a blind
# flood of pairs never sends.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=36412
PAIRS=11000
LB_OPTS="--max-assocs 1024"

stat_at_least() { [ "$(lb_stat "$1")" -ge "$2" ]; }

# flood NAME: PAIRS spoofed pairs from the client namespace toward the forwarder.
flood() {
	local mac
	mac=$(ip -n "$FWD_NS" -o link show "$FWD_CLI_IF_A" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	ip netns exec "$CLI_NS" python3 tests/e2e/tools/sctp_flood.py --ifname "$CLI_IF_A" \
		--dst-mac "$mac" --vip "$VIP_A4" --port $PORT --pairs $PAIRS --src4 198.51.100.128/25 \
		--seed "$2" >"$TOPO_DIR/$1.log" 2>&1 </dev/null
}

for ret in dsr fwd; do
	if ! lb_create --return $ret ||
		! sl service add s4 --vip "$VIP_A4,$VIP_B4" --port $PORT >/dev/null; then
		fail "${ret}_setup" "topology or sctplb failed"
		lb_destroy
		continue
	fi
	LB_VIPS_s4="$VIP_A4,$VIP_B4"
	if ! lb_backend_add s4 1 || ! lb_backend_add s4 2 || ! lb_backend_add s4 3 ||
		! lb_servers $PORT "$VIP_A4,$VIP_B4"; then
		fail "${ret}_setup" "backends or servers failed"
		lb_destroy
		continue
	fi
	flood before 1
	created=$(lb_stat assoc_created)
	if ! grep -q "pairs=$PAIRS" "$TOPO_DIR/before.log" || [ "$created" -lt 1024 ]; then
		fail "${ret}_flood" "the flood did not fill the table: $created stored; $(tail -c 200 "$TOPO_DIR/before.log")"
		lb_destroy
		continue
	fi
	echo "  $ret: $PAIRS spoofed pairs before the traffic: $created unconfirmed associations stored (table 1024)"
	if ! lb_traffic "${ret}_spoof" --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
		--port $PORT --lport-base 45000 --assocs 12 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
		fail "${ret}_spoof" "associations not up: $(tail -c 300 "$TOPO_DIR/${ret}_spoof.log")"
		lb_destroy
		continue
	fi
	# The flood during the traffic, once the real associations are confirmed: in direct
	# return by their 4th packet (their first ~150 ms; before that an LRU churned
	# faster than they send can lose them: README, limits), with the return path by
	# their backends' COOKIE-ACK.
	want=assoc_promoted
	[ $ret = fwd ] && want=assoc_confirmed
	wait_until "$TOPO_DEADLINE" stat_at_least $want 12
	echo "  $ret: $(lb_stat $want) associations confirmed ($want) before the second flood"
	flood during 2
	at_flood=$(lb_received "${ret}_spoof")
	lb_wait_echoes "${ret}_spoof" 40 "$at_flood" ||
		fail "${ret}_flows_after_flood" "not 40 more echoes each: $at_flood -> $(lb_received "${ret}_spoof")"
	lb_traffic_stop
	lb_check_assocs "${ret}_spoofed_flood_nothing_lost" "$TOPO_DIR/${ret}_spoof.log" s4 $PORT
	full=$(lb_stat assoc_table_full) confirmed=$(lb_stat assoc_confirmed)
	echo "  $ret: confirmed by the return path $confirmed, by traffic $(lb_stat assoc_promoted), table full $full times"
	if [ $ret = fwd ]; then
		[ "$confirmed" -ge 12 ] && pass fwd_real_associations_confirmed ||
			fail fwd_real_associations_confirmed "assoc_confirmed $confirmed, expected the 12 real ones"
	fi
	lb_destroy
done
exit $((E2E_FAILURES > 0))
