# shellcheck shell=bash
# Several sctplb forwarders behind ECMP, with BGP (BIRD) between them and a router.
# Source it from the repository root, then:  ecmp_create [--forwarders N] [--agent]
# It sources topo.sh for its generic helpers (links, source fix, background processes,
# servers) and sets the traps: on exit ecmp_destroy stops BIRD, detaches sctplb, removes
# the pin dirs and deletes the namespaces, pass or fail.
#
#            path A (192.0.2.0/29)                        +------+  b1..b3 / f<i>  +------+
#   +-----+  pa ---- ca  +-----+  f1 ---- r  (BGP, sctplb) | FWD1 | ------------- | BE1  |
#   | CLI |              | RTR |  f2 ---- r                | FWD2 |  one veth per | BE2  | x3
#   +-----+  pb ---- cb  +-----+  ...                      +------+  fwd/backend  | BE3  |
#            path B (198.51.100.0/29)   |  b1..b3 ------------------------------ r  +------+
#                                       |  atk ---- rt +-----+   (direct server return)
#                                       +--------------| ATK |  spoofed-handshake flood
#                                                      +-----+
# - RTR runs BIRD with one eBGP session per forwarder and family (AS 65000, forwarder i
#   is AS 65000+i) and installs what it learns with "merge paths": the VIP routes are
#   multipath routes, one next hop per forwarder that announces them, and
#   fib_multipath_hash_policy=1 (IPv4 and IPv6) hashes each packet by addresses, protocol
#   and ports.  Path A (client A -> VIP A) and path B (client B -> VIP B) of one
#   association hash independently: about half the associations cross both forwarders.
# - FWDi runs BIRD announcing the four VIPs (static protocols "vips4" and "vips6", IPv4
#   /32 and IPv6 /128) and sctplb attached (XDP) on its router-facing veth "r", pins in
#   its own dir.  It has no route to the VIPs: only sctplb forwards them, over one
#   point-to-point veth per backend (b<n>), to the backend's own addresses (/32 and /128
#   routes via that veth).
# - BEn holds the VIPs and its own service addresses on a spare veth "vip" (pitfall 8),
#   has one veth per forwarder (f<i>) and one to the router (r), and returns to the
#   client through the router (direct server return).  Its raw IPv4 SCTP source address
#   is set by destination (client path A -> VIP A, path B -> VIP B; pitfall 1).
#   With --agent, `sctplb agent attach` runs on every f<i> and on r (pins in its own dir).
# - ATK is a namespace for the flood generator (tests/e2e/tools/sctp_flood.py); the
#   router blackholes the spoofed source ranges, so the backends' INIT-ACKs go nowhere.
#
# Addresses (all in documentation ranges; veth k of path A uses 192.0.2.(8k+1|2)/29 and
# 2001:db8:a:k::1|2/64 as in topo.sh):
#   k=0 path A and path B: client .1 - router .2     (CLI_A4/B4/A6/B6 as in topo.sh)
#   k=8+i   router .1 - forwarder i .2 (BGP, sctplb's interface)
#   k=12+3(i-1)+(n-1)  forwarder i .1 - backend n .2
#   k=20+n  router .1 - backend n .2 (return)
#   k=24    router .1 - attacker .2
#   backend n's own addresses (what sctplb forwards toward): 192.0.2.(240+n),
#     198.51.100.(240+n), 2001:db8:a:f0::n, 2001:db8:b:f0::n (BE<n>_A4/B4/A6/B6)
#   spoofed sources: 203.0.113.128/25 and 2001:db8:e::/48
#
# Variables (set by ecmp_create): everything topo.sh's docs name for CLI_NS, BE<n>_NS,
#   VIPs and client addresses, plus ECMP_N, ECMP_AGENT (0/1), RTR_NS, ATK_NS,
#   FWD<i>_NS, ECMP_PIN_PREFIX, ECMP_TAG_KEY (key file), ECMP_BGP_MS (BIRD start to
#   every VIP route with N next hops), ECMP_LAST_MS (duration of the last withdraw,
#   restore or restart), SCTPLB.
# Functions:
#   ecmp_create [--forwarders N] [--agent]   build, start BIRD, wait for N next hops
#   ecmp_sl I ARGS...          sctplb in forwarder I with its pin dir (nsenter)
#   ecmp_agent_sl N ARGS...    sctplb in backend N with its agent pin dir
#   ecmp_service NAME PORT VIPS   the service and backends be1..be3 on every forwarder,
#                              identically (recorded, replayed by ecmp_restart_fwd)
#   ecmp_agent_attach PORT VIPS   the agent on every backend's f<i> and r
#   ecmp_nexthops VIP          next hops of the router's route to VIP (0: no route)
#   ecmp_nexthops_all          "VIP=n ..." for the four VIPs
#   ecmp_wait_nexthops N [S]   until every VIP's route has N next hops (S seconds, 20)
#   ecmp_withdraw I [announce|crash] / ecmp_restore I   forwarder I stops announcing the
#                              VIPs (birdc disable), or its link fails (BFD);
#                              both wait for the router's routes to change
#   ecmp_restart_fwd I [config-first|attach-first]   detach, delete its pins, configure
#                              and attach again (in that order by default)
#   ecmp_flood PAIRS PORT VIPS [RATE]  spoofed INIT + COOKIE-ECHO pairs at the VIPs
#   ecmp_router_flows          "cport=A:f1,B:f2 ..." which forwarder the router sent
#                              each client port's packets of each path to (nft sets)
#   ecmp_stat I NAME           one global counter of forwarder I
#   ecmp_destroy               everything away (idempotent)

_ECMP_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck source=tests/e2e/lib/topo.sh
source "$_ECMP_REPO/tests/e2e/lib/topo.sh"
trap ecmp_destroy EXIT
trap 'exit 130' INT TERM
SCTPLB=${SCTPLB:-$_ECMP_REPO/build/sctplb}
ECMP_FLOOD=$_ECMP_REPO/tests/e2e/tools/sctp_flood.py
ECMP_PIN_PREFIX="" ECMP_ATTACHED="" ECMP_AGENT_ATTACHED=""
ECMP_VIPS="$VIP_A4 $VIP_B4 $VIP_A6 $VIP_B6"
ECMP_RTR_AS=65000
CLI_A4=$(_topo_v4 A 0 1) CLI_B4=$(_topo_v4 B 0 1) CLI_A6=$(_topo_v6 A 0 1) CLI_B6=$(_topo_v6 B 0 1)
export CLI_A4 CLI_B4 CLI_A6 CLI_B6

_ecmp_now() { date +%s%3N; }

ecmp_sl() {
	local i=$1
	shift
	nsenter --net="/run/netns/$TOPO_ID-fwd$i" "$SCTPLB" --pin-path "$ECMP_PIN_PREFIX-f$i" "$@"
}

ecmp_agent_sl() {
	local n=$1
	shift
	nsenter --net="/run/netns/$TOPO_ID-be$n" "$SCTPLB" --pin-path "$ECMP_PIN_PREFIX-be$n" "$@"
}

_ecmp_fwd_k() { echo $((12 + 3 * ($1 - 1) + ($2 - 1))); } # forwarder i, backend n -> k

# Raw IPv4 source by destination (pitfall 1), for a backend whose replies to both paths
# leave by one interface.  Stateless; the CRC32c does not cover IP addresses.
_ecmp_srcfix_by_dst() {
	ip netns exec "$1" nft -f - <<EOF
table inet sctplb_srcfix {
	chain post {
		type filter hook postrouting priority 100; policy accept;
		ip daddr 192.0.2.0/29 meta l4proto sctp ip saddr set $VIP_A4
		ip daddr 198.51.100.0/29 meta l4proto sctp ip saddr set $VIP_B4
		ip6 daddr 2001:db8:a::/64 meta l4proto sctp ip6 saddr set $VIP_A6
		ip6 daddr 2001:db8:b::/64 meta l4proto sctp ip6 saddr set $VIP_B6
	}
}
EOF
}

# Which forwarder carries which client flow: one dynamic set per forwarder veth and
# family, keyed by (VIP, client port), filled by the router's forward hook.
_ecmp_router_sets() {
	local i rules="" sets=""
	for i in $(seq 1 "$ECMP_N"); do
		sets="$sets
	set f${i}v4 { type ipv4_addr . inet_service; flags dynamic; size 65536; }
	set f${i}v6 { type ipv6_addr . inet_service; flags dynamic; size 65536; }"
		rules="$rules
		oifname \"f$i\" ip saddr { 192.0.2.0/29, 198.51.100.0/29 } meta l4proto sctp update @f${i}v4 { ip daddr . sctp sport }
		oifname \"f$i\" ip6 saddr { 2001:db8:a::/64, 2001:db8:b::/64 } meta l4proto sctp update @f${i}v6 { ip6 daddr . sctp sport }"
	done
	ip netns exec "$RTR_NS" nft -f - <<EOF
table inet ecmp_flows {
	$sets
	chain flows {
		type filter hook forward priority 0; policy accept;
		$rules
	}
}
EOF
}

ecmp_router_flows() {
	# shellcheck disable=SC2086 # one argument per VIP
	ip netns exec "$RTR_NS" nft -j list table inet ecmp_flows | python3 -c '
import json, sys
vips = {sys.argv[1]: "A", sys.argv[2]: "B", sys.argv[3]: "A", sys.argv[4]: "B"}
flows = {}
for o in json.load(sys.stdin)["nftables"]:
    s = o.get("set")
    if not s or not s.get("elem"):
        continue
    f = s["name"][:-2]
    for e in s["elem"]:
        e = e.get("elem", {}).get("val", e) if isinstance(e, dict) else e
        vip, port = e["concat"]
        flows.setdefault(port, {}).setdefault(vips.get(vip, vip), set()).add(f)
print(" ".join("%d=%s" % (p, ",".join("%s:%s" % (k, "+".join(sorted(v)))
      for k, v in sorted(flows[p].items()))) for p in sorted(flows)))' $ECMP_VIPS
}

# BIRD in namespace NS with config CONF; socket and pid file in TOPO_DIR.
_ecmp_bird() {
	local name=$1 ns=$2 conf=$3
	ip netns exec "$ns" bird -c "$conf" -s "$TOPO_DIR/bird-$name.ctl" -P "$TOPO_DIR/bird-$name.pid" ||
		{ echo "ecmp: bird in $ns failed to start ($conf)" >&2; return 1; }
}

ecmp_birdc() { # NAME (rtr|fwdI) ARGS...
	local name=$1
	shift
	birdc -s "$TOPO_DIR/bird-$name.ctl" "$@"
}

# Timers: BGP retries at once, and a protocol that failed starts again after 1 s, not
# after BIRD's default 60 s.  BFD (RFC 5880) under each session notices a dead link or
# forwarder in 5 x 300 ms; the BGP hold time (6 s) is the fallback.  Both leave room for
# a daemon that a loaded machine schedules late (bgp_stable in the test checks it).
_ECMP_BGP_TIMERS="hold time 6; keepalive time 2; connect delay time 1; connect retry time 1;
	error wait time 1,2; error forget time 10; bfd on;"
_ECMP_BFD='protocol bfd { interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 5; }; }'


_ecmp_bird_router_conf() {
	local i a4 f4 a6 f6
	cat <<EOF
router id $(_topo_v4 A 0 2);
log "$TOPO_DIR/bird-rtr.log" all;
debug protocols { states, events };
protocol device { scan time 10; }
$_ECMP_BFD
# Multipath: the kernel route of a prefix gets every equally good BGP route as a next hop.
protocol kernel k4 { ipv4 { import none; export all; }; merge paths on; }
protocol kernel k6 { ipv6 { import none; export all; }; merge paths on; }
template bgp fwd {
	$_ECMP_BGP_TIMERS
}
EOF
	for i in $(seq 1 "$ECMP_N"); do
		a4=$(_topo_v4 A $((8 + i)) 1) f4=$(_topo_v4 A $((8 + i)) 2)
		a6=$(_topo_v6 A $((8 + i)) 1) f6=$(_topo_v6 A $((8 + i)) 2)
		cat <<EOF
protocol bgp f${i}v4 from fwd {
	local $a4 as $ECMP_RTR_AS; neighbor $f4 as $((ECMP_RTR_AS + i));
	ipv4 { import all; export none; };
}
protocol bgp f${i}v6 from fwd {
	local $a6 as $ECMP_RTR_AS; neighbor $f6 as $((ECMP_RTR_AS + i));
	ipv6 { import all; export none; };
}
EOF
	done
}

_ecmp_bird_fwd_conf() {
	local i=$1 a4 r4 a6 r6
	a4=$(_topo_v4 A $((8 + i)) 2) r4=$(_topo_v4 A $((8 + i)) 1)
	a6=$(_topo_v6 A $((8 + i)) 2) r6=$(_topo_v6 A $((8 + i)) 1)
	cat <<EOF
router id $a4;
log "$TOPO_DIR/bird-fwd$i.log" all;
protocol device { scan time 10; }
$_ECMP_BFD
# The VIPs, announced only (no kernel protocol: sctplb forwards them, not the kernel).
protocol static vips4 { ipv4; route $VIP_A4/32 blackhole; route $VIP_B4/32 blackhole; }
protocol static vips6 { ipv6; route $VIP_A6/128 blackhole; route $VIP_B6/128 blackhole; }
protocol bgp up4 {
	local $a4 as $((ECMP_RTR_AS + i)); neighbor $r4 as $ECMP_RTR_AS;
	$_ECMP_BGP_TIMERS
	ipv4 { import none; export where proto = "vips4"; };
}
protocol bgp up6 {
	local $a6 as $((ECMP_RTR_AS + i)); neighbor $r6 as $ECMP_RTR_AS;
	$_ECMP_BGP_TIMERS
	ipv6 { import none; export where proto = "vips6"; };
}
EOF
}

# ecmp_nexthops_all: "VIP=n ..." for the four VIPs: the next hops of the router's route
# to each (0: no route).  One read of each routing table.
ecmp_nexthops_all() {
	# shellcheck disable=SC2086 # one argument per VIP
	{
		ip -n "$RTR_NS" -j -4 route show
		echo
		ip -n "$RTR_NS" -j -6 route show
		echo
	} | python3 -c '
import json, sys
routes = [r for part in sys.stdin.read().split("\n") if part.strip() for r in json.loads(part)]
n = {}
for r in routes:
    if r.get("type", "unicast") == "unicast":
        n[r["dst"]] = len(r["nexthops"]) if "nexthops" in r else 1
print(" ".join("%s=%d" % (v, n.get(v, 0)) for v in sys.argv[1:]))' $ECMP_VIPS
}

# ecmp_nexthops VIP: next hops of the router's route to VIP.
ecmp_nexthops() {
	local kv
	for kv in $(ecmp_nexthops_all); do
		[ "${kv%=*}" = "$1" ] && { echo "${kv#*=}"; return; }
	done
	echo 0
}

# ecmp_wait_nexthops N [SECONDS]: until the route of every VIP has N next hops.
ecmp_wait_nexthops() {
	local want=$1 end all kv ok
	end=$(($(_ecmp_now) + ${2:-20} * 1000))
	while :; do
		all=$(ecmp_nexthops_all) ok=1
		for kv in $all; do [ "${kv#*=}" -eq "$want" ] || ok=0; done
		[ $ok -eq 1 ] && return 0
		[ "$(_ecmp_now)" -lt "$end" ] || break
		sleep 0.02
	done
	echo "ecmp: VIP routes not at $want next hops: $all" >&2
	return 1
}

_ecmp_fwd_attach() {
	local i=$1 out
	out=$(ecmp_sl "$i" attach r 2>&1) || { echo "ecmp: sctplb attach r in fwd$i: $out" >&2; return 1; }
	case " $ECMP_ATTACHED " in *" $i "*) ;; *) ECMP_ATTACHED="$ECMP_ATTACHED $i" ;; esac
}

ecmp_create() {
	local n p k i low bns fns out
	ECMP_N=2 ECMP_AGENT=0
	while [ $# -gt 0 ]; do
		case $1 in
		--forwarders) ECMP_N=$2; shift 2 ;;
		--agent) ECMP_AGENT=1; shift ;;
		*) echo "ecmp_create: unknown argument $1" >&2; return 2 ;;
		esac
	done
	case $ECMP_N in 2 | 3) ;; *) echo "ecmp_create: --forwarders 2 or 3" >&2; return 2 ;; esac
	[ "$(id -u)" -eq 0 ] || { echo "ecmp_create: needs root" >&2; return 1; }
	if [ ! -x "$SCTPLB" ] || [ ! -x "$SCTP_PEER" ]; then
		echo "ecmp_create: build first (make)" >&2
		return 1
	fi
	if ! command -v bird >/dev/null || ! command -v birdc >/dev/null; then
		echo "ecmp_create: bird2 is not installed; run 'make deps' as root" >&2
		return 1
	fi
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

	TOPO_ID="slb-$$-$RANDOM"
	TOPO_RETURN=dsr TOPO_FWD_MODE=lb
	TOPO_DIR=$(mktemp -d "/tmp/$TOPO_ID.XXXX")
	ECMP_PIN_PREFIX=/sys/fs/bpf/sctplb-e2e-$TOPO_ID
	CLI_NS=$TOPO_ID-cli RTR_NS=$TOPO_ID-rtr ATK_NS=$TOPO_ID-atk FWD_NS=""
	BE1_NS=$TOPO_ID-be1 BE2_NS=$TOPO_ID-be2 BE3_NS=$TOPO_ID-be3
	export TOPO_ID TOPO_RETURN TOPO_FWD_MODE TOPO_DIR CLI_NS RTR_NS ATK_NS FWD_NS BE1_NS BE2_NS BE3_NS
	export ECMP_N ECMP_AGENT ECMP_PIN_PREFIX

	for n in cli rtr atk $(seq -f 'fwd%g' 1 "$ECMP_N") be1 be2 be3; do
		_topo_ns_add "$TOPO_ID-$n" || { ecmp_destroy; return 1; }
	done
	ip netns exec "$CLI_NS" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null
	ip netns exec "$ATK_NS" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null
	# L4 hash: the ports of each packet choose its next hop, so each SCTP path of an
	# association goes its own way (policy 1 = addresses, protocol and ports).
	ip netns exec "$RTR_NS" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.fib_multipath_hash_policy=1 >/dev/null ||
		{ echo "ecmp_create: fib_multipath_hash_policy=1 refused" >&2; ecmp_destroy; return 1; }

	# client <-> router, both paths; the router is also the return path (DSR).
	_topo_link "$CLI_NS" "$CLI_IF_A" "$RTR_NS" ca A 0 || { ecmp_destroy; return 1; }
	_topo_link "$CLI_NS" "$CLI_IF_B" "$RTR_NS" cb B 0 || { ecmp_destroy; return 1; }
	ip -n "$CLI_NS" route add "$VIP_A4/32" via "$(_topo_v4 A 0 2)" dev "$CLI_IF_A"
	ip -n "$CLI_NS" route add "$VIP_B4/32" via "$(_topo_v4 B 0 2)" dev "$CLI_IF_B"
	ip -n "$CLI_NS" route add "$VIP_A6/128" via "$(_topo_v6 A 0 2)" dev "$CLI_IF_A"
	ip -n "$CLI_NS" route add "$VIP_B6/128" via "$(_topo_v6 B 0 2)" dev "$CLI_IF_B"
	_topo_srcfix "$CLI_NS" "$CLI_IF_A" "$CLI_A4" "$CLI_A6" "$CLI_IF_B" "$CLI_B4" "$CLI_B6"

	# attacker <-> router; the spoofed ranges lead nowhere.
	_topo_link "$RTR_NS" atk "$ATK_NS" rt A 24 || { ecmp_destroy; return 1; }
	ip -n "$ATK_NS" route add 203.0.113.0/24 via "$(_topo_v4 A 24 1)" dev rt
	ip -n "$ATK_NS" route add 2001:db8:f::/48 via "$(_topo_v6 A 24 1)" dev rt
	ip -n "$RTR_NS" route add blackhole 203.0.113.128/25
	ip -n "$RTR_NS" route add blackhole 2001:db8:e::/48

	for i in $(seq 1 "$ECMP_N"); do
		fns=$TOPO_ID-fwd$i
		export "FWD${i}_NS=$fns"
		_topo_link "$RTR_NS" "f$i" "$fns" r A $((8 + i)) || { ecmp_destroy; return 1; }
	done

	for n in 1 2 3; do
		bns=$TOPO_ID-be$n
		# the backend's own addresses, and the VIPs, on a spare veth pair (pitfall 8)
		ip -n "$bns" link add "$BE_VIP_IF" type veth peer name "${BE_VIP_IF}p"
		export "BE${n}_A4=192.0.2.$((240 + n))" "BE${n}_B4=198.51.100.$((240 + n))"
		export "BE${n}_A6=2001:db8:a:f0::$n" "BE${n}_B6=2001:db8:b:f0::$n"
		for p in A B; do
			ip -n "$bns" addr add "$(eval echo "\$BE${n}_${p}4")/32" dev "$BE_VIP_IF"
			ip -n "$bns" addr add "$(eval echo "\$BE${n}_${p}6")/128" dev "$BE_VIP_IF" nodad
		done
		for p in $ECMP_VIPS; do
			case $p in
			*:*) ip -n "$bns" addr add "$p/128" dev "$BE_VIP_IF" nodad ;;
			*) ip -n "$bns" addr add "$p/32" dev "$BE_VIP_IF" ;;
			esac
		done
		ip -n "$bns" link set "$BE_VIP_IF" up
		ip -n "$bns" link set "${BE_VIP_IF}p" up
		ip netns exec "$bns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null
		# return link to the router, and the client's subnets through it
		k=$((20 + n))
		_topo_link "$RTR_NS" "b$n" "$bns" r A "$k" || { ecmp_destroy; return 1; }
		for p in A B; do
			low=${p,,}
			ip -n "$bns" route add "$(_topo_v4 "$p" 0 0)/29" via "$(_topo_v4 A "$k" 1)" dev r
			ip -n "$bns" route add "2001:db8:$low::/64" via "$(_topo_v6 A "$k" 1)" dev r
		done
		_ecmp_srcfix_by_dst "$bns" || { ecmp_destroy; return 1; }
		# one veth per forwarder; the forwarder routes the backend's addresses over it
		for i in $(seq 1 "$ECMP_N"); do
			fns=$TOPO_ID-fwd$i k=$(_ecmp_fwd_k "$i" "$n")
			_topo_link "$fns" "b$n" "$bns" "f$i" A "$k" || { ecmp_destroy; return 1; }
			for p in A B; do
				ip -n "$fns" route add "$(eval echo "\$BE${n}_${p}4")/32" via "$(_topo_v4 A "$k" 2)" dev "b$n"
				ip -n "$fns" route add "$(eval echo "\$BE${n}_${p}6")/128" via "$(_topo_v6 A "$k" 2)" dev "b$n"
			done
		done
	done
	_ecmp_router_sets || { ecmp_destroy; return 1; }

	# BGP: the router first, then the forwarders; wait for N next hops per VIP.
	local t0
	t0=$(_ecmp_now)
	_ecmp_bird_router_conf >"$TOPO_DIR/bird-rtr.conf"
	_ecmp_bird rtr "$RTR_NS" "$TOPO_DIR/bird-rtr.conf" || { ecmp_destroy; return 1; }
	for i in $(seq 1 "$ECMP_N"); do
		_ecmp_bird_fwd_conf "$i" >"$TOPO_DIR/bird-fwd$i.conf"
		_ecmp_bird "fwd$i" "$TOPO_ID-fwd$i" "$TOPO_DIR/bird-fwd$i.conf" || { ecmp_destroy; return 1; }
	done
	if ! ecmp_wait_nexthops "$ECMP_N" 30; then
		ecmp_birdc rtr show protocols >&2
		ecmp_destroy
		return 1
	fi
	ECMP_BGP_MS=$(($(_ecmp_now) - t0))
	export ECMP_BGP_MS

	for i in $(seq 1 "$ECMP_N"); do
		_ecmp_fwd_attach "$i" || { ecmp_destroy; return 1; }
	done
	if [ "$ECMP_AGENT" = 1 ]; then
		# The same key file for every forwarder and backend (mode 0600, made by sctplb).
		ECMP_TAG_KEY=$TOPO_DIR/tag.key
		out=$("$SCTPLB" keygen "$ECMP_TAG_KEY" 2>&1) ||
			{ echo "ecmp_create: sctplb keygen: $out" >&2; ecmp_destroy; return 1; }
		export ECMP_TAG_KEY
	fi
	: >"$TOPO_DIR/fwd-config"
}

# The configuration every forwarder gets, one sctplb command per line in
# $TOPO_DIR/fwd-config (replayed by ecmp_restart_fwd).
_ecmp_config() { # ARGS...: run on every forwarder, record
	local i out
	for i in $(seq 1 "$ECMP_N"); do
		out=$(ecmp_sl "$i" "$@" 2>&1) || { echo "ecmp: fwd$i: sctplb $*: $out" >&2; return 1; }
	done
	printf '%q ' "$@" >>"$TOPO_DIR/fwd-config"
	echo >>"$TOPO_DIR/fwd-config"
}

_ecmp_replay_config() {
	local i=$1 line out
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		out=$(eval "ecmp_sl $i $line" 2>&1) || { echo "ecmp: fwd$i: sctplb $line: $out" >&2; return 1; }
	done <"$TOPO_DIR/fwd-config"
}

# _ecmp_be_addr N VIP: backend N's own address on the path of VIP.
_ecmp_be_addr() {
	case $2 in
	"$VIP_A4") eval echo "\$BE${1}_A4" ;;
	"$VIP_B4") eval echo "\$BE${1}_B4" ;;
	"$VIP_A6") eval echo "\$BE${1}_A6" ;;
	"$VIP_B6") eval echo "\$BE${1}_B6" ;;
	*) echo "_ecmp_be_addr: $2 is not a VIP" >&2; return 1 ;;
	esac
}

# ecmp_service NAME PORT VIPS: service and backends be1..be3 on every forwarder; with
# the agent, the service carries the tag key and each backend its server id (= n).
ecmp_service() {
	local name=$1 port=$2 vips=$3 n v addrs
	local key=() sid=()
	[ "$ECMP_AGENT" = 1 ] && key=(--tag-key "$ECMP_TAG_KEY")
	_ecmp_config service add "$name" --vip "$vips" --port "$port" "${key[@]}" || return 1
	for n in 1 2 3; do
		addrs=""
		for v in ${vips//,/ }; do addrs="${addrs:+$addrs,}$(_ecmp_be_addr "$n" "$v")" || return 1; done
		[ "$ECMP_AGENT" = 1 ] && sid=(--server-id "$n")
		_ecmp_config backend add "$name" "be$n" --addr "$addrs" "${sid[@]}" || return 1
	done
}

# ecmp_agent_attach PORT VIPS: the routable-tag agent on every interface of every
# backend that SCTP of the service crosses (f<i> in, r out).  Each `agent attach` loads
# and verifies its programs (seconds each on a loaded machine): the three backends do
# theirs at the same time.
ecmp_agent_attach() {
	local port=$1 vips=$2 n ifn pid pids="" rc=0
	for n in 1 2 3; do
		(
			for ifn in $(seq -f 'f%g' 1 "$ECMP_N") r; do
				out=$(ecmp_agent_sl "$n" agent attach "$ifn" --vip "$vips" --port "$port" \
					--server-id "$n" --tag-key "$ECMP_TAG_KEY" 2>&1) ||
					{ echo "ecmp: be$n: sctplb agent attach $ifn: $out" >&2; exit 1; }
				echo "$ifn" >>"$TOPO_DIR/agent-be$n"
			done
		) &
		pids="$pids $!"
	done
	for pid in $pids; do wait "$pid" || rc=1; done
	# what was attached, for ecmp_destroy, whatever failed
	for n in 1 2 3; do
		while read -r ifn; do
			ECMP_AGENT_ATTACHED="$ECMP_AGENT_ATTACHED $n:$ifn"
		done < <(cat "$TOPO_DIR/agent-be$n" 2>/dev/null)
	done
	return $rc
}

# ecmp_agent_available: does this sctplb have the agent command?  Prints the reason if not.
ecmp_agent_available() {
	local out
	out=$("$SCTPLB" --pin-path "/sys/fs/bpf/sctplb-e2e-probe-$$" agent status 2>&1)
	rm -rf "/sys/fs/bpf/sctplb-e2e-probe-$$"
	if grep -qi "unknown command" <<<"$out"; then
		echo "$out"
		return 1
	fi
	return 0
}

# ecmp_withdraw I [announce|crash]: forwarder I leaves the router's next hops.
#   announce (default)  it stops announcing the VIPs (birdc disable "vips*"): BGP sends
#                       the withdrawal at once;
#   crash               its link to the router fails (nft drops both ways on both ends,
#                       pitfall 6): the router notices by BFD (1.5 s), and blackholes
#                       that forwarder's share until then.
# Returns when the router's VIP routes have one next hop fewer; ECMP_LAST_MS is the time
# from the command to that.  ecmp_restore I undoes it and waits for the next hop back.
ecmp_withdraw() {
	local i=$1 how=${2:-announce} cur t0 out
	cur=$(ecmp_nexthops "$VIP_A4")
	t0=$(_ecmp_now)
	case $how in
	announce)
		out=$(ecmp_birdc "fwd$i" disable '"vips*"' 2>&1) ||
			{ echo "ecmp: birdc disable on fwd$i: $out" >&2; return 1; } ;;
	crash)
		topo_cut_if "$RTR_NS" "f$i" && topo_cut_if "$TOPO_ID-fwd$i" r || return 1 ;;
	*) echo "ecmp_withdraw: announce or crash" >&2; return 2 ;;
	esac
	eval "_ECMP_WITHDRAWN_$i=$how"
	ecmp_wait_nexthops $((cur - 1)) 20 || return 1
	ECMP_LAST_MS=$(($(_ecmp_now) - t0))
	export ECMP_LAST_MS
}

ecmp_restore() {
	local i=$1 how cur t0 out
	how=$(eval echo "\${_ECMP_WITHDRAWN_$i:-announce}")
	cur=$(ecmp_nexthops "$VIP_A4")
	t0=$(_ecmp_now)
	case $how in
	announce)
		out=$(ecmp_birdc "fwd$i" enable '"vips*"' 2>&1) ||
			{ echo "ecmp: birdc enable on fwd$i: $out" >&2; return 1; } ;;
	crash)
		topo_restore_if "$RTR_NS" "f$i"
		topo_restore_if "$TOPO_ID-fwd$i" r ;;
	esac
	ecmp_wait_nexthops $((cur + 1)) 30 || return 1
	ECMP_LAST_MS=$(($(_ecmp_now) - t0))
	export ECMP_LAST_MS
}

# ecmp_restart_fwd I [config-first|attach-first]: forwarder I restarts with its maps
# deleted: detach, remove the pins, then
#   config-first (default)  configure (replay the recorded commands), then attach: the
#                           order of an operator's restart (configuration works before
#                           attach), so no packet meets a half-made configuration;
#   attach-first            attach, then configure: packets that arrive in between meet
#                           no service, or a service whose backends are not all there.
# BGP stays up (a process restart, not a withdrawal).  ECMP_LAST_MS: detach to done.
ecmp_restart_fwd() {
	local i=$1 how=${2:-config-first} t0 out
	case $how in config-first | attach-first) ;; *)
		echo "ecmp_restart_fwd: config-first or attach-first" >&2; return 2 ;;
	esac
	t0=$(_ecmp_now)
	out=$(ecmp_sl "$i" detach r 2>&1) || { echo "ecmp: fwd$i: detach r: $out" >&2; return 1; }
	case $ECMP_PIN_PREFIX in /sys/fs/bpf/sctplb-e2e-?*) rm -rf "$ECMP_PIN_PREFIX-f$i" ;; esac
	[ -e "$ECMP_PIN_PREFIX-f$i" ] && { echo "ecmp: fwd$i: pins not removed" >&2; return 1; }
	if [ "$how" = config-first ]; then
		_ecmp_replay_config "$i" && _ecmp_fwd_attach "$i" || return 1
	else
		_ecmp_fwd_attach "$i" && _ecmp_replay_config "$i" || return 1
	fi
	ECMP_LAST_MS=$(($(_ecmp_now) - t0))
	export ECMP_LAST_MS
}

# ecmp_flood PAIRS PORT VIPS [RATE]: spoofed INIT + COOKIE-ECHO pairs from ATK_NS to
# each of VIPS (comma separated) in turn, service port PORT, RATE pairs/s (0, the
# default: as fast as it goes).  Output: the generator's line.
ecmp_flood() {
	local pairs=$1 port=$2 vips=$3 rate=${4:-0} mac
	mac=$(_topo_mac "$RTR_NS" atk)
	ip netns exec "$ATK_NS" python3 "$ECMP_FLOOD" --ifname rt --dst-mac "$mac" \
		--vip "$vips" --port "$port" --pairs "$pairs" --rate "$rate" \
		--src4 203.0.113.128/25 --src6 2001:db8:e::/48
}

ecmp_json() { local i=$1; shift; ecmp_sl "$i" --json "$@"; }

ecmp_stat() {
	ecmp_json "$1" stats | python3 -c '
import json, sys
print(next((s["value"] for s in json.load(sys.stdin) if s["name"] == sys.argv[1]), 0))' "$2"
}

ecmp_destroy() {
	local i n ifn pid
	if [ -n "${TOPO_DIR:-}" ] && [ -d "$TOPO_DIR" ]; then
		for pid in "$TOPO_DIR"/bird-*.pid; do
			[ -e "$pid" ] || continue
			kill -TERM "$(cat "$pid")" 2>/dev/null
		done
	fi
	if [ -n "$ECMP_PIN_PREFIX" ]; then
		for i in $ECMP_ATTACHED; do ecmp_sl "$i" detach r >/dev/null 2>&1; done
		for ifn in $ECMP_AGENT_ATTACHED; do
			ecmp_agent_sl "${ifn%%:*}" agent detach "${ifn#*:}" >/dev/null 2>&1
		done
	fi
	ECMP_ATTACHED="" ECMP_AGENT_ATTACHED=""
	topo_destroy
	case $ECMP_PIN_PREFIX in
	/sys/fs/bpf/sctplb-e2e-?*)
		for i in 1 2 3; do rm -rf "$ECMP_PIN_PREFIX-f$i" "$ECMP_PIN_PREFIX-be$i"; done ;;
	esac
	return 0
}

# ecmp_no_leftovers IDS PIN_PREFIX: our namespaces, BIRD processes and pins are gone.
ecmp_no_leftovers() {
	local ids=$1 pin=$2 ns birds pins
	ns=$(ip netns list | grep -c "^$ids-")
	birds=$(pgrep -f "bird -c /tmp/$ids" | wc -l)
	pins=$(find /sys/fs/bpf -maxdepth 1 -name "${pin##*/}-*" | wc -l)
	if [ "$ns" -eq 0 ] && [ "$birds" -eq 0 ] && [ "$pins" -eq 0 ]; then
		echo "PASS no_leftovers"
	else
		echo "FAIL no_leftovers: $ns namespaces, $birds bird processes, $pins pin dirs left"
		return 1
	fi
}
