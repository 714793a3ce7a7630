#!/usr/bin/env bash
# Regenerates the usrsctp captures of tests/captures (what each shows: README.md there)
# with the project's own tools: build/sctp-peer (usrsctp; run `make` first, this script
# builds nothing) as client and server in the namespaces of tests/e2e/lib/topo.sh, with
# the forwarder in --fwd kernel mode (plain routes to backend 1, no sctplb), so every
# packet is one the stacks themselves sent.  tcpdump runs in the client's namespace on
# both access links at once (-i any, Linux cooked v1: one file, in order, each frame
# marked incoming or outgoing).
#
# Usage (root):  bash tests/captures/make-captures.sh [NAME...]   (default: every one)
# NAME is a capture without .pcap: usrsctp-multihomed-mixed usrsctp-udp-encap
# usrsctp-init-retransmit usrsctp-failover.  Each capture is checked for what the
# README says it shows before it replaces the committed one; nothing else is written.
# Re-runnable; the namespaces and the temporary folder go on exit, pass or fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/topo.sh
source tests/e2e/lib/topo.sh

OUT=tests/captures
ALL="usrsctp-multihomed-mixed usrsctp-udp-encap usrsctp-init-retransmit usrsctp-failover"
PORT4=5000  # server on VIP_A4 + VIP_B4, also over UDP (RFC 6951, port 9899)
PORT46=5001 # server on VIP_A4 + VIP_B6 (mixed families)
FILTER="sctp or udp port $TOPO_ENCAP_PORT"
MAX_PACKETS=200 # tcpdump -c: a run that goes wrong never writes a big file

die() { echo "make-captures: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, tcpdump)"
[ -x "$SCTP_PEER" ] || die "$SCTP_PEER is missing: run make first"
for t in tcpdump tshark nft; do
	command -v $t >/dev/null || die "$t is missing: run make deps"
done
names=${*:-$ALL}
for n in $names; do
	[[ " $ALL " == *" $n "* ]] || die "unknown capture '$n' (one of: $ALL)"
done

tcpdump_pid=""
cleanup() {
	[ -n "$tcpdump_pid" ] && kill -INT "$tcpdump_pid" 2>/dev/null
	topo_destroy
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# tsh PCAP FILTER [FIELDS...]: tshark, SCTP over UDP 9899 decoded too; with fields, one
# line per matching packet; without, the packet summaries.
tsh() {
	local pcap=$1 filter=$2 f args=()
	shift 2
	for f in "$@"; do args+=(-e "$f"); done
	if [ $# -gt 0 ]; then
		tshark -n -r "$pcap" -d "udp.port==$TOPO_ENCAP_PORT,sctp" -Y "$filter" -T fields \
			-E separator=, -E occurrence=a -E aggregator=/ "${args[@]}" 2>/dev/null
	else
		tshark -n -r "$pcap" -d "udp.port==$TOPO_ENCAP_PORT,sctp" -Y "$filter" 2>/dev/null
	fi
}
count() { tsh "$1" "$2" frame.number | grep -c .; } # PCAP FILTER -> matching packets

# wait_count PCAP FILTER N SECONDS: until the capture holds N matching packets.
wait_count() {
	local t=$(($4 * 5))
	while [ "$(count "$1" "$2")" -lt "$3" ] && [ $t -gt 0 ]; do sleep 0.2; t=$((t - 1)); done
	[ "$(count "$1" "$2")" -ge "$3" ]
}

# wait_bpf PCAP BPF N SECONDS: the same with a tcpdump filter: quicker than tshark, for
# acting on the traffic while it runs.
wait_bpf() {
	local t=$(($4 * 20))
	while [ "$(tcpdump -r "$1" -nn "$2" 2>/dev/null | grep -c .)" -lt "$3" ] && [ $t -gt 0 ]; do
		sleep 0.05
		t=$((t - 1))
	done
	[ "$(tcpdump -r "$1" -nn "$2" 2>/dev/null | grep -c .)" -ge "$3" ]
}

# capture NAME DURING -- CLIENT_ARGS...: tcpdump in the client's namespace, one sctp-peer
# client run, DURING (a function, or :) while it runs; the capture ends once the client's
# SHUTDOWN-COMPLETE is in the file.  Leaves $TOPO_DIR/NAME.pcap.
capture() {
	local name=$1 during=$2 pcap log tlog cpid rc
	shift 3
	pcap=$TOPO_DIR/$name.pcap log=$TOPO_DIR/$name.client.log tlog=$TOPO_DIR/$name.tcpdump.log
	ip netns exec "$CLI_NS" tcpdump -i any -y LINUX_SLL -Z root -U --immediate-mode -nn -s 0 -c $MAX_PACKETS \
		-w "$pcap" "$FILTER" >"$tlog" 2>&1 &
	tcpdump_pid=$!
	topo_wait_log "$tlog" "listening on" 10 || die "$name: tcpdump did not start: $(cat "$tlog")"
	ip netns exec "$CLI_NS" timeout 60 "$SCTP_PEER" client "$@" >"$log" 2>&1 &
	cpid=$!
	$during "$pcap" "$log" || { kill "$cpid" 2>/dev/null; die "$name: $during failed"; }
	wait "$cpid"
	rc=$?
	[ $rc -eq 0 ] || die "$name: the client exited $rc: $(tail -c 400 "$log")"
	# The client leaves once its SHUTDOWN-COMPLETE is sent; tcpdump may not have it yet.
	wait_count "$pcap" "sctp.chunk_type == 14" 1 10 ||
		die "$name: no SHUTDOWN-COMPLETE captured"
	kill -INT "$tcpdump_pid"
	wait "$tcpdump_pid"
	tcpdump_pid=""
	echo "  $name: $(count "$pcap" sctp) packets, client: $("$SCTP_PEER" stats "$log" sent received lost | awk '{print "sent " $1 ", echoed " $2 ", lost " $3}')"
}

# expect NAME WHAT FILTER: the capture holds at least one packet matching FILTER.
expect() {
	[ "$(count "$TOPO_DIR/$1.pcap" "$3")" -ge 1 ] || {
		tsh "$TOPO_DIR/$1.pcap" sctp >&2
		die "$1: expected $2 ($3), found none"
	}
}

keep() { # NAME: checked, replaces the committed capture
	cp "$TOPO_DIR/$1.pcap" "$OUT/$1.pcap" && chmod 644 "$OUT/$1.pcap"
	echo "wrote $OUT/$1.pcap"
}

# ---- one multihomed association, path A IPv4 and path B IPv6 ----
mixed() {
	local n=usrsctp-multihomed-mixed
	capture $n : -- --local "$CLI_A4,$CLI_B6" --remote "$VIP_A4,$VIP_B6" --port $PORT46 \
		--lport 40001 --count 4 --interval 200
	expect $n "an INIT listing an IPv4 and an IPv6 address" \
		"sctp.chunk_type == 1 && sctp.parameter_ipv4_address == $CLI_A4 && sctp.parameter_ipv6_address == $CLI_B6"
	expect $n "an INIT-ACK listing both VIPs" \
		"sctp.chunk_type == 2 && sctp.parameter_ipv4_address == $VIP_A4 && sctp.parameter_ipv6_address == $VIP_B6"
	expect $n "DATA on path A" "sctp.chunk_type == 0 && ip.dst == $VIP_A4"
	# Either side may heartbeat path B first; usrsctp's server usually does.
	expect $n "a HEARTBEAT and its ACK on path B (IPv6)" \
		"sctp.chunk_type == 5 && (ipv6.src == $VIP_B6 || ipv6.dst == $VIP_B6)"
	expect $n "a SHUTDOWN" "sctp.chunk_type == 7"
	keep $n
}

# ---- SCTP over UDP (RFC 6951), multihomed IPv4 ----
udp_encap() {
	local n=usrsctp-udp-encap
	capture $n : -- --udp-encap --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
		--port $PORT4 --lport 40002 --count 4 --interval 200
	expect $n "an INIT in UDP 9899" "udp.dstport == $TOPO_ENCAP_PORT && sctp.chunk_type == 1"
	expect $n "a HEARTBEAT and its ACK in UDP on path B" \
		"udp && sctp.chunk_type == 5 && (ip.src == $VIP_B4 || ip.dst == $VIP_B4)"
	expect $n "DATA in UDP" "udp && sctp.chunk_type == 0"
	[ "$(count "$TOPO_DIR/$n.pcap" "sctp && !udp")" -eq 0 ] || die "$n: SCTP outside UDP"
	keep $n
}

# ---- the first INIT dropped on path A: retransmitted to the other VIP ----
# The forwarder drops, on its path-A interface, every packet whose first chunk is an
# INIT (type 1, the 13th byte of the SCTP header) for the time of the handshake: the
# client's capture shows its INIT to VIP_A4 unanswered, then the same INIT to VIP_B4.
drop_init_a() {
	wait_count "$1" "sctp.chunk_type == 11" 1 10 || return 1 # COOKIE-ACK: the handshake is done
	ip netns exec "$FWD_NS" nft delete table inet make_captures_init
}
init_retransmit() {
	local n=usrsctp-init-retransmit
	ip netns exec "$FWD_NS" nft -f - <<EOF || die "$n: nft"
table inet make_captures_init {
	chain in {
		type filter hook prerouting priority -300; policy accept;
		iifname "$FWD_CLI_IF_A" meta l4proto sctp @th,96,8 1 drop
	}
}
EOF
	capture $n drop_init_a -- --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
		--port $PORT4 --lport 40003 --count 4 --interval 200
	expect $n "an INIT to path A" "sctp.chunk_type == 1 && ip.dst == $VIP_A4"
	expect $n "the INIT retransmitted to path B" "sctp.chunk_type == 1 && ip.dst == $VIP_B4"
	expect $n "an INIT-ACK from path B" "sctp.chunk_type == 2 && ip.src == $VIP_B4"
	expect $n "the client's packets on path A after the handshake" \
		"sctp.chunk_type != 1 && ip.dst == $VIP_A4"
	[ "$(tsh "$TOPO_DIR/$n.pcap" "sctp.chunk_type == 1" ip.dst | head -2 | tr '\n' ' ')" = "$VIP_A4 $VIP_B4 " ] ||
		die "$n: the first two INITs are not to $VIP_A4 then $VIP_B4"
	keep $n
}

# ---- failover: path A cut in the network during DATA, DATA continues on path B ----
# The cut is on the forwarder's side of path A (topo_cut_if), not at the client, so the
# client's capture shows its packets to path A going unanswered.
cut_a() {
	# Three packets to path A that start with DATA (the 13th byte: the first chunk's type).
	wait_bpf "$1" "ip dst $VIP_A4 and sctp[12] = 0" 3 10 || return 1
	topo_cut_if "$FWD_NS" "$FWD_CLI_IF_A"
}
failover() {
	local n=usrsctp-failover
	capture $n cut_a -- --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
		--port $PORT4 --lport 40004 --count 10 --interval 150
	topo_restore_if "$FWD_NS" "$FWD_CLI_IF_A"
	expect $n "DATA on path A" "sctp.chunk_type == 0 && ip.dst == $VIP_A4"
	expect $n "DATA on path B" "sctp.chunk_type == 0 && ip.dst == $VIP_B4"
	expect $n "a SHUTDOWN on path B" "sctp.chunk_type == 7 && ip.dst == $VIP_B4"
	# DATA continues on path B: some after the last DATA sent to path A (and the
	# client's exit status 0 says every message was echoed).
	local last_a
	last_a=$(tsh "$TOPO_DIR/$n.pcap" "sctp.chunk_type == 0 && ip.dst == $VIP_A4" frame.number | tail -1)
	expect $n "DATA on path B after the last DATA to path A (frame $last_a)" \
		"sctp.chunk_type == 0 && ip.dst == $VIP_B4 && frame.number > $last_a"
	keep $n
}

topo_create --return fwd --fwd kernel || die "topo_create failed"
topo_start_server 1 $PORT4 "$VIP_A4,$VIP_B4" --udp-encap || die "server on $PORT4"
topo_start_server 1 $PORT46 "$VIP_A4,$VIP_B6" || die "server on $PORT46"
for n in $names; do
	case $n in
	usrsctp-multihomed-mixed) mixed ;;
	usrsctp-udp-encap) udp_encap ;;
	usrsctp-init-retransmit) init_retransmit ;;
	usrsctp-failover) failover ;;
	esac
done
