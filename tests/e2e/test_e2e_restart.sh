#!/usr/bin/env bash
# sctplb end to end: a client restart (RFC 9260 5.2.2).  12 associations of one client
# run on a service of two backends (be1, be2); the client process is killed (no
# SHUTDOWN, no ABORT); be3 is added with weight 100, so Maglev now sends about 98% of
# new Initiate Tags to be3; a new client process opens the same 12 local ports (new
# INITs, new tags) plus 4 fresh ones.  sctplb's restart rule (client_index) must bring
# each of the 12 back to the backend that held it; the fresh ones show the new Maglev
# table.  The same from the client's other address (RFC 9260 5.2.4: a restart may come
# from any address of the association): 6 more associations, made over path A beside the
# 12 and killed with them, are restarted by a process whose primary path is B, with INITs
# from CLI_B4, an address each used only on its path B (heartbeats): they must come back
# to be1 and be2 too, not go to be3.  Return through the forwarder.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

# held PREFIX: "cport=backend" of sctplb's associations whose client port starts so.
held() { lb_assoc_backends s4 | tr ' ' '\n' | grep "^$1" | tr '\n' ' '; }

# restart_traffic CHECK NAME LOCAL REMOTE LPORT_BASE ASSOCS: a restarting client's 2 s of
# traffic, then lb_check_assocs CHECK of it.
restart_traffic() {
	if lb_traffic "$2" --local "$3" --remote "$4" --port $PORT --lport-base "$5" --assocs "$6" \
		--rate 20 --duration 2; then
		wait "$LB_TRAFFIC_PID"
		lb_check_assocs "$1" "$TOPO_DIR/$2.log" s4 $PORT
	else
		fail "$1" "associations not up: $(tail -c 300 "$TOPO_DIR/$2.log")"
	fi
}

if ! lb_create --return fwd || ! sl service add s4 --vip "$VIP_A4,$VIP_B4" --port $PORT >/dev/null ||
	! lb_servers $PORT "$VIP_A4,$VIP_B4"; then
	fail setup "topology, sctplb or servers failed"
	exit 1
fi
LB_VIPS_s4="$VIP_A4,$VIP_B4"
lb_backend_add s4 1 && lb_backend_add s4 2 || { fail setup "backend add failed"; exit 1; }
if ! lb_traffic first --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 47000 --assocs 12 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
	fail restart "associations not up: $(tail -c 300 "$TOPO_DIR/first.log")"
	exit 1
fi
FIRST_PID=$LB_TRAFFIC_PID
lb_wait_echoes first 10 || fail restart_before "not 10 echoes on every association: $(lb_received first)"

# The 6 of the restart from the other address; sctplb monitor from here on.
# Their client_index entries for CLI_B4: every association has carried a packet from
# CLI_B4 on path B (sctplb assoc list shows the address on path 1).
pathb_seen() {
	lb_json assoc list | python3 -c '
import json, sys
want = set(range(47100, 47106))
seen = {a["cport"] for a in json.load(sys.stdin) if a["cport"] in want and a["confirmed"]
        and any(p["path"] == 1 and p["client"] == sys.argv[1] for p in a["paths"])}
sys.exit(0 if seen == want else 1)' "$CLI_B4"
}
sl --json monitor --service s4 --interval 0.1 >"$TOPO_DIR/monitor.log" 2>"$TOPO_DIR/monitor.err" &
MON=$!
topo_wait_log "$TOPO_DIR/monitor.log" '"event":"start"' 10 ||
	fail restart_b_monitor "no start line: $(cat "$TOPO_DIR/monitor.err")"
B_UP=""
if lb_traffic firstb --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 47100 --assocs 6 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
	B_UP=1
	lb_wait_echoes firstb 10 || fail restart_b_before "echoes: $(lb_received firstb)"
	wait_until "$TOPO_DEADLINE" pathb_seen ||
		fail restart_b_before "not every association seen on path 1 from $CLI_B4"
	kill -KILL $(pgrep -P "$LB_TRAFFIC_PID") 2>/dev/null
	wait "$LB_TRAFFIC_PID" 2>/dev/null
else
	fail restart_b "associations not up: $(tail -c 300 "$TOPO_DIR/firstb.log")"
fi
# ip netns exec execs timeout, whose child is sctp-peer: kill that one, by pid.
kill -KILL $(pgrep -P "$FIRST_PID") 2>/dev/null
wait "$FIRST_PID" 2>/dev/null
oldb=$(held 471)
old=$(held 470)
echo "  before the restart (sctplb assoc list, cport=backend): $old"
lb_backend_add s4 3 --weight 100 || fail restart_add_backend "backend add s4 be3 --weight 100 failed"
sl backend list s4 | sed 's/^/  /'
r0=$(lb_stat init_restart)

restart_traffic restart_traffic second "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 47000 16
r1=$(lb_stat init_restart)
out=$(lb_python - "$TOPO_DIR/second.log" "$old" "$TOPO_DIR" $PORT <<'PY'
import sys
import peerlog
log, old, tdir, port = sys.argv[1:5]
old = dict(kv.split("=") for kv in old.split())
st = peerlog.last_stats(log)
restarts = {j["rport"]: j["name"] for j in peerlog.server_events(tdir, port, ("restart",))}
bad, fresh = [], []
for a in st["per_assoc"]:
    lp = str(a["lport"])
    if lp in old:
        if a["backend"] != old[lp]:
            bad.append("%s: held by %s, restarted on %s" % (lp, old[lp], a["backend"]))
    else:
        fresh.append(a["backend"])
print("%s|%d of %d restarted associations back on their backend; the server saw a restart for %d;"
      " fresh ports now on %s" % ("; ".join(bad), len(old) - len(bad), len(old),
      sum(1 for p in old if int(p) in restarts), ",".join(fresh)))
sys.exit(1 if bad or len(old) != 12 else 0)
PY
)
rc=$?
echo "  ${out#*|}"
echo "  init_restart counter: $r0 -> $r1"
if [ $rc -eq 0 ]; then pass restart_same_backend; else fail restart_same_backend "${out%%|*}"; fi
if [ $((r1 - r0)) -ge 12 ]; then pass restart_rule_counted; else fail restart_rule_counted "init_restart +$((r1 - r0)), expected >= 12"; fi
if grep -q be3 <<<"${out#*fresh ports now on }"; then
	pass restart_maglev_changed
else
	fail restart_maglev_changed "none of the 4 fresh associations on be3 (weight 100): ${out#*|}"
fi

# ---- the restart from the address of the associations' path B ----
if [ -n "$B_UP" ]; then
	echo "  before the restart from $CLI_B4 (cport=backend): $oldb"
	# Their INIT listed CLI_B4, and while that handshake is young an INIT from there goes
	# to its backend anyway (INIT_PINNED): with a 1 s timeout, the 2 s of the traffic
	# above have expired it, and only client_index names the backend.
	sl config handshake-timeout 1 >/dev/null || fail restart_b_timeout "config handshake-timeout 1 refused"
	restart_traffic restart_b_traffic secondb "$CLI_B4,$CLI_A4" "$VIP_B4,$VIP_A4" 47100 6
	out=$(lb_python - "$TOPO_DIR/secondb.log" "$oldb" "$TOPO_DIR/monitor.log" "$CLI_B4" <<'PY'
import sys
import peerlog
log, old, mon, addr = sys.argv[1:5]
old = dict(kv.split("=") for kv in old.split())
st = peerlog.last_stats(log)
moved = ["%d: held by %s, restarted on %s" % (a["lport"], old.get(str(a["lport"])), a["backend"])
         for a in st["per_assoc"] if a["backend"] != old.get(str(a["lport"]))]
rs = {j["cport"] for j in peerlog.events(mon)
      if j.get("event") == "restart" and j.get("client") == addr and 47100 <= j.get("cport", 0) < 47106}
print("%s|%d of %d back on their backend; restarts from %s seen by sctplb: %d" % (
    "; ".join(moved), len(old) - len(moved), len(old), addr, len(rs)))
sys.exit(1 if moved or len(old) != 6 or len(rs) != 6 else 0)
PY
	)
	rc=$?
	echo "  ${out#*|}"
	if [ $rc -eq 0 ]; then pass restart_from_other_address; else fail restart_from_other_address "${out%%|*} (${out#*|})"; fi
fi
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
