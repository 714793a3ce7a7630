#!/usr/bin/env bash
# sctplb end to end: a client restart (RFC 9260 5.2.2).  12 associations of one client
# run on a service of two backends (be1, be2); the client process is killed (no
# SHUTDOWN, no ABORT); be3 is added with weight 100, so Maglev now sends about 98% of
# new Initiate Tags to be3; a new client process opens the same 12 local ports (new
# INITs, new tags) plus 4 fresh ones.  sctplb's restart rule (client_index) must bring
# each of the 12 back to the backend that held it; the fresh ones show the new Maglev
# table.  Return through the forwarder.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

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
lb_wait_echoes first 10 || fail restart_before "not 10 echoes on every association: $(lb_received first)"
# ip netns exec execs timeout, whose child is sctp-peer: kill that one, by pid.
kill -KILL $(pgrep -P "$LB_TRAFFIC_PID") 2>/dev/null
wait "$LB_TRAFFIC_PID" 2>/dev/null
old=$(lb_assoc_backends s4)
echo "  before the restart (sctplb assoc list, cport=backend): $old"
lb_backend_add s4 3 --weight 100 || fail restart_add_backend "backend add s4 be3 --weight 100 failed"
sl backend list s4 | sed 's/^/  /'
r0=$(lb_stat init_restart)

if lb_traffic second --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 47000 --assocs 16 --rate 20 --duration 2; then
	wait "$LB_TRAFFIC_PID"
	lb_check_assocs restart_traffic "$TOPO_DIR/second.log" s4 $PORT
else
	fail restart_traffic "associations not up: $(tail -c 300 "$TOPO_DIR/second.log")"
fi
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

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
