#!/usr/bin/env bash
# make demo, second scene: two sctplb forwarders behind a router that spreads the client's
# paths over them by ECMP (BGP with BIRD), the backends running the routable-tag agent.
# In the middle of the traffic forwarder 1 is stopped (it withdraws its announcement and
# its maps are deleted): forwarder 2, which never saw most handshakes, carries every
# association on, and nothing is lost.  Everything is removed at the end.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/ecmp.sh
source tests/e2e/lib/ecmp.sh

PORT=3868 ASSOCS=8 RATE=20
BOLD="" NORM=""
[ -t 1 ] && BOLD=$(tput bold 2>/dev/null) NORM=$(tput sgr0 2>/dev/null)
step() { echo; echo "${BOLD}== $*${NORM}"; }
counters() { # I: one line of forwarder I's counters
	ecmp_json "$1" stats | python3 -c '
import json, sys
s = {c["name"]: c["value"] for c in json.load(sys.stdin)}
print("routed by tag %d, INITs %d, associations held %d, unknown vtags %d" % (
      s.get("rtag_fwd", 0), s.get("init", 0), s.get("assoc_created", 0), s.get("unknown_vtag", 0)))'
}
[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (namespaces, XDP)"; exit 1; }

step "9. Two forwarders behind ECMP (BGP), backends running the routable-tag agent"
ecmp_create --forwarders 2 --agent || { echo "topology failed"; exit 1; }
VIPS="$VIP_A4,$VIP_B4"
ecmp_service s $PORT "$VIPS" && ecmp_agent_attach $PORT "$VIPS" || { echo "configuration failed"; exit 1; }
for n in 1 2 3; do topo_start_server "$n" $PORT "$VIPS" >/dev/null || exit 1; done
echo "  the router's routes to the VIPs: $(ecmp_nexthops_all)  (next hops: forwarders)"
echo "  every forwarder: sctplb service add s ... --tag-key KEY; backend add ... --server-id N"
echo "  every backend:   sctplb agent attach IF --vip $VIPS --port $PORT --server-id N --tag-key KEY"

step "10. $ASSOCS multihomed associations; the router spreads their paths over both forwarders"
PROG=$TOPO_DIR/traffic.progress
topo_bg "$CLI_NS" "$TOPO_DIR/traffic.log" timeout 300 "$SCTP_PEER" traffic --quiet $(topo_peer_args) \
	--ready-file "$TOPO_DIR/traffic.ready" --progress-file "$PROG" --local "$CLI_A4,$CLI_B4" \
	--remote "$VIPS" --port $PORT --lport-base 43000 --assocs $ASSOCS --rate $RATE --duration 600
TPID=$TOPO_LAST_PID
topo_wait_ready "$TOPO_DIR/traffic.ready" "$TPID" 60 || { echo "associations not up"; exit 1; }
wait_until 60 topo_echoed "$PROG" 40
echo "  forwarder 1: $(counters 1)"
echo "  forwarder 2: $(counters 2)"

step "11. Forwarder 1 stops: it withdraws its BGP announcement and its maps are deleted"
ecmp_withdraw 1
ecmp_sl 1 detach r >/dev/null 2>&1
rm -rf "$ECMP_PIN_PREFIX-f1"
echo "  the router's routes now: $(ecmp_nexthops_all)"
base=$(topo_received "$PROG")
wait_until 60 topo_echoed "$PROG" 60 "$base"
echo "  forwarder 2: $(counters 2)"
echo "  (it holds no association: every packet found its backend from its tag)"

step "12. Verdict"
topo_traffic_stop "$TPID"
PYTHONPATH=tests/e2e/lib python3 - "$TOPO_DIR/traffic.log" <<'PY'
import sys
import peerlog
st = peerlog.last_stats(sys.argv[1])
if st is None:
    print("  no statistics from the client"); sys.exit(1)
moved = sum(1 for a in st["per_assoc"] if a["backend_changes"])
ok = st["assocs_up"] == st["assocs"] and st["sent"] == st["received"] and not st["lost"] and not moved
print("  %d/%d associations up, %d messages sent, %d received, %d lost, %d changed backend: %s" %
      (st["assocs_up"], st["assocs"], st["sent"], st["received"], st["lost"], moved,
       "NOTHING LOST" if ok else "SOMETHING WAS LOST"))
sys.exit(0 if ok else 1)
PY
