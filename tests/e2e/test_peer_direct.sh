#!/usr/bin/env bash
# Proves sctp-peer and the namespace topology with plain kernel routing (no
# load balancer): multihomed IPv4+IPv4 and mixed IPv4+IPv6 associations to
# backend 1, UDP encapsulation, path A cut during traffic (failover to path B,
# nothing lost), in both return variants (via the forwarder and DSR).
# Prints PASS/FAIL per check; exits non-zero on any failure; leaves no namespace.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/topo.sh
source tests/e2e/lib/topo.sh

failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
get() { "$SCTP_PEER" stats "$@" 2>/dev/null; } # FILE KEY... -> values

[ -x "$SCTP_PEER" ] || make -s build/sctp-peer >/dev/null || { fail build "cannot build sctp-peer"; exit 1; }
trap 'topo_destroy' EXIT
trap 'exit 130' INT TERM

PORT4=5000  # service on VIP_A4 + VIP_B4 (server also accepts UDP encapsulation)
PORT46=5001 # service on VIP_A4 + VIP_B6 (mixed families)

start_servers() {
	topo_start_server 1 $PORT4 "$VIP_A4,$VIP_B4" --udp-encap &&
		topo_start_server 1 $PORT46 "$VIP_A4,$VIP_B6"
}

# client_check NAME LOG ARGS...: one association, 20 messages, served by be1.
client_check() {
	local name=$1 log=$2 rc s r l srv
	shift 2
	# shellcheck disable=SC2046
	timeout 120 ip netns exec "$CLI_NS" "$SCTP_PEER" client --count 20 --interval 10 $(topo_peer_args) \
		"$@" >"$log" 2>&1
	rc=$?
	read -r s r l srv < <(get "$log" sent received lost server)
	if [ "$rc" -eq 0 ] && [ "${s:-0}" = 20 ] && [ "$r" = 20 ] && [ "$l" = 0 ] && [ "$srv" = be1 ]; then
		pass "$name"
		echo "  $name: sent=$s received=$r lost=$l server=$srv rtt_max=$(get "$log" max_rtt_ms)ms"
	else
		fail "$name" "rc=$rc sent=${s:-?} received=${r:-?} lost=${l:-?} server=${srv:-?}: $(tail -c 300 "$log")"
	fi
}

# failover_check NAME PORT LOCAL REMOTE LPORT_BASE: 4 associations at 50 msg/s; once
# each has 25 echoes, path A is cut; once each has declared path A unreachable and had
# 50 more echoes (through path B), the traffic stops.  Every message must come back,
# from be1.  Each step waits for what it needs, not for a time (the delay from the cut
# to detection is printed: usrsctp's timers plus the machine's load).
failover_check() {
	local name=$1 port=$2 local=$3 remote=$4 lbase=$5 log ready progress cut_ms off s r l gap rtt be rc
	local why=""
	log=$TOPO_DIR/$name.log ready=$TOPO_DIR/$name.ready progress=$TOPO_DIR/$name.progress
	# shellcheck disable=SC2046
	topo_bg "$CLI_NS" "$log" timeout $((TOPO_UNTIL_STOPPED + 120)) "$SCTP_PEER" traffic \
		--local "$local" --remote "$remote" --port "$port" --lport-base "$lbase" --assocs 4 \
		--rate 50 --duration "$TOPO_UNTIL_STOPPED" $(topo_peer_args) --ready-file "$ready" \
		--progress-file "$progress"
	local pid=$TOPO_LAST_PID
	if ! topo_wait_ready "$ready" "$pid" "$TOPO_DEADLINE"; then
		fail "$name" "associations not up: $(tail -c 300 "$log")"
		topo_traffic_stop "$pid"
		return
	fi
	wait_until "$TOPO_DEADLINE" topo_echoed "$progress" 25 || why="not 25 echoes each before the cut; "
	off=$(stat -c %s "$log")
	cut_ms=$(date +%s%3N)
	topo_cut_path A
	if wait_until "$TOPO_DEADLINE" topo_unreachable "$log" "$off" "${remote%%,*}" 4; then
		wait_until "$TOPO_DEADLINE" topo_echoed "$progress" 50 "$(topo_received "$progress")" ||
			why="${why}not 50 more echoes each once path A was down; "
	else
		why="${why}path A not declared unreachable by every association in ${TOPO_DEADLINE} s; "
	fi
	topo_traffic_stop "$pid"
	rc=$?
	topo_restore_path A
	read -r s r l gap rtt be < <(get "$log" sent received lost max_gap_ms max_rtt_ms backends)
	echo "  $name: sent=${s:-?} received=${r:-?} lost=${l:-?} path A unreachable" \
		"$(topo_unreachable_ms "$log" "$off" "${remote%%,*}" "$cut_ms") ms after the cut" \
		"(first..last association), longest gap between echoes ${gap:-?}ms, max RTT ${rtt:-?}ms, backends $be"
	if [ "$rc" -ne 0 ] || [ "${s:-0}" -eq 0 ] || [ "$s" != "$r" ] || [ "$l" != 0 ]; then
		fail "$name" "${why}rc=$rc sent=${s:-?} received=${r:-?} lost=${l:-?}: $(tail -c 300 "$log")"
	elif [ -n "$why" ]; then
		fail "$name" "${why%; }"
	elif [ "$be" != '{"be1":4}' ]; then
		fail "$name" "served by $be, expected be1 for all 4"
	else
		pass "$name"
	fi
}

# The forwarder's SCTP packets toward the client on both paths, counted at the egress of
# its client-facing veths: only SCTP, so that IPv6 multicast reports of new addresses,
# whose timing depends on the machine's pace, do not count.
fwd_count_start() {
	ip netns exec "$FWD_NS" nft -f - <<EOF
table netdev peer_direct_count {
	chain a { type filter hook egress device "$FWD_CLI_IF_A" priority 0; meta l4proto sctp counter; }
	chain b { type filter hook egress device "$FWD_CLI_IF_B" priority 0; meta l4proto sctp counter; }
}
EOF
}
fwd_sctp_tx() {
	ip netns exec "$FWD_NS" nft -j list table netdev peer_direct_count | python3 -c '
import json, sys
print(sum(o["rule"]["expr"][-1]["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "rule" in o))'
}

start=$(date +%s)

# ---- return through the forwarder ----
if ! topo_create --return fwd --fwd kernel; then
	fail topo_create_fwd "topology creation failed"
	exit 1
fi
if start_servers; then
	fwd_count_start || fail fwd_count "cannot count the forwarder's packets (nft)"
	client_check multihomed_ipv4 "$TOPO_DIR/c4.log" --local "$CLI_A4,$CLI_B4" \
		--remote "$VIP_A4,$VIP_B4" --port $PORT4 --lport 40000
	# The counter that proves direct return below sees the replies when they do cross.
	n=$(fwd_sctp_tx)
	if [ "${n:-0}" -gt 20 ]; then
		pass fwd_replies_cross_forwarder
	else
		fail fwd_replies_cross_forwarder "forwarder sent ${n:-?} SCTP packets to the client, expected > 20"
	fi
	if grep -q "\"peer_addrs\":\[\"$CLI_A4\",\"$CLI_B4\"\]" "$TOPO_DIR/be1-$PORT4.log"; then
		pass multihomed_ipv4_server_sees_both_paths
	else
		fail multihomed_ipv4_server_sees_both_paths "$(grep comm_up "$TOPO_DIR/be1-$PORT4.log")"
	fi
	client_check multihomed_mixed "$TOPO_DIR/c46.log" --local "$CLI_A4,$CLI_B6" \
		--remote "$VIP_A4,$VIP_B6" --port $PORT46 --lport 40001
	if grep -q "\"peer_addrs\":\[\"$CLI_A4\",\"$CLI_B6\"\]" "$TOPO_DIR/be1-$PORT46.log"; then
		pass multihomed_mixed_server_sees_both_families
	else
		fail multihomed_mixed_server_sees_both_families "$(grep comm_up "$TOPO_DIR/be1-$PORT46.log")"
	fi
	client_check udp_encap "$TOPO_DIR/cu.log" --udp-encap --local "$CLI_A4,$CLI_B4" \
		--remote "$VIP_A4,$VIP_B4" --port $PORT4 --lport 40002
	failover_check failover_ipv4 $PORT4 "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 41000
	failover_check failover_mixed $PORT46 "$CLI_A4,$CLI_B6" "$VIP_A4,$VIP_B6" 42000
else
	fail servers_fwd "sctp-peer servers did not start"
fi
topo_destroy

# ---- direct server return (replies bypass the forwarder) ----
if ! topo_create --return dsr --fwd kernel; then
	fail topo_create_dsr "topology creation failed"
	exit 1
fi
if start_servers; then
	fwd_count_start || fail dsr_count "cannot count the forwarder's packets (nft)"
	client_check dsr_multihomed_ipv4 "$TOPO_DIR/c4.log" --local "$CLI_A4,$CLI_B4" \
		--remote "$VIP_A4,$VIP_B4" --port $PORT4 --lport 40000
	n=$(fwd_sctp_tx)
	# Through the forwarder: handshake, 20 echoes, SACKs and heartbeats; direct return: none.
	if [ "$n" = 0 ]; then
		pass dsr_replies_bypass_forwarder
	else
		fail dsr_replies_bypass_forwarder "forwarder sent ${n:-?} SCTP packets to the client"
	fi
	failover_check dsr_failover_ipv4 $PORT4 "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4" 41000
else
	fail servers_dsr "sctp-peer servers did not start"
fi
ids=${TOPO_ID%-*} # slb-PID: both topologies of this run share it
topo_destroy

left=$(ip netns list | grep -c "^$ids-" || true)
if [ "$left" -eq 0 ]; then pass no_namespace_left; else fail no_namespace_left "$(ip netns list)"; fi
echo "  total time $(($(date +%s) - start))s"
[ "$failures" -eq 0 ]
