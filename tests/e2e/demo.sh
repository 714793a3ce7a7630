#!/usr/bin/env bash
# make demo: multihomed SCTP through sctplb, in namespaces of its own, with a path cut.
# A client with two paths (A and B) talks to a two-VIP service balanced by sctplb over
# three backends; path A is cut during the traffic and restored.  Then the same with NAT
# (backends without the VIPs, the port mapped).  Everything is removed at the end.  Needs
# root and a build (make).  Under a minute.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh

PORT=3868 ASSOCS=6 RATE=20 DURATION=16
b="" n=""
[ -t 1 ] && b=$(tput bold 2>/dev/null) n=$(tput sgr0 2>/dev/null)
step() { echo; echo "${b}== $*${n}"; }
show() { echo "\$ sctplb $*"; sl "$@" | sed 's/^/  /'; }
# summary: per path, client to backend, summed over backends (from sctplb paths --json).
summary() {
	lb_json paths | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["dir"] == "to_backend"]
print("  %-6s %-14s %9s %9s %11s   %s" % ("PATH", "VIP", "PACKETS", "DATA", "HEARTBEATS", "PACKETS PER BACKEND"))
for p in sorted({r["path"] for r in rows}):
    rs = [r for r in rows if r["path"] == p]
    per = ", ".join("%s %d" % (r["backend"], r["packets"]) for r in sorted(rs, key=lambda r: r["backend"]))
    print("  %-6s %-14s %9d %9d %11d   %s" % ("AB"[p], rs[0]["vip"], sum(r["packets"] for r in rs),
          sum(r["data_chunks"] for r in rs), sum(r["heartbeats"] for r in rs), per))'
}

[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (namespaces, XDP)"; exit 1; }
[ -x "$SCTPLB" ] && [ -x "$SCTP_PEER" ] || { echo "build first: make"; exit 1; }
t_start=$(now_ms)

step "1. Topology: a client, a forwarder running sctplb, three backends (network namespaces)"
lb_create --return fwd || { echo "topology or attach failed"; exit 1; }
topo_info | sed 's/^/  /'
echo "  backends answer through the forwarder, where sctplb's tc program learns each INIT-ACK"

step "2. sctplb attached on the forwarder's client-facing interfaces (and return-path hooks)"
show status

step "3. A service with two VIPs (VIP 1 = path A, VIP 2 = path B) and three backends"
echo "\$ sctplb service add demo --vip $VIP_A4,$VIP_B4 --port $PORT; sctplb backend add demo beN --addr ..."
lb_service demo $PORT "$VIP_A4,$VIP_B4" || { echo "service configuration failed"; exit 1; }
show service list
show backend list demo
lb_servers $PORT "$VIP_A4,$VIP_B4" || { echo "servers did not start"; exit 1; }
echo "  sctp-peer servers be1, be2, be3 listen on both VIPs, port $PORT"

step "4. $ASSOCS multihomed associations (client $CLI_A4 + $CLI_B4), $RATE msg/s each, ${DURATION}s"
lb_traffic demo --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 40000 --assocs $ASSOCS --rate $RATE --duration $DURATION ||
	{ echo "associations did not come up: $(tail -c 300 "$TOPO_DIR/demo.log")"; exit 1; }
sleep 3
show assoc list
echo
show paths
echo
summary
echo "  path A carries the DATA (primary path); path B only HEARTBEATs"

step "5. Path A cut (nft drops on both ends of the client's path-A link)"
cut_ms=$(now_ms)
topo_cut_path A
sleep 4
summary
echo "  path A frozen; the DATA now goes over path B, to the same backends"

step "6. Path A restored"
topo_restore_path A
sleep 4
summary
echo "  path A is back (a HEARTBEAT confirms it) and carries the DATA again"

wait "$LB_TRAFFIC_PID"
rc=$?
step "7. Verdict"
read -r assocs up sent recv lost unreach gap backends < <("$SCTP_PEER" stats "$TOPO_DIR/demo.log" \
	assocs assocs_up sent received lost first_unreachable_ts_ms max_gap_ms backends)
changes=$("$SCTP_PEER" stats "$TOPO_DIR/demo.log" backend_changes)
[ "${unreach:-0}" -gt 0 ] 2>/dev/null && unreach="$((unreach - cut_ms)) ms" || unreach="not seen"
printf '  %-34s %s of %s up, backend changes %s\n' "associations" "$up" "$assocs" "$changes"
printf '  %-34s %s / %s / %s\n' "messages sent / received / lost" "$sent" "$recv" "$lost"
printf '  %-34s %s\n' "path A declared down after the cut" "$unreach"
printf '  %-34s %s ms\n' "longest pause of one association" "$gap"
printf '  %-34s %s\n' "backends used (associations)" "$backends"
printf '  %-34s %s\n' "sctplb forwarded / dropped" "$(lb_stat fwd) / $(lb_json stats | python3 -c '
import json,sys; print(sum(s["value"] for s in json.load(sys.stdin) if s["name"].startswith("drop") or s["name"] in ("no_backend", "unknown_vtag_drop")))')"
printf '  %-34s %s s\n' "demo time" "$((($(now_ms) - t_start) / 1000))"
if [ "$rc" -eq 0 ] && [ "$up" = "$assocs" ] && [ "$sent" = "$recv" ] && [ "$lost" = 0 ] && [ "$changes" = 0 ]; then
	echo "${b}  OK: every association survived the cut of path A, on its backend, nothing lost${n}"
	ok=0
else
	echo "${b}  FAILED: see $TOPO_DIR (kept)${n}"
	TOPO_KEEP_DIR=1
	ok=1
fi
step "Cleaning up (namespaces, sctplb programs, pinned maps)"
lb_destroy
echo "  done"
[ "$ok" -eq 0 ] || exit $ok

step "8. NAT: backends that hold only their own addresses (pods), port 38412 -> 38413"
# shellcheck source=tests/e2e/lib/nat.sh
source tests/e2e/lib/nat.sh # lb.sh again: its state was reset by lb_destroy
if ! nat_create || ! nat_capture_start; then echo "NAT topology failed"; exit 1; fi
echo "  the backends hold no VIP; they answer through the forwarder, where sctplb gives"
echo "  their packets (and the addresses their INIT-ACK lists) the VIPs back"
echo "\$ sctplb service add amf --vip $VIP_A4,$VIP_B4 --port 38412 --nat --target-port 38413"
nat_service amf 38412 "$VIP_A4,$VIP_B4" --target-port 38413 && nat_servers 38413 "$VIP_A4,$VIP_B4" ||
	{ echo "NAT service or servers failed"; exit 1; }
show service list
show backend list amf
lb_traffic nat --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port 38412 \
	--lport-base 41000 --assocs 3 --rate 20 --duration 5 ||
	{ echo "NAT associations did not come up: $(tail -c 300 "$TOPO_DIR/nat.log")"; exit 1; }
sleep 1
echo "  path A cut"
topo_cut_path A
wait "$LB_TRAFFIC_PID"
rc=$?
topo_restore_path A
read -r assocs up sent recv lost < <("$SCTP_PEER" stats "$TOPO_DIR/nat.log" assocs assocs_up sent \
	received lost)
printf '  %-34s %s of %s up, %s / %s / %s sent / received / lost\n' "associations" "$up" "$assocs" \
	"$sent" "$recv" "$lost"
printf '  %-34s to backend %s, to client %s, ports %s, INIT-ACK addresses %s\n' "sctplb NAT rewrites" \
	"$(lb_stat nat_to_backend)" "$(lb_stat nat_to_client)" "$(lb_stat nat_port)" "$(lb_stat nat_addr_vip)"
nat_capture_check "client capture: no backend address" | sed 's/^/  /'
if [ "$rc" -eq 0 ] && [ "$up" = "$assocs" ] && [ "$lost" = 0 ] && [ "$E2E_FAILURES" -eq 0 ]; then
	echo "${b}  OK: NAT associations survived the cut of path A; the client saw only VIPs${n}"
else
	echo "${b}  FAILED: see $TOPO_DIR (kept)${n}"
	TOPO_KEEP_DIR=1
	ok=1
fi
lb_destroy
exit $ok
