#!/usr/bin/env bash
# sctplb metrics, scraped by the real Prometheus (Debian's prometheus, 2.42), in the
# end-to-end topology with real multihomed associations:
#   - `sctplb metrics --listen 127.0.0.1:P` runs in the forwarder namespace, and so does
#     prometheus (its own configuration and a temporary storage directory, listening on
#     the namespace's loopback, scraping every second);
#   - 6 associations run 3 s; then, through Prometheus's HTTP API: the forwarded
#     packets counter equals `sctplb stats --json` (polled until a scrape after the
#     traffic has landed), the per-path DATA and packet counters equal `sctplb paths
#     --json` summed per path, the association gauge equals `sctplb assoc list`;
#   - DATA chunks by payload protocol: all of sctp-peer's (PPID "slb") are "other";
#   - `promtool check metrics` passes on the scraped text; no label holds a client address;
#   - redirects that the receiving veth refuses (GRO off on the backends: XDP_REDIRECT
#     into a veth delivers only with GRO or XDP on its peer) are counted by sctplb as
#     forwarded; sctplb_netdev_xdp_total shows them (rx_drops of the veth they came in by),
#     and so does sctplb_xdp_redirect_errors_total (the xdp tracepoints);
#   - path health and failovers: 6 associations with DATA on path A (active) and
#     HEARTBEATs on path B (standby); path A cut: path A silent (config path-silent 2),
#     path B active, every association's DATA path is B, and sctplb_failovers_total
#     grows by 6 in Prometheus;
#   - `sctplb monitor --json` during the cut (the datapath's event stream): every
#     association established, failed over from path 0 to path 1, its path 0 silent; and
#     after the traffic, expired by `sctplb gc` (closing grace 1 s);
#   - bad --listen values are refused with the cause.
# Everything runs in namespaces and a pin dir of this run, removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
MPORT=9464 PPORT=9090
BG=""
cleanup() {
	local p
	for p in $BG; do kill "$p" 2>/dev/null; done
	for p in $BG; do wait "$p" 2>/dev/null; done
	lb_destroy
}
trap cleanup EXIT
start=$(now_ms)

command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	{ fail setup "prometheus and promtool are not installed (make deps)"; exit 1; }

# In FWD_NS: our loopback; curl and python see the namespace's network only.
in_fwd() { ip netns exec "$FWD_NS" "$@"; }
# prom_query EXPR: the value of a one-sample instant query, or "none".
prom_query() {
	in_fwd curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if len(r) == 1 else "none")
except Exception:
    print("none")'
}
# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_until() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

if ! lb_create --return fwd || ! lb_service s4 $PORT "$VIP_A4,$VIP_B4" || ! lb_servers $PORT "$VIP_A4,$VIP_B4"; then
	fail setup "topology, sctplb or servers failed"
	exit 1
fi

# ---- bad command lines: the cause, and nothing listens ----
for bad in "nocolon" "127.0.0.1:0" "127.0.0.1:70000" "300.1.2.3:9000" "[::1:9000" "host:9000"; do
	out=$(sl metrics --listen "$bad" 2>&1)
	if [ $? -ne 0 ] && grep -q "give ADDR:PORT" <<<"$out"; then
		pass "metrics_bad_listen_$bad"
	else
		fail "metrics_bad_listen_$bad" "accepted or unclear: $out"
	fi
done
out=$(sl metrics --listen 127.0.0.1:$MPORT --agent-pin-path /sys/fs/bpf/no-such-dir-$$ 2>&1)
if [ $? -ne 0 ] && grep -q "agent-pin-path" <<<"$out"; then pass metrics_bad_agent_dir
else fail metrics_bad_agent_dir "accepted or unclear: $out"; fi

# ---- sctplb metrics and prometheus, in the forwarder namespace ----
sl metrics --listen 127.0.0.1:$MPORT >"$TOPO_DIR/metrics.log" 2>&1 &
BG="$BG $!"
if ! wait_until 10 in_fwd curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics"; then
	fail metrics_serves "no answer on 127.0.0.1:$MPORT: $(cat "$TOPO_DIR/metrics.log")"
	exit 1
fi
pass metrics_serves
code=$(in_fwd curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/nothing")
[ "$code" = 404 ] && pass metrics_404 || fail metrics_404 "GET /nothing answered $code"

mkdir -p "$TOPO_DIR/prom"
cat >"$TOPO_DIR/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sctplb
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
in_fwd prometheus --config.file="$TOPO_DIR/prom.yml" --storage.tsdb.path="$TOPO_DIR/prom" \
	--web.listen-address=127.0.0.1:$PPORT >"$TOPO_DIR/prometheus.log" 2>&1 &
BG="$BG $!"
up_ok() { [ "$(prom_query 'up{job="sctplb"}')" = 1 ]; }
if wait_until 60 up_ok; then
	pass prometheus_scrapes
else
	fail prometheus_scrapes "Prometheus never scraped sctplb: $(tail -5 "$TOPO_DIR/prometheus.log")"
	exit 1
fi

# ---- traffic, then the values back through Prometheus ----
six_up() {
	prom_assocs_during=$(prom_query 'sum(sctplb_associations{service="s4",state="established",confirmed="true"})')
	[ "$prom_assocs_during" = 6 ]
}
if lb_traffic t1 --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 43000 --assocs 6 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
	wait_until 30 six_up
	lb_wait_echoes t1 20 || fail traffic "echoes: $(lb_received t1)"
	lb_traffic_stop || fail traffic "traffic exited $?"
	lb_check_assocs traffic "$TOPO_DIR/t1.log" s4 $PORT
else
	fail traffic "associations not up: $(tail -c 300 "$TOPO_DIR/t1.log")"
fi

# After the traffic the counters stand still (each association ended with its
# SHUTDOWN): poll until Prometheus holds a scrape taken after the last packet.
fwd_same() {
	fwd_lb=$(lb_stat fwd)
	fwd_prom=$(prom_query 'sctplb_fwd_total{program="forwarder"}')
	[ "$fwd_lb" -gt 0 ] && [ "$fwd_prom" = "$fwd_lb" ]
}
if wait_until 30 fwd_same; then
	pass prom_fwd_equals_stats
else
	fail prom_fwd_equals_stats "sctplb stats fwd=$fwd_lb, Prometheus sctplb_fwd_total=$fwd_prom"
fi
echo "  forwarded: sctplb stats $fwd_lb, Prometheus $fwd_prom"

# DATA per payload protocol: sctp-peer's PPID ("slb\0") is none of the classes.
ppid_same() {
	dc_lb=$(lb_stat data_chunks)
	dc_prom=$(prom_query 'sctplb_data_chunks_by_ppid_total{service="s4",ppid="other"}')
	[ "$dc_lb" -gt 0 ] && [ "$dc_prom" = "$dc_lb" ] &&
	[ "$(prom_query 'sum(sctplb_data_chunks_by_ppid_total{service="s4",ppid!="other"})')" = 0 ]
}
wait_until 30 ppid_same && pass prom_ppid_other_equals_data ||
	fail prom_ppid_other_equals_data "data_chunks $dc_lb, Prometheus ppid other $dc_prom"

# Every counter of the ABI, with its help text, is in the scrape.
in_fwd curl -s "http://127.0.0.1:$MPORT/metrics" >"$TOPO_DIR/scrape.txt"
missing=$(sl --json stats | python3 -c '
import json, sys
text = open(sys.argv[1]).read()
miss = [s["name"] for s in json.load(sys.stdin) if "service" not in s and (
        "# HELP sctplb_%s_total %s\n" % (s["name"], s["help"]) not in text
        or "# TYPE sctplb_%s_total counter\n" % s["name"] not in text)]
print(" ".join(miss))' "$TOPO_DIR/scrape.txt")
[ -z "$missing" ] && pass metrics_every_counter_with_help ||
	fail metrics_every_counter_with_help "missing or without help: $missing"

# Per path: Prometheus's sums equal `sctplb paths` summed per path (client to backend).
paths_same() {
	local p lbc data pk
	lbc=$(lb_path_counters s4)
	for p in 0 1; do
		pk=$(prom_query "sum(sctplb_path_packets_total{service=\"s4\",path=\"$p\",dir=\"to_backend\"})")
		data=$(prom_query "sum(sctplb_path_data_chunks_total{service=\"s4\",path=\"$p\",dir=\"to_backend\"})")
		[ "$pk" = "$(_lb_counter "$lbc" $p 1)" ] && [ "$data" = "$(_lb_counter "$lbc" $p 2)" ] || return 1
	done
	[ "$(_lb_counter "$lbc" 0 2)" -gt 0 ]
}
if wait_until 30 paths_same; then
	pass prom_path_counters
else
	fail prom_path_counters "sctplb paths: $(lb_path_counters s4); Prometheus path 0 packets" \
		"$(prom_query 'sum(sctplb_path_packets_total{service="s4",path="0",dir="to_backend"})')"
fi
echo "  per path (path:packets:DATA:HB): $(lb_path_counters s4)"

# The association gauge: 6 established and confirmed while the traffic ran; then equal
# to assoc list, and so are the association tables' fill (counted in the same walk of the
# associations), and the Tc index's (counted apart) to the confirmed table's.
[ "$prom_assocs_during" = 6 ] && pass prom_assocs_during_traffic ||
	fail prom_assocs_during_traffic "sum(sctplb_associations) during the traffic: $prom_assocs_during, expected 6"
assocs_same() {
	n_lb=$(lb_json assoc list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	n_prom=$(prom_query 'sum(sctplb_associations)')
	n_tab=$(prom_query 'sum(sctplb_table_entries{table=~"assocs|assocs_pending"})')
	n_ctags=$(prom_query 'sctplb_table_entries{table="assoc_ctags"}')
	n_conf=$(prom_query 'sctplb_table_entries{table="assocs"}')
	[ "$n_prom" = "$n_lb" ] && [ "$n_tab" = "$n_lb" ] && [ "$n_ctags" = "$n_conf" ] && [ "$n_conf" -gt 0 ]
}
wait_until 30 assocs_same && pass prom_assocs_equal_list ||
	fail prom_assocs_equal_list "assoc list $n_lb, Prometheus $n_prom, tables $n_tab (assocs $n_conf, assoc_ctags $n_ctags)"
fill_known() { fill=$(prom_query 'sctplb_table_max_entries{table="assocs"}'); [ "$fill" != none ]; }
wait_until 20 fill_known
[ "$fill" = 262144 ] && pass prom_table_max || fail prom_table_max "assocs max_entries $fill"

# The exposition format, as Prometheus's own checker reads it.
if out=$(promtool check metrics <"$TOPO_DIR/scrape.txt" 2>&1); then
	pass promtool_check_metrics
else
	fail promtool_check_metrics "$(head -5 <<<"$out")"
fi
# No label carries a client address (series bounded by configuration).
if grep -v '^#' "$TOPO_DIR/scrape.txt" | grep -qE "$CLI_A4|$CLI_B4|$CLI_A6|$CLI_B6"; then
	fail metrics_no_client_labels "a client address in: $(grep -E "$CLI_A4|$CLI_B4" "$TOPO_DIR/scrape.txt" | head -2)"
else
	pass metrics_no_client_labels
fi
echo "  scrape: $(grep -vc '^#' "$TOPO_DIR/scrape.txt") samples, $(wc -c <"$TOPO_DIR/scrape.txt") bytes"

# ---- path health and failovers: path A cut during traffic ----
# sctp-peer heartbeats every 500 ms; a path with nothing for 2 s is silent.
sl config path-silent 2 >/dev/null || fail path_silent_config "sctplb config path-silent 2 failed"
out=$(sl config path-silent 3601 2>&1) && fail path_silent_range "3601 accepted" ||
	{ grep -q "1 to 3600" <<<"$out" && pass path_silent_range || fail path_silent_range "$out"; }
# The event stream's rate limit: set, shown, refused out of range, back to the default.
out=$(sl config event-rate 1000001 2>&1) && fail event_rate_range "1000001 accepted" ||
	{ grep -q "1 to 1000000" <<<"$out" && pass event_rate_range || fail event_rate_range "$out"; }
if sl config event-burst 50 >/dev/null && sl --json config show | grep -q '"event_burst":50' &&
	sl config event-burst default >/dev/null && sl --json config show | grep -q '"event_burst":2000'; then
	pass event_burst_config
else
	fail event_burst_config "$(sl --json config show 2>&1 | grep event_)"
fi
# health_of PATH: "health:count ..." over the associations of s4 from port LPORT_BASE up.
health_of() {
	lb_json assoc list | python3 -c '
import json, sys
c = {}
for a in json.load(sys.stdin):
    if a["service"] != "s4" or a["cport"] < 44000 or a["state"] != "established":
        continue
    h = next((p["health"] for p in a["paths"] if p["path"] == int(sys.argv[1])), "unused")
    c[h] = c.get(h, 0) + 1
print(" ".join("%s:%d" % kv for kv in sorted(c.items())))' "$1"
}
data_paths() {
	lb_json assoc list | python3 -c '
import json, sys
print(" ".join(sorted(str(a["data_path"]) for a in json.load(sys.stdin)
                      if a["service"] == "s4" and a["cport"] >= 44000 and a["state"] == "established")))'
}
fo0=$(prom_query 'sum(sctplb_failovers_total{service="s4"})')
# sctplb monitor --json, from before the traffic to its end.
sl --json monitor --service s4 --interval 0.1 >"$TOPO_DIR/monitor.log" 2>"$TOPO_DIR/monitor.err" &
MON=$!
BG="$BG $MON"
topo_wait_log "$TOPO_DIR/monitor.log" '"event":"start"' 10 ||
	fail monitor_start "no start line: $(cat "$TOPO_DIR/monitor.err")"
[ "$fo0" = none ] && fo0=0
if lb_traffic fo --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 44000 --assocs 6 --rate 50 --duration "$TOPO_UNTIL_STOPPED"; then
	before_ok() { h0=$(health_of 0) h1=$(health_of 1); [ "$h0" = active:6 ] && [ "$h1" = standby:6 ]; }
	wait_until 30 before_ok && pass health_before_cut ||
		fail health_before_cut "path 0: $h0, path 1: $h1 (expected active:6, standby:6)"
	prom_before() {
		[ "$(prom_query 'sum(sctplb_assoc_paths{service="s4",path="0",health="active"})')" -ge 6 ] 2>/dev/null &&
		[ "$(prom_query 'sum(sctplb_assoc_paths{service="s4",path="1",health="standby"})')" -ge 6 ] 2>/dev/null
	}
	wait_until 30 prom_before && pass prom_health_before_cut ||
		fail prom_health_before_cut "Prometheus: $(prom_query 'sum(sctplb_assoc_paths{service="s4",path="0",health="active"})') active on path 0"
	topo_cut_path A
	during_ok() { h0=$(health_of 0) h1=$(health_of 1) dp=$(data_paths); [ "$h0" = silent:6 ] && [ "$h1" = active:6 ] && [ "$dp" = "1 1 1 1 1 1" ]; }
	wait_until 30 during_ok && pass health_during_cut ||
		fail health_during_cut "path 0: $h0, path 1: $h1, DATA paths $dp (expected silent:6, active:6, all 1)"
	# sctplb paths: the client's path-A address toward the backends is silent, path B active.
	paths_ok() {
		ph=$(lb_json paths | python3 -c '
import json, sys
print(" ".join(sorted(set("%d:%s" % (r["path"], r["health"]) for r in json.load(sys.stdin)
                          if r["service"] == "s4" and r["dir"] == "to_backend"))))')
		grep -q "0:silent" <<<"$ph" && grep -q "1:active" <<<"$ph" && ! grep -q "0:active" <<<"$ph"
	}
	wait_until 30 paths_ok && pass paths_health_during_cut ||
		fail paths_health_during_cut "sctplb paths (path:health): $ph"
	# Both queries every time: one condition, so that neither value is read unset.
	# (The first traffic's ended associations are silent too: at least 6.)
	prom_fo() {
		fo1=$(prom_query 'sum(sctplb_failovers_total{service="s4"})')
		silent0=$(prom_query 'sum(sctplb_assoc_paths{service="s4",path="0",health="silent"})')
		[ "$fo1" != none ] && [ $((fo1 - fo0)) -ge 6 ] && [ "$silent0" -ge 6 ] 2>/dev/null
	}
	wait_until 30 prom_fo && pass prom_failovers ||
		fail prom_failovers "sctplb_failovers_total $fo0 -> ${fo1:-?}, silent path-0 paths ${silent0:-?}, sctplb stats failovers $(lb_stat failovers 2>&1), scrape up $(prom_query 'up{job="sctplb"}') in $(prom_query 'scrape_duration_seconds{job="sctplb"}') s"
	echo "  failovers seen by Prometheus: $fo0 -> ${fo1:-?}; during the cut path 0 $h0, path 1 $h1"
	lb_traffic_stop || fail failover_traffic_exit "traffic exited $?"
	topo_restore_path A
	lb_check_assocs failover_traffic "$TOPO_DIR/fo.log" s4 $PORT
	# The monitor: every association of this traffic established, failed over from
	# path 0 to 1, and its path 0 gone silent.
	mon_ok() {
		mon=$(python3 - "$TOPO_DIR/monitor.log" <<'PY'
import json, sys
ev = {}
for line in open(sys.argv[1]):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if 44000 <= j.get("cport", 0) < 44006:
        ev.setdefault(j["event"], set()).add(j["cport"])
        if j["event"] == "failover" and (j["from_path"], j["to_path"]) == ("0", "1"):
            ev.setdefault("failover01", set()).add(j["cport"])
        if j["event"] == "path_health" and j["path"] == 0 and j["to"] == "silent":
            ev.setdefault("silent0", set()).add(j["cport"])
print(" ".join("%s:%d" % (k, len(v)) for k, v in sorted(ev.items())))
PY
)
		grep -q "established:6" <<<"$mon" && grep -q "failover01:6" <<<"$mon" &&
			grep -q "silent0:6" <<<"$mon"
	}
	wait_until 30 mon_ok && pass monitor_failover_every_assoc ||
		fail monitor_failover_every_assoc "monitor events (associations): $mon"
	echo "  monitor: $mon; $(wc -l <"$TOPO_DIR/monitor.log") lines"
	# The sweep's removals reach the same stream: each ended association "expired".
	sl config closing-grace 1 >/dev/null
	expired_all() {
		sl gc >/dev/null 2>&1
		[ "$(grep '"event":"expired"' "$TOPO_DIR/monitor.log" | grep -c '"why":"closed"')" -ge 6 ]
	}
	if wait_until 20 expired_all; then
		pass monitor_expired_from_gc
	else
		fail monitor_expired_from_gc "$(grep -c '"event":"expired"' "$TOPO_DIR/monitor.log") expired events"
	fi
else
	fail failover_traffic "associations not up: $(tail -c 300 "$TOPO_DIR/fo.log")"
fi

# ---- drops after the decision: veths that refuse redirected frames ----
for n in 1 2 3; do ip netns exec "$(eval echo "\$BE${n}_NS")" ethtool -K "$BE_IF_A" gro off >/dev/null; done
refused() {
	prom_query "sctplb_netdev_xdp_total{interface=\"$FWD_CLI_IF_A\",counter=\"rx_drops\"}"
}
# the same drops, seen by sctplb's tracepoint programs (attached by `sctplb attach`)
traced() {
	local v
	v=$(prom_query "sum(sctplb_xdp_redirect_errors_total)")
	[ "$v" = none ] && v=0
	echo "${v%.*}"
}
# A query answers none while the series is stale (a scrape that timed out on a loaded
# machine): wait for a value.
ref_known() { ref0=$(refused); [ "$ref0" != none ]; }
wait_until 20 ref_known
redir0=$(lb_stat fwd_redirect) tr0=$(traced)
mac=$(ip -n "$FWD_NS" -o link show "$FWD_CLI_IF_A" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip netns exec "$CLI_NS" python3 tests/e2e/tools/sctp_flood.py --ifname "$CLI_IF_A" \
	--dst-mac "$mac" --vip "$VIP_A4" --port $PORT --pairs 50 --src4 192.0.2.0/29 --seed 7 \
	>"$TOPO_DIR/flood.log" 2>&1 </dev/null
redir1=$(lb_stat fwd_redirect)
refused_grew() { r1=$(refused); [ "$r1" != none ] && [ "$ref0" != none ] && [ $((r1 - ref0)) -ge 100 ]; }
if [ $((redir1 - redir0)) -ge 100 ] && wait_until 20 refused_grew; then
	pass prom_redirect_refused
else
	fail prom_redirect_refused "fwd_redirect +$((redir1 - redir0)), rx_drops of $FWD_CLI_IF_A $ref0 -> ${r1:-?}"
fi
traced_grew() { t1=$(traced); [ $((t1 - tr0)) -ge 100 ]; }
if wait_until 20 traced_grew; then
	pass prom_redirect_errors_traced
else
	fail prom_redirect_errors_traced "sctplb_xdp_redirect_errors_total $tr0 -> ${t1:-?}"
fi
echo "  refused redirects traced: sctplb_xdp_redirect_errors_total $tr0 -> ${t1:-?}"
echo "  refused redirects: sctplb fwd_redirect +$((redir1 - redir0)), interfaces' rx_drops of $FWD_CLI_IF_A $ref0 -> ${r1:-?}"

ids=$TOPO_ID pin=$LB_PIN
cleanup
BG=""
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
