# shellcheck shell=bash
# Namespace topology for sctplb end-to-end tests, the demo and the benchmark.
# Source it, then:  topo_create [--return fwd|dsr] [--fwd kernel|lb]
#                   trap topo_destroy EXIT
#
#                path A (192.0.2.0/24, 2001:db8:a::/48)
#   +--------+  pa ---- ca  +---------+  b1a ---- fa  +------+
#   | CLI_NS |              | FWD_NS  |  b2a / b3a    | BEn  |  x3 (BE1_NS..BE3_NS)
#   +--------+  pb ---- cb  +---------+  b1b ---- fb  +------+  each holds all VIPs
#                path B (198.51.100.0/24, 2001:db8:b::/48)      on "vip" (veth pair
#                                                               vip/vipp, pitfall 8)
# Return variants (--return, TOPO_RETURN):
#   fwd  backends route the client's subnets via the forwarder (FWD_NS) on the
#        same path: replies cross FWD_NS (where sctplb's tc program sees them).
#   dsr  direct server return: a return router namespace RTR_NS has one veth per
#        path to the client (client ra/rb, router ca/cb) and one per path to each
#        backend (backend ra/rb, router b<n>a/b<n>b).  Backends route the client's
#        subnets via RTR_NS, so replies never enter FWD_NS.  The client accepts
#        them on ra/rb (rp_filter off; Linux is a weak host: any local address).
#        A separate router, rather than direct backend-client links, keeps the
#        client at two return interfaces whatever the number of backends.
# Forwarder modes (--fwd, TOPO_FWD_MODE; switch later with topo_fwd_mode):
#   kernel  ordinary routes send the VIPs to backend 1 (baseline, no sctplb);
#   lb      no VIP route: sctplb attached to FWD_CLI_IF_A/B does the forwarding:
#             nsenter --net=/run/netns/$FWD_NS build/sctplb attach ...
#
# Links are point-to-point veths (no Linux bridge in this kernel).  Link k of a
# path uses IPv4 PFX.(8k+1)/29 and PFX.(8k+2)/29 and IPv6 2001:db8:P:k::1/64 and
# ::2/64.  k=0 client(.1)-fwd(.2), k=n fwd(.1)-backend n(.2), k=4 rtr(.1)-client(.2),
# k=4+n rtr(.1)-backend n(.2).  Every neighbour entry is static (permanent), so
# bpf_fib_lookup in FWD_NS always finds the next hop's MAC.
#
# Bind each server to the VIPs of one service (e.g. VIP_A4,VIP_B4 or VIP_A4,VIP_B6):
# a server on all four VIPs advertises VIP_B4 and VIP_A6 to a mixed VIP_A4+VIP_B6
# client too; the client's packets to them leave with a source rewritten to an
# address it never announced, and those extra paths go unreachable (noise in the
# path events, no loss).  Two servers on distinct ports in one backend work.
#
# Exported variables (all set by topo_create):
#   TOPO_ID TOPO_DIR (temp dir for logs) TOPO_RETURN TOPO_FWD_MODE TOPO_NAMESPACES
#   SCTP_PEER (path of build/sctp-peer)
#   CLI_NS FWD_NS BE1_NS BE2_NS BE3_NS RTR_NS (RTR_NS empty unless dsr)
#   VIP_A4=203.0.113.1 VIP_B4=203.0.113.2 VIP_A6=2001:db8:f::a VIP_B6=2001:db8:f::b
#   CLI_IF_A=pa CLI_IF_B=pb  CLI_A4=192.0.2.1 CLI_B4=198.51.100.1
#                            CLI_A6=2001:db8:a::1 CLI_B6=2001:db8:b::1
#   CLI_RET_IF_A=ra CLI_RET_IF_B=rb (dsr)
#   FWD_CLI_IF_A=ca FWD_CLI_IF_B=cb FWD_CLI_A4 FWD_CLI_B4 FWD_CLI_A6 FWD_CLI_B6
#   FWD_BE<n>_IF_A=b<n>a FWD_BE<n>_IF_B=b<n>b  FWD_BE<n>_A4 .._B4 .._A6 .._B6 (fwd side)
#   BE_IF_A=fa BE_IF_B=fb BE_VIP_IF=vip BE_RET_IF_A=ra BE_RET_IF_B=rb (in every backend)
#   BE<n>_A4 BE<n>_B4 BE<n>_A6 BE<n>_B6 (backend n's own address on each path,
#     the address sctplb forwards toward)
#   BE<n>_MAC_A BE<n>_MAC_B (MAC of backend n's fa/fb)
#   TOPO_ENCAP_PORT=9899 (UDP encapsulation port the source-fix rules cover)
# Functions:
#   topo_create [--return fwd|dsr] [--fwd kernel|lb]   build everything
#   topo_destroy                 kill our peers, delete every namespace (idempotent)
#   topo_fwd_mode kernel [N]|lb  VIP routes in FWD_NS to backend N (default 1) / none
#   topo_cut_path A|B            drop everything on the client's access link of the
#   topo_restore_path A|B          path (both ends, ingress+egress; dsr: return link too)
#   topo_cut_if NS IF / topo_restore_if NS IF   the same for one interface
#   topo_exec NS CMD...          ip netns exec
#   topo_start_server N PORT ADDRS [ARGS...]  sctp-peer server --name beN in BEn_NS,
#                                waits for it to listen; log $TOPO_DIR/beN-PORT.log
#   topo_bg NS LOG CMD...        start CMD in NS in the background, remember its pid
#   topo_stop_bg                 stop every process started by topo_bg/topo_start_server
#   wait_until SECONDS CMD...    (lib/wait.sh) run CMD every 0.2 s until it succeeds;
#                                SECONDS (TOPO_DEADLINE, 60) only bounds a hang
#   topo_wait_file FILE SECONDS  wait until FILE exists (non-zero on timeout)
#   topo_wait_log FILE PATTERN SECONDS  wait until FILE contains PATTERN
#   topo_wait_ready FILE PID SECONDS  wait until FILE exists or process PID has ended;
#                                non-zero unless FILE exists (sctp-peer --ready-file)
# sctp-peer traffic (client side; PROGRESS is its --progress-file, LOG its stdout):
#   topo_peer_args               options for every client: connect and drain timeouts
#                                that only bound a hang (default 5 s and 3 s would be
#                                verdicts on the machine's speed)
#   topo_received PROGRESS       echoes so far per association, space separated
#   topo_echoed PROGRESS N [BASE]  every association has N echoes more than in BASE
#                                (a topo_received line; none: N echoes each)
#   topo_behind PROGRESS N [BASE]  the client ports of those that do not
#   topo_unreachable LOG OFFSET ADDR N  each of the N associations has logged remote
#                                ADDR unreachable after byte OFFSET of LOG (its size
#                                when the path was cut: order, not time)
#   topo_unreachable_ms LOG OFFSET ADDR CUT_MS  "first..last" ms from CUT_MS to those
#                                events (printed; a delay is no verdict)
#   topo_traffic_stop PID        SIGTERM (sctp-peer stops sending, waits for the echoes
#                                still due, prints its stats line), then its exit status
#   TOPO_UNTIL_STOPPED           --duration for traffic that the test stops itself
#   topo_info                    print the namespaces, interfaces and addresses

TOPO_ENCAP_PORT=9899
VIP_A4=203.0.113.1 VIP_B4=203.0.113.2 VIP_A6=2001:db8:f::a VIP_B6=2001:db8:f::b
CLI_IF_A=pa CLI_IF_B=pb CLI_RET_IF_A=ra CLI_RET_IF_B=rb
FWD_CLI_IF_A=ca FWD_CLI_IF_B=cb
BE_IF_A=fa BE_IF_B=fb BE_VIP_IF=vip BE_RET_IF_A=ra BE_RET_IF_B=rb
export TOPO_ENCAP_PORT VIP_A4 VIP_B4 VIP_A6 VIP_B6 CLI_IF_A CLI_IF_B CLI_RET_IF_A CLI_RET_IF_B \
	FWD_CLI_IF_A FWD_CLI_IF_B BE_IF_A BE_IF_B BE_VIP_IF BE_RET_IF_A BE_RET_IF_B

_TOPO_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck source=tests/e2e/lib/wait.sh
source "$_TOPO_REPO/tests/e2e/lib/wait.sh"
export SCTP_PEER=${SCTP_PEER:-$_TOPO_REPO/build/sctp-peer}
TOPO_NAMESPACES=""
TOPO_BG_PIDS=""

_topo_v4() { # path k host -> address
	local pfx=192.0.2
	[ "$1" = B ] && pfx=198.51.100
	echo "$pfx.$((8 * $2 + $3))"
}
_topo_v6() {
	local p=a
	[ "$1" = B ] && p=b
	if [ "$2" -eq 0 ]; then echo "2001:db8:$p::$3"; else echo "2001:db8:$p:$2::$3"; fi
}

topo_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

_topo_ns_add() {
	ip netns add "$1" || return 1
	TOPO_NAMESPACES="$TOPO_NAMESPACES $1"
	export TOPO_NAMESPACES
	ip -n "$1" link set lo up
	# No DAD (pitfall 3: addresses must be usable before usrsctp_init), no
	# reverse-path filter (DSR replies arrive on other interfaces than the
	# route back to the VIP), forwarding wherever routing happens.
	ip netns exec "$1" sh -c '
		sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1' >/dev/null
}

_topo_mac() { ip -n "$1" -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# _topo_link NS1 IF1 NS2 IF2 PATH K: veth NS1/IF1 (.1, ::1) <-> NS2/IF2 (.2, ::2)
_topo_link() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4 p=$5 k=$6 m1 m2
	ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2" || return 1
	ip -n "$ns1" addr add "$(_topo_v4 "$p" "$k" 1)/29" dev "$if1"
	ip -n "$ns2" addr add "$(_topo_v4 "$p" "$k" 2)/29" dev "$if2"
	ip -n "$ns1" addr add "$(_topo_v6 "$p" "$k" 1)/64" dev "$if1" nodad
	ip -n "$ns2" addr add "$(_topo_v6 "$p" "$k" 2)/64" dev "$if2" nodad
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
	# XDP_REDIRECT into a veth delivers only if the receiving end has GRO on.
	ip netns exec "$ns1" ethtool -K "$if1" gro on >/dev/null 2>&1
	ip netns exec "$ns2" ethtool -K "$if2" gro on >/dev/null 2>&1
	m1=$(_topo_mac "$ns1" "$if1")
	m2=$(_topo_mac "$ns2" "$if2")
	ip -n "$ns1" neigh replace "$(_topo_v4 "$p" "$k" 2)" lladdr "$m2" dev "$if1" nud permanent
	ip -n "$ns1" neigh replace "$(_topo_v6 "$p" "$k" 2)" lladdr "$m2" dev "$if1" nud permanent
	ip -n "$ns2" neigh replace "$(_topo_v4 "$p" "$k" 1)" lladdr "$m1" dev "$if2" nud permanent
	ip -n "$ns2" neigh replace "$(_topo_v6 "$p" "$k" 1)" lladdr "$m1" dev "$if2" nud permanent
}

# Raw IPv4 source fix (pitfall 1): usrsctp puts one bound address as source
# whatever the output interface; set it per interface, statelessly.  SCTP's
# CRC32c does not cover IP addresses; for UDP encapsulation nft updates the
# UDP checksum (pseudo-header).  $1 NS, then "IF ADDR4 ADDR6" triples.
_topo_srcfix() {
	local ns=$1 rules="" ifn a4 a6
	shift
	while [ $# -ge 3 ]; do
		ifn=$1 a4=$2 a6=$3
		shift 3
		rules="$rules
		oifname \"$ifn\" meta l4proto sctp ip saddr set $a4
		oifname \"$ifn\" meta l4proto sctp ip6 saddr set $a6
		oifname \"$ifn\" udp sport $TOPO_ENCAP_PORT ip saddr set $a4
		oifname \"$ifn\" udp sport $TOPO_ENCAP_PORT ip6 saddr set $a6"
	done
	ip netns exec "$ns" nft -f - <<EOF
table inet sctplb_srcfix {
	chain post {
		type filter hook postrouting priority 100; policy accept;
		$rules
	}
}
EOF
}

topo_create() {
	local ret=${TOPO_RETURN:-fwd} fwd=${TOPO_FWD_MODE:-kernel} n p k
	while [ $# -gt 0 ]; do
		case $1 in
		--return) ret=$2; shift 2 ;;
		--fwd) fwd=$2; shift 2 ;;
		*) echo "topo_create: unknown argument $1" >&2; return 2 ;;
		esac
	done
	case $ret in fwd | dsr) ;; *) echo "topo_create: --return fwd|dsr" >&2; return 2 ;; esac
	case $fwd in kernel | lb) ;; *) echo "topo_create: --fwd kernel|lb" >&2; return 2 ;; esac
	[ "$(id -u)" -eq 0 ] || { echo "topo_create: needs root" >&2; return 1; }

	TOPO_ID="slb-$$-$RANDOM"
	TOPO_RETURN=$ret
	TOPO_DIR=$(mktemp -d "/tmp/$TOPO_ID.XXXX")
	CLI_NS=$TOPO_ID-cli FWD_NS=$TOPO_ID-fwd RTR_NS=""
	BE1_NS=$TOPO_ID-be1 BE2_NS=$TOPO_ID-be2 BE3_NS=$TOPO_ID-be3
	[ "$ret" = dsr ] && RTR_NS=$TOPO_ID-rtr
	export TOPO_ID TOPO_RETURN TOPO_DIR CLI_NS FWD_NS RTR_NS BE1_NS BE2_NS BE3_NS

	CLI_A4=$(_topo_v4 A 0 1) CLI_B4=$(_topo_v4 B 0 1) CLI_A6=$(_topo_v6 A 0 1) CLI_B6=$(_topo_v6 B 0 1)
	FWD_CLI_A4=$(_topo_v4 A 0 2) FWD_CLI_B4=$(_topo_v4 B 0 2)
	FWD_CLI_A6=$(_topo_v6 A 0 2) FWD_CLI_B6=$(_topo_v6 B 0 2)
	export CLI_A4 CLI_B4 CLI_A6 CLI_B6 FWD_CLI_A4 FWD_CLI_B4 FWD_CLI_A6 FWD_CLI_B6

	for ns in "$CLI_NS" "$FWD_NS" "$BE1_NS" "$BE2_NS" "$BE3_NS" $RTR_NS; do
		_topo_ns_add "$ns" || { topo_destroy; return 1; }
	done
	ip netns exec "$CLI_NS" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null

	# client <-> forwarder, both paths
	_topo_link "$CLI_NS" "$CLI_IF_A" "$FWD_NS" "$FWD_CLI_IF_A" A 0 || { topo_destroy; return 1; }
	_topo_link "$CLI_NS" "$CLI_IF_B" "$FWD_NS" "$FWD_CLI_IF_B" B 0 || { topo_destroy; return 1; }
	ip -n "$CLI_NS" route add "$VIP_A4/32" via "$FWD_CLI_A4" dev "$CLI_IF_A"
	ip -n "$CLI_NS" route add "$VIP_B4/32" via "$FWD_CLI_B4" dev "$CLI_IF_B"
	ip -n "$CLI_NS" route add "$VIP_A6/128" via "$FWD_CLI_A6" dev "$CLI_IF_A"
	ip -n "$CLI_NS" route add "$VIP_B6/128" via "$FWD_CLI_B6" dev "$CLI_IF_B"
	_topo_srcfix "$CLI_NS" "$CLI_IF_A" "$CLI_A4" "$CLI_A6" "$CLI_IF_B" "$CLI_B4" "$CLI_B6"
	# UDP checksums in full on the client's access links, as a NIC would put them on the
	# wire: with veth's tx offload a UDP packet carries only the pseudo-header sum
	# (CHECKSUM_PARTIAL); kernel forwarding keeps that state, but a frame that an XDP
	# program redirects loses it and reaches the backend with a bad checksum (SCTP over
	# UDP through sctplb: every INIT dropped by the backend's UDP stack).
	ip netns exec "$CLI_NS" ethtool -K "$CLI_IF_A" tx off >/dev/null 2>&1
	ip netns exec "$CLI_NS" ethtool -K "$CLI_IF_B" tx off >/dev/null 2>&1

	if [ "$ret" = dsr ]; then
		_topo_link "$RTR_NS" ca "$CLI_NS" "$CLI_RET_IF_A" A 4 || { topo_destroy; return 1; }
		_topo_link "$RTR_NS" cb "$CLI_NS" "$CLI_RET_IF_B" B 4 || { topo_destroy; return 1; }
		ip -n "$RTR_NS" route add "$(_topo_v4 A 0 0)/29" via "$(_topo_v4 A 4 2)" dev ca
		ip -n "$RTR_NS" route add "$(_topo_v4 B 0 0)/29" via "$(_topo_v4 B 4 2)" dev cb
		ip -n "$RTR_NS" route add "2001:db8:a::/64" via "$(_topo_v6 A 4 2)" dev ca
		ip -n "$RTR_NS" route add "2001:db8:b::/64" via "$(_topo_v6 B 4 2)" dev cb
	fi

	for n in 1 2 3; do
		local bns=$TOPO_ID-be$n
		for p in A B; do
			local low=${p,,}
			_topo_link "$FWD_NS" "b$n$low" "$bns" "f$low" "$p" "$n" || { topo_destroy; return 1; }
			export "FWD_BE${n}_IF_$p=b$n$low"
			export "FWD_BE${n}_${p}4=$(_topo_v4 "$p" "$n" 1)" "FWD_BE${n}_${p}6=$(_topo_v6 "$p" "$n" 1)"
			export "BE${n}_${p}4=$(_topo_v4 "$p" "$n" 2)" "BE${n}_${p}6=$(_topo_v6 "$p" "$n" 2)"
			export "BE${n}_MAC_$p=$(_topo_mac "$bns" "f$low")"
			if [ "$ret" = dsr ]; then
				k=$((4 + n))
				_topo_link "$RTR_NS" "b$n$low" "$bns" "r$low" "$p" "$k" || { topo_destroy; return 1; }
				ip -n "$bns" route add "$(_topo_v4 "$p" 0 0)/29" via "$(_topo_v4 "$p" "$k" 1)" dev "r$low"
				ip -n "$bns" route add "$(_topo_v6 "$p" 0 0)/64" via "$(_topo_v6 "$p" "$k" 1)" dev "r$low"
			else
				ip -n "$bns" route add "$(_topo_v4 "$p" 0 0)/29" via "$(_topo_v4 "$p" "$n" 1)" dev "f$low"
				ip -n "$bns" route add "$(_topo_v6 "$p" 0 0)/64" via "$(_topo_v6 "$p" "$n" 1)" dev "f$low"
			fi
		done
		# VIPs on a spare veth pair (pitfall 8: not on lo; no dummy driver).
		ip -n "$bns" link add "$BE_VIP_IF" type veth peer name "${BE_VIP_IF}p"
		ip -n "$bns" addr add "$VIP_A4/32" dev "$BE_VIP_IF"
		ip -n "$bns" addr add "$VIP_B4/32" dev "$BE_VIP_IF"
		ip -n "$bns" addr add "$VIP_A6/128" dev "$BE_VIP_IF" nodad
		ip -n "$bns" addr add "$VIP_B6/128" dev "$BE_VIP_IF" nodad
		ip -n "$bns" link set "$BE_VIP_IF" up
		ip -n "$bns" link set "${BE_VIP_IF}p" up
		ip netns exec "$bns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null
		if [ "$ret" = dsr ]; then
			_topo_srcfix "$bns" fa "$VIP_A4" "$VIP_A6" fb "$VIP_B4" "$VIP_B6" \
				ra "$VIP_A4" "$VIP_A6" rb "$VIP_B4" "$VIP_B6"
		else
			_topo_srcfix "$bns" fa "$VIP_A4" "$VIP_A6" fb "$VIP_B4" "$VIP_B6"
		fi
	done
	topo_fwd_mode "$fwd"
}

# topo_fwd_mode kernel [N] | lb
topo_fwd_mode() {
	local m=$1 n=${2:-1} p
	for p in A B; do
		ip -n "$FWD_NS" route del "$(eval echo "\$VIP_${p}4")/32" 2>/dev/null
		ip -n "$FWD_NS" route del "$(eval echo "\$VIP_${p}6")/128" 2>/dev/null
	done
	case $m in
	kernel)
		for p in A B; do
			ip -n "$FWD_NS" route add "$(eval echo "\$VIP_${p}4")/32" \
				via "$(eval echo "\$BE${n}_${p}4")" dev "$(eval echo "\$FWD_BE${n}_IF_$p")" || return 1
			ip -n "$FWD_NS" route add "$(eval echo "\$VIP_${p}6")/128" \
				via "$(eval echo "\$BE${n}_${p}6")" dev "$(eval echo "\$FWD_BE${n}_IF_$p")" || return 1
		done ;;
	lb) ;;
	*) echo "topo_fwd_mode: kernel [N] | lb" >&2; return 2 ;;
	esac
	TOPO_FWD_MODE=$m
	export TOPO_FWD_MODE
}

# Path cut (pitfall 6): netdev ingress and egress drop chains keep the
# addresses in place; dropping at the sender's egress too stops what an XDP
# program on the other end would redirect before any ingress hook.
topo_cut_if() {
	ip netns exec "$1" nft -f - <<EOF
table netdev sctplb_cut_$2 {
	chain in { type filter hook ingress device "$2" priority -500; policy drop; }
	chain out { type filter hook egress device "$2" priority -500; policy drop; }
}
EOF
}

topo_restore_if() {
	ip netns exec "$1" nft delete table netdev "sctplb_cut_$2" 2>/dev/null
	return 0
}

_topo_path_ifs() { # PATH -> "NS IF" pairs on the client's links of that path
	local p=$1 low=${1,,}
	echo "$CLI_NS $(eval echo "\$CLI_IF_$p") $FWD_NS $(eval echo "\$FWD_CLI_IF_$p")"
	[ -n "$RTR_NS" ] && echo "$CLI_NS r$low $RTR_NS c$low"
}

topo_cut_path() {
	case $1 in A | B) ;; *) echo "topo_cut_path A|B" >&2; return 2 ;; esac
	local ns ifn
	# shellcheck disable=SC2046
	set -- $(_topo_path_ifs "$1")
	while [ $# -ge 2 ]; do
		ns=$1 ifn=$2
		shift 2
		topo_cut_if "$ns" "$ifn" || return 1
	done
}

topo_restore_path() {
	case $1 in A | B) ;; *) echo "topo_restore_path A|B" >&2; return 2 ;; esac
	# shellcheck disable=SC2046
	set -- $(_topo_path_ifs "$1")
	while [ $# -ge 2 ]; do
		topo_restore_if "$1" "$2"
		shift 2
	done
}

# topo_bg NS LOG CMD...: background process in NS, stdout+stderr to LOG.
topo_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	TOPO_LAST_PID=$!
	TOPO_BG_PIDS="$TOPO_BG_PIDS $TOPO_LAST_PID"
}

# topo_capture NS IF FILE [TCPDUMP ARGS...]: tcpdump of IF (in NS) into FILE, its log in
# FILE.log; returns once it listens.  --immediate-mode: without it libpcap hands tcpdump a
# ring block's frames only when the block fills or times out (about a second), and an
# interrupted tcpdump drops what it has not been handed ("51 packets received by filter, 2
# captured": a whole association missing from the file).  The file is whole once tcpdump
# has exited (kill -INT or topo_stop_bg, then wait).
topo_capture() {
	local ns=$1 ifn=$2 file=$3
	shift 3
	topo_bg "$ns" "$file.log" tcpdump -nn -U --immediate-mode -s 0 -i "$ifn" -w "$file" "$@"
	topo_wait_log "$file.log" "listening on" 10
}

TOPO_DEADLINE=${TOPO_DEADLINE:-60}
# Longer than every wait a test makes before it stops such traffic (each <= TOPO_DEADLINE).
TOPO_UNTIL_STOPPED=600
export TOPO_DEADLINE TOPO_UNTIL_STOPPED

topo_wait_file() { wait_until "$2" test -e "$1"; }

topo_wait_log() { wait_until "$3" grep -q -- "$2" "$1" 2>/dev/null; }

_topo_file_or_gone() { [ -e "$1" ] || ! kill -0 "$2" 2>/dev/null; }
topo_wait_ready() {
	wait_until "$3" _topo_file_or_gone "$1" "$2"
	[ -e "$1" ]
}

topo_peer_args() { echo --connect-timeout 30000 --drain 30000; }

topo_received() {
	python3 -c '
import json, sys
print(" ".join(str(a["received"]) for a in json.load(open(sys.argv[1]))["per_assoc"]))' "$1" 2>/dev/null
}

# topo_behind PROGRESS N [BASE]: the client ports of the associations with fewer than N
# echoes more than in BASE ("received" per association, as topo_received prints it;
# none: N each); fails while the progress file is not written or does not match BASE.
topo_behind() {
	python3 -c '
import json, sys
try:
    pa = json.load(open(sys.argv[1]))["per_assoc"]
except (OSError, ValueError, KeyError):
    sys.exit(1)  # not written yet
n = int(sys.argv[2])
base = [int(x) for x in sys.argv[3].split()] if len(sys.argv) > 3 else [0] * len(pa)
if not pa or len(base) != len(pa):
    sys.exit(1)
print(" ".join(str(a["lport"]) for a, b in zip(pa, base) if a["received"] < b + n))' "$@"
}

# topo_echoed PROGRESS N [BASE]: every association has its N echoes (topo_behind).
topo_echoed() {
	local behind
	behind=$(topo_behind "$@") && [ -z "$behind" ]
}

topo_unreachable() {
	python3 -c '
import ipaddress, json, sys
log, off, addr, n = sys.argv[1], int(sys.argv[2]), ipaddress.ip_address(sys.argv[3]), int(sys.argv[4])
with open(log, "rb") as f:
    f.seek(off)
    lines = f.read().decode(errors="replace").splitlines()
got = set()
for line in lines:
    try:
        j = json.loads(line)
    except ValueError:
        continue  # a line still being written
    if j.get("event") == "path" and j.get("state") == "unreachable" and ipaddress.ip_address(j["addr"]) == addr:
        got.add(j["assoc"])
sys.exit(0 if len(got) >= n else 1)' "$@"
}

# topo_unreachable_ms LOG OFFSET ADDR CUT_MS: "first..last" delay (ms, wall clock) from
# CUT_MS to each association's first ADDR unreachable event after OFFSET; for the log.
topo_unreachable_ms() {
	python3 -c '
import ipaddress, json, sys
log, off, addr, cut = sys.argv[1], int(sys.argv[2]), ipaddress.ip_address(sys.argv[3]), int(sys.argv[4])
with open(log, "rb") as f:
    f.seek(off)
    lines = f.read().decode(errors="replace").splitlines()
first = {}
for line in lines:
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("event") == "path" and j.get("state") == "unreachable" and ipaddress.ip_address(j["addr"]) == addr:
        first.setdefault(j["assoc"], j["ts_ms"] - cut)
print("%d..%d" % (min(first.values()), max(first.values())) if first else "never")' "$@"
}

topo_traffic_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

# topo_start_server N PORT ADDRS [ARGS...]: sctp-peer server "beN" in backend N.
_topo_listening() { grep -q '"event":"listening"' "$1" 2>/dev/null || ! kill -0 "$2" 2>/dev/null; }
topo_start_server() {
	local n=$1 port=$2 addrs=$3 ns log
	shift 3
	ns=$(eval echo "\$BE${n}_NS")
	log=$TOPO_DIR/be$n-$port.log
	topo_bg "$ns" "$log" "$SCTP_PEER" server --name "be$n" --local "$addrs" --port "$port" "$@"
	echo "$TOPO_LAST_PID" >"$TOPO_DIR/be$n-$port.pid"
	wait_until "$TOPO_DEADLINE" _topo_listening "$log" "$TOPO_LAST_PID"
	if ! grep -q '"event":"listening"' "$log"; then
		echo "topo_start_server: be$n port $port did not start:" >&2
		cat "$log" >&2
		return 1
	fi
}

topo_stop_bg() {
	local pid t
	for pid in $TOPO_BG_PIDS; do kill -TERM "$pid" 2>/dev/null; done
	for pid in $TOPO_BG_PIDS; do
		t=30
		while kill -0 "$pid" 2>/dev/null && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	TOPO_BG_PIDS=""
}

topo_info() {
	local n
	echo "topology $TOPO_ID (return via $TOPO_RETURN, forwarder $TOPO_FWD_MODE), logs in $TOPO_DIR"
	echo "  VIPs: A $VIP_A4 $VIP_A6   B $VIP_B4 $VIP_B6"
	echo "  client $CLI_NS: $CLI_IF_A $CLI_A4 $CLI_A6 / $CLI_IF_B $CLI_B4 $CLI_B6"
	echo "  forwarder $FWD_NS: client side $FWD_CLI_IF_A $FWD_CLI_A4 / $FWD_CLI_IF_B $FWD_CLI_B4"
	for n in 1 2 3; do
		eval echo "\"  backend $n \$BE${n}_NS: fa \$BE${n}_A4 \$BE${n}_A6 (fwd \$FWD_BE${n}_IF_A)" \
			"fb \$BE${n}_B4 \$BE${n}_B6 (fwd \$FWD_BE${n}_IF_B)\""
	done
	[ -n "$RTR_NS" ] && echo "  return router $RTR_NS"
	return 0
}

topo_destroy() {
	local ns pid
	topo_stop_bg
	for ns in $TOPO_NAMESPACES; do
		# Anything still running in our namespaces was started by this run.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	TOPO_NAMESPACES=""
	if [ -n "${TOPO_DIR:-}" ] && [ -d "$TOPO_DIR" ] && [ -z "${TOPO_KEEP_DIR:-}" ]; then
		rm -rf "$TOPO_DIR"
	fi
	return 0
}
