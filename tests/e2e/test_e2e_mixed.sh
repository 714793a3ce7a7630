#!/usr/bin/env bash
# sctplb end to end with mixed address families: a service whose path A VIP is IPv4
# and path B VIP is IPv6, backends added with an IPv4 and an IPv6 address.  One
# association: DATA on path A, HEARTBEATs on path B (IPv6), one backend; then 6
# associations lose path A and go on over IPv6 alone.  Return through the forwarder.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5001
start=$(now_ms)

if ! lb_create --return fwd || ! lb_service s46 $PORT "$VIP_A4,$VIP_B6" || ! lb_servers $PORT "$VIP_A4,$VIP_B6"; then
	fail setup "topology, sctplb or servers failed"
	exit 1
fi
sl backend list s46 | sed 's/^/  /'

# One association, 20 messages a second, HEARTBEATs every 500 ms on the idle path: it
# runs until 20 messages came back and sctplb counted DATA on path 0 and a HEARTBEAT on
# path 1 (however long a loaded machine takes).
both_paths_counted() {
	local c
	c=$(lb_path_counters s46)
	[ "$(_lb_counter "$c" 0 2)" -gt 0 ] && [ "$(_lb_counter "$c" 1 3)" -gt 0 ]
}
if lb_traffic mixed --local "$CLI_A4,$CLI_B6" --remote "$VIP_A4,$VIP_B6" --port $PORT \
	--lport-base 43000 --assocs 1 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
	lb_wait_echoes mixed 20
	wait_until "$TOPO_DEADLINE" both_paths_counted
	lb_traffic_stop || fail mixed_exit "traffic exited $?"
	lb_check_assocs mixed "$TOPO_DIR/mixed.log" s46 $PORT
else
	fail mixed "association not up: $(tail -c 300 "$TOPO_DIR/mixed.log")"
fi
# Per path, as sctplb saw it: the client address of each path and its counters.
out=$(lb_json paths | python3 -c '
import json, sys
cli = {0: sys.argv[1], 1: sys.argv[2]}
rows = [r for r in json.load(sys.stdin) if r["service"] == "s46" and r["dir"] == "to_backend"]
for r in rows:
    print("  path %d VIP %-14s client %-16s backend %s packets %d DATA %d HEARTBEATs %d" %
          (r["path"], r["vip"], r["client"], r["backend"], r["packets"], r["data_chunks"], r["heartbeats"]))
p = {r["path"]: r for r in rows}
err = []
if {r["backend"] for r in rows} != {rows[0]["backend"]} if rows else True:
    err.append("backends %s" % sorted({r["backend"] for r in rows}))
for i in (0, 1):
    if i not in p or p[i]["client"] != cli[i] or p[i]["packets"] == 0:
        err.append("path %d: %s" % (i, p.get(i)))
if 0 in p and p[0]["data_chunks"] == 0:
    err.append("no DATA on path 0")
if 1 in p and p[1]["heartbeats"] == 0:
    err.append("no HEARTBEAT on path 1 (IPv6)")
print("ERR " + "; ".join(err) if err else "OK")' "$CLI_A4" "$CLI_B6")
grep -v '^ERR\|^OK' <<<"$out"
if grep -q '^OK' <<<"$out"; then pass mixed_both_paths; else fail mixed_both_paths "$(grep '^ERR' <<<"$out")"; fi
if grep -q "\"peer_addrs\":\[\"$CLI_A4\",\"$CLI_B6\"\]" "$TOPO_DIR"/be*-$PORT.log; then
	pass mixed_server_sees_both_families
else
	fail mixed_server_sees_both_families "$(grep -h comm_up "$TOPO_DIR"/be*-$PORT.log)"
fi

lb_failover mixed_failover s46 $PORT "$CLI_A4,$CLI_B6" "$VIP_A4,$VIP_B6" 44000

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
