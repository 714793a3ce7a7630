#!/usr/bin/env bash
# sctplb end to end: routable tags.  The three backends run the agent (sctplb agent attach
# on the interfaces their clients' packets arrive and leave by: fa, fb from the forwarder,
# ra, rb toward the return router: direct server return), the service has their tag key,
# each backend its server id.  12 multihomed associations run; in the middle the forwarder
# is restarted with its maps deleted: detached, pins removed, attached and configured
# again.  With routable tags nothing it lost mattered: every association keeps its
# backend, sent == received, none lost, and the forwarder holds no association at all.
# A spoofed-handshake flood then costs it no state.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=36412
KEY=""
AGENT_PINS=""
cleanup_rtag() {
	local n
	for n in $AGENT_PINS; do rm -rf "$n"; done
	[ -n "$KEY" ] && rm -f "$KEY"
	lb_destroy
}
trap cleanup_rtag EXIT

# be_sl N ARGS: sctplb in backend N's namespace, with that backend's agent pins.
be_sl() {
	local n=$1
	shift
	nsenter --net="/run/netns/$(eval echo "\$BE${n}_NS")" "$SCTPLB" \
		--pin-path "/sys/fs/bpf/sctplb-e2e-agent-$TOPO_ID-$n" "$@"
}

configure() {
	local n
	sl service add s4 --vip "$VIP_A4,$VIP_B4" --port $PORT --tag-key "$KEY" >/dev/null || return 1
	LB_VIPS_s4="$VIP_A4,$VIP_B4"
	for n in 1 2 3; do lb_backend_add s4 "$n" --server-id "$n" || return 1; done
	sl config show >"$TOPO_DIR/config.json"
}

stat_at_least() { [ "$(lb_stat "$1")" -ge "$2" ]; }

if ! lb_create --return dsr; then
	fail setup "topology or sctplb failed"
	exit 1
fi
KEY=$TOPO_DIR/tag.key
"$SCTPLB" keygen "$KEY" >/dev/null || { fail setup "keygen"; exit 1; }
for n in 1 2 3; do
	AGENT_PINS="$AGENT_PINS /sys/fs/bpf/sctplb-e2e-agent-$TOPO_ID-$n"
	for ifn in "$BE_IF_A" "$BE_IF_B" "$BE_RET_IF_A" "$BE_RET_IF_B"; do
		out=$(be_sl "$n" agent attach "$ifn" --vip "$VIP_A4,$VIP_B4" --port $PORT \
			--server-id "$n" --tag-key "$KEY" 2>&1) ||
			{ fail setup "agent attach be$n $ifn: $out"; exit 1; }
	done
done
# Both paths of every association cross the forwarder, which carries nothing while it
# restarts (detach to attached: about 1 s, over 2 s on a loaded machine).  With the peers'
# fast timers (RTO at most 400 ms, heartbeats every 500 ms, a path down after 2
# retransmissions) usrsctp's 10 association retransmissions are spent in about 2 s: a
# capture of a 3 s restart shows the client's ABORT (no cause: the threshold) 1.9 s after
# the detach.  The restart is what is tested, not the peers' patience: 200 at both ends
# (--assoc-max-rtx; a 3 s restart then loses nothing).
if ! configure || ! lb_servers $PORT "$VIP_A4,$VIP_B4" --assoc-max-rtx 200; then
	fail setup "service, backends or servers failed"
	exit 1
fi

if ! lb_traffic rtag --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 46000 --assocs 12 --rate 20 --duration "$TOPO_UNTIL_STOPPED" --assoc-max-rtx 200; then
	fail rtag "associations not up: $(tail -c 300 "$TOPO_DIR/rtag.log")"
	exit 1
fi
# Traffic flows by tag (10 echoes on every association), then the restart.
if ! lb_wait_echoes rtag 10 || ! stat_at_least rtag_fwd 60; then
	fail rtag "no routable traffic: echoes $(lb_received rtag), rtag_fwd $(lb_stat rtag_fwd)"
	exit 1
fi
held=$(lb_json assoc list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
hs=$(lb_stat init)
for ifn in $LB_ATTACHED; do sl detach "$ifn" >/dev/null 2>&1; done
LB_ATTACHED=""
rm -rf "$LB_PIN"
# All at once (apply), as a restarted forwarder's unit does: no packet meets a
# service whose backends are not there yet.
if ! sl apply "$TOPO_DIR/config.json" >/dev/null || ! lb_attach; then
	fail rtag_restart "re-attach failed"
	exit 1
fi
echo "  forwarder restarted with its maps deleted (it held $held associations, saw $hs INITs)"
at_restart=$(lb_received rtag)
lb_wait_echoes rtag 40 "$at_restart" ||
	fail rtag_flows_after_restart "not 40 more echoes on every association: $at_restart -> $(lb_received rtag)"
lb_traffic_stop
lb_check_assocs rtag_restart_nothing_lost "$TOPO_DIR/rtag.log" - $PORT
after=$(lb_stat rtag_fwd)
held=$(lb_json assoc list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
if [ "$after" -gt 0 ] && [ "$held" = 0 ] && [ "$(lb_stat unknown_vtag)" = 0 ]; then
	pass rtag_restarted_forwarder_knows_every_association
else
	fail rtag_restarted_forwarder_knows_every_association \
		"rtag_fwd $after, associations held $held, unknown_vtag $(lb_stat unknown_vtag)"
fi
echo "  after the restart: $after packets routed by tag, $held associations held, $(lb_stat unknown_vtag) unknown"

tags=0 ins=0
for n in 1 2 3; do
	read -r t i < <(be_sl "$n" --json agent status | python3 -c '
import json, sys
s = json.load(sys.stdin); print(s["agent_init_ack"], s["agent_in"])')
	tags=$((tags + t)) ins=$((ins + i))
done
if [ "$tags" -ge 12 ] && [ "$ins" -gt 0 ]; then
	pass rtag_agents_translated
else
	fail rtag_agents_translated "INIT-ACKs made routable $tags (12 expected), packets translated $ins"
fi
echo "  agents: $tags INIT-ACKs made routable, $ins client packets translated back"

# No state for spoofed handshakes: INIT + COOKIE-ECHO pairs from random sources.
state() {
	lb_json stats | python3 -c '
import json, sys
s = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(s["assoc_created"])'
}
c0=$(state)
hs0=$(build/tests/settable count "$LB_PIN")
ip netns exec "$CLI_NS" python3 tests/e2e/tools/sctp_flood.py --ifname "$CLI_IF_A" --dst-mac "$(ip -n "$FWD_NS" -o link show "$FWD_CLI_IF_A" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" \
	--vip "$VIP_A4,$VIP_B4" --port $PORT --pairs 2000 --src4 198.51.100.128/25 --seed 7 \
	>"$TOPO_DIR/flood.log" 2>&1 </dev/null &
fpid=$!
wait $fpid 2>/dev/null
if ! grep -q "pairs=2000" "$TOPO_DIR/flood.log"; then
	fail rtag_flood_no_state "flood: $(tail -c 200 "$TOPO_DIR/flood.log")"
else
	c1=$(state)
	hs1=$(build/tests/settable count "$LB_PIN")
	if [ "$c1" = "$c0" ] && [ "$hs1" = "$hs0" ]; then
		pass rtag_flood_no_state
	else
		fail rtag_flood_no_state "associations created +$((c1 - c0)), handshakes $hs0 -> $hs1"
	fi
fi
exit $((E2E_FAILURES > 0))
