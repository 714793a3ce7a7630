#!/usr/bin/env bash
# sctplb end to end: `sctplb backend drain` during traffic.  12 associations run; once
# each has 10 echoes, the backend that holds most of them is drained; then 12 new
# associations start (40 messages each).  The drained backend gets none of the new ones
# and keeps every one of its own, which go on (20 more echoes each after the drain)
# until the test stops them: nothing lost.  Return through the forwarder.
# The first client encapsulates in UDP and the second sends raw SCTP, so that the
# second usrsctp process, while it starts, cannot see (and ABORT) the first one's
# packets (usrsctp pitfall 7 in tools/sctp-peer/README.md); the service takes both.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

if ! lb_create --return fwd || ! lb_service s4 $PORT "$VIP_A4,$VIP_B4" --udp-encap "$TOPO_ENCAP_PORT" ||
	! lb_servers $PORT "$VIP_A4,$VIP_B4" --udp-encap; then
	fail setup "topology, sctplb or servers failed"
	exit 1
fi
if ! lb_traffic before --udp-encap --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 45000 --assocs 12 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
	fail drain "associations not up: $(tail -c 300 "$TOPO_DIR/before.log")"
	exit 1
fi
pid1=$LB_TRAFFIC_PID
lb_wait_echoes before 10 || fail drain_before "not 10 echoes on every association: $(lb_received before)"
pins=$(lb_assoc_backends s4)
victim=$(tr ' ' '\n' <<<"$pins" | cut -d= -f2 | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
held=$(tr ' ' '\n' <<<"$pins" | grep -c "=$victim$")
echo "  before the drain: $pins"
echo "  draining $victim, which holds $held of 12 associations"
sl backend drain s4 "$victim" >/dev/null || fail drain_command "sctplb backend drain s4 $victim failed"
at_drain=$(lb_received before)
sl backend list s4 | sed 's/^/  /'

if lb_traffic after --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 46000 --assocs 12 --rate 20 --duration 2; then
	wait "$LB_TRAFFIC_PID"
	lb_check_assocs drain_new_assocs "$TOPO_DIR/after.log" s4 $PORT
	got=$("$SCTP_PEER" stats "$TOPO_DIR/after.log" "backends.$victim" 2>/dev/null)
	if [ -z "$got" ] || [ "$got" = null ] || [ "$got" = 0 ]; then
		pass drain_no_new_assoc
	else
		fail drain_no_new_assoc "$victim got $got of the 12 associations opened after its drain"
	fi
else
	fail drain_new_assocs "associations not up: $(tail -c 300 "$TOPO_DIR/after.log")"
fi
if lb_wait_echoes before 20 "$at_drain"; then
	pass drain_existing_flow
else
	fail drain_existing_flow "not 20 more echoes on every association after the drain: $at_drain -> $(lb_received before)"
fi
topo_traffic_stop "$pid1"
rc=$?
lb_check_assocs drain_keeps_existing "$TOPO_DIR/before.log" s4 $PORT
[ "$rc" -eq 0 ] || fail drain_keeps_existing_exit "first traffic exited $rc"
echo "  $victim kept: $("$SCTP_PEER" stats "$TOPO_DIR/before.log" "backends.$victim") of $held;" \
	"sctplb assoc list for the first client: $(lb_assoc_backends s4 | tr ' ' '\n' | grep -c "^450.*=$victim$") on $victim"

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
