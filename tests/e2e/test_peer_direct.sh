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
	timeout 20 ip netns exec "$CLI_NS" "$SCTP_PEER" client --count 20 --interval 10 "$@" >"$log" 2>&1
	rc=$?
	read -r s r l srv < <(get "$log" sent received lost server)
	if [ "$rc" -eq 0 ] && [ "${s:-0}" = 20 ] && [ "$r" = 20 ] && [ "$l" = 0 ] && [ "$srv" = be1 ]; then
		pass "$name"
		echo "  $name: sent=$s received=$r lost=$l server=$srv rtt_max=$(get "$log" max_rtt_ms)ms"
	else
		fail "$name" "rc=$rc sent=${s:-?} received=${r:-?} lost=${l:-?} server=${srv:-?}: $(tail -c 300 "$log")"
	fi
}

# failover_check NAME PORT LOCAL REMOTE LPORT_BASE: 4 associations at 50 msg/s
# each for 4 s; path A is cut 1 s in; everything must arrive via path B.
failover_check() {
	local name=$1 port=$2 local=$3 remote=$4 lbase=$5 log ready cut_ms s r l unreach gap rtt be rc
	log=$TOPO_DIR/$name.log ready=$TOPO_DIR/$name.ready
	topo_bg "$CLI_NS" "$log" timeout 30 "$SCTP_PEER" traffic --local "$local" --remote "$remote" \
		--port "$port" --lport-base "$lbase" --assocs 4 --rate 50 --duration 4 --ready-file "$ready"
	local pid=$TOPO_LAST_PID
	if ! topo_wait_file "$ready" 6; then
		fail "$name" "associations not up: $(tail -c 300 "$log")"
		return
	fi
	sleep 1
	cut_ms=$(date +%s%3N)
	topo_cut_path A
	wait "$pid"
	rc=$?
	topo_restore_path A
	read -r s r l unreach gap rtt be < <(get "$log" sent received lost first_unreachable_ts_ms max_gap_ms max_rtt_ms backends)
	if [ "${unreach:-0}" -gt 0 ] 2>/dev/null; then
		unreach=$((unreach - cut_ms))
	else
		unreach=none
	fi
	echo "  $name: sent=${s:-?} received=${r:-?} lost=${l:-?} path A unreachable after ${unreach}ms" \
		"(from the cut), longest gap between echoes ${gap:-?}ms, max RTT ${rtt:-?}ms, backends $be"
	if [ "$rc" -ne 0 ] || [ "${s:-0}" -lt 700 ] || [ "$s" != "$r" ] || [ "$l" != 0 ]; then
		fail "$name" "rc=$rc sent=${s:-?} received=${r:-?} lost=${l:-?}: $(tail -c 300 "$log")"
	elif [ "$unreach" = none ] || [ "$unreach" -gt 3000 ]; then
		fail "$name" "path A not declared unreachable within 3 s (${unreach})"
	elif [ "$be" != '{"be1":4}' ]; then
		fail "$name" "served by $be, expected be1 for all 4"
	else
		pass "$name"
	fi
}

fwd_tx() { # packets sent by the forwarder toward the client on both paths
	local a b
	a=$(ip -n "$FWD_NS" -s -j link show "$FWD_CLI_IF_A" | grep -o '"tx":{[^}]*' | grep -o '"packets":[0-9]*' | cut -d: -f2)
	b=$(ip -n "$FWD_NS" -s -j link show "$FWD_CLI_IF_B" | grep -o '"tx":{[^}]*' | grep -o '"packets":[0-9]*' | cut -d: -f2)
	echo $((a + b))
}

start=$(date +%s)

# ---- return through the forwarder ----
if ! topo_create --return fwd --fwd kernel; then
	fail topo_create_fwd "topology creation failed"
	exit 1
fi
if start_servers; then
	client_check multihomed_ipv4 "$TOPO_DIR/c4.log" --local "$CLI_A4,$CLI_B4" \
		--remote "$VIP_A4,$VIP_B4" --port $PORT4 --lport 40000
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
	before=$(fwd_tx)
	client_check dsr_multihomed_ipv4 "$TOPO_DIR/c4.log" --local "$CLI_A4,$CLI_B4" \
		--remote "$VIP_A4,$VIP_B4" --port $PORT4 --lport 40000
	after=$(fwd_tx)
	# 20 echoes + handshake + SACKs + heartbeats would be > 25 packets.
	if [ $((after - before)) -lt 5 ]; then
		pass dsr_replies_bypass_forwarder
	else
		fail dsr_replies_bypass_forwarder "forwarder sent $((after - before)) packets to the client"
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
