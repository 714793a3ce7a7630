# shellcheck shell=bash
# The NAT variant of the end-to-end topology (topo.sh, lb.sh), for services made with
# `service add --nat`: the backends hold no VIP, only their own address on each of
# their two interfaces (like a pod with two networks), and their replies leave from
# that address (the per-interface source fix of topo.sh, with the backend's own
# addresses instead of the VIPs).  They route the clients' subnets through the
# forwarder (--return fwd), where `sctplb attach b<n><p> --return` translates the
# replies back to the VIPs.  A script cds to the repository root and sources this file.
#
# Functions:
#   nat_create                 lb_create --return fwd, then the backends lose their VIPs
#   nat_service NAME PORT VIPS [ARGS]  lb_service NAME PORT VIPS --nat ARGS
#   nat_servers PORT VIPS [ARGS]  an sctp-peer server in each backend on PORT, bound to
#                              its own address on the path of each VIP
#   nat_full_routes SA SB      full NAT: SA, SB (the forwarder's addresses of paths A, B)
#                              on the forwarder; the backends lose their routes to the
#                              clients and reach only SA, SB, through the forwarder
#   nat_capture_start          tcpdump on the client's two interfaces (CLI_NS): SCTP, UDP
#                              and ICMP errors (whose quotes must hold no backend address)
#   nat_capture_stop           stops it, every frame it captured written (a test that
#                              reads the files itself calls it first)
#   nat_capture_check NAME     stops it; PASS if no frame holds any backend address
#                              (either family, anywhere: headers, INIT-ACK parameters,
#                              chunks) and the VIPs did answer (frames from a VIP
#                              seen).  Only the State Cookie is left out: the backend's
#                              own opaque data, signed by it (RFC 9260 5.1.3), which
#                              the client echoes unread and nobody may rewrite

# shellcheck source=tests/e2e/lib/lb.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lb.sh"
NAT_CAPTURE_PIDS=""

nat_create() {
	local n bns
	lb_create --return fwd || return 1
	for n in 1 2 3; do
		bns=$(eval echo "\$BE${n}_NS")
		ip -n "$bns" addr flush dev "$BE_VIP_IF" || return 1
		ip netns exec "$bns" nft delete table inet sctplb_srcfix || return 1
		_topo_srcfix "$bns" "$BE_IF_A" "$(eval echo "\$BE${n}_A4")" "$(eval echo "\$BE${n}_A6")" \
			"$BE_IF_B" "$(eval echo "\$BE${n}_B4")" "$(eval echo "\$BE${n}_B6")" || return 1
	done
}

nat_service() {
	local name=$1 port=$2 vips=$3
	shift 3
	lb_service "$name" "$port" "$vips" --nat "$@"
}

nat_servers() {
	local port=$1 vips=$2 n v addrs
	shift 2
	for n in 1 2 3; do
		addrs=""
		for v in ${vips//,/ }; do addrs="${addrs:+$addrs,}$(_lb_be_addr "$n" "$v")"; done
		topo_start_server "$n" "$port" "$addrs" "$@" || return 1
	done
}

nat_full_routes() {
	local n bns p low snat
	ip -n "$FWD_NS" addr add "$1/32" dev lo || return 1
	ip -n "$FWD_NS" addr add "$2/32" dev lo || return 1
	for n in 1 2 3; do
		bns=$(eval echo "\$BE${n}_NS")
		for p in A B; do
			low=${p,,}
			snat=$1
			[ "$p" = B ] && snat=$2
			# no way back to the clients: only to the forwarder's address of the path
			ip -n "$bns" route del "$(_topo_v4 "$p" 0 0)/29" || return 1
			ip -n "$bns" route del "$(_topo_v6 "$p" 0 0)/64" || return 1
			ip -n "$bns" route add "$snat/32" \
				via "$(eval echo "\$FWD_BE${n}_${p}4")" dev "f$low" || return 1
		done
	done
}

nat_capture_start() {
	local ifn
	for ifn in "$CLI_IF_A" "$CLI_IF_B"; do
		rm -f "$TOPO_DIR/client-$ifn.pcap"
		topo_capture "$CLI_NS" "$ifn" "$TOPO_DIR/client-$ifn.pcap" \
			sctp or udp or icmp or icmp6 || return 1
		NAT_CAPTURE_PIDS="$NAT_CAPTURE_PIDS $TOPO_LAST_PID"
	done
}

# The files are whole once tcpdump has exited (topo_capture).
nat_capture_stop() {
	local pid
	for pid in $NAT_CAPTURE_PIDS; do kill -INT "$pid" 2>/dev/null; done
	for pid in $NAT_CAPTURE_PIDS; do wait "$pid" 2>/dev/null; done
	NAT_CAPTURE_PIDS=""
}

nat_capture_check() {
	local name=$1 out addrs="" n p f
	nat_capture_stop
	for n in 1 2 3; do
		for p in A4 B4 A6 B6; do addrs="$addrs $(eval echo "\$BE${n}_$p")"; done
	done
	out=$(lb_python - "$VIP_A4 $VIP_B4 $VIP_A6 $VIP_B6" "$addrs" "$TOPO_DIR"/client-*.pcap <<'PY'
import socket, struct, sys
import pcapfile
def raw(a):
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)
vips = [raw(a) for a in sys.argv[1].split()]
bes = {raw(a): a for a in sys.argv[2].split()}
frames = from_vip = cookies = 0
leaks = {}

def opaque_cookie_blanked(pkt):
    """The frame with the State Cookie zeroed (INIT-ACK parameter 7, COOKIE-ECHO's
    body): the backend's own data, MAC-protected (RFC 9260 5.1.3), echoed unread."""
    pkt = bytearray(pkt)
    et = pkt[12:14]
    if et == b"\x08\x00":
        proto, off = pkt[23], 14 + (pkt[14] & 15) * 4
    elif et == b"\x86\xdd":
        proto, off = pkt[20], 54
    else:
        return bytes(pkt), 0
    if proto == 17:
        off += 8
    elif proto != 132:
        return bytes(pkt), 0
    off += 12
    n = 0
    while off + 4 <= len(pkt):
        ctype, clen = pkt[off], struct.unpack(">H", pkt[off + 2:off + 4])[0]
        if clen < 4:
            break
        if ctype == 10:
            pkt[off + 4:off + clen] = bytes(clen - 4)
            n += 1
        elif ctype == 2:
            p = off + 20
            while p + 4 <= off + clen:
                ptype, plen = struct.unpack(">HH", pkt[p:p + 4])
                if plen < 4:
                    break
                if ptype == 7:
                    pkt[p + 4:p + plen] = bytes(plen - 4)
                    n += 1
                p += (plen + 3) & ~3
        off += (clen + 3) & ~3
    return bytes(pkt), n
for f in sys.argv[3:]:
    for pkt in pcapfile.frames(f):
        frames += 1
        et = pkt[12:14]
        src = pkt[26:30] if et == b"\x08\x00" else pkt[22:38] if et == b"\x86\xdd" else b""
        from_vip += src in vips
        pkt, n = opaque_cookie_blanked(pkt)
        cookies += n
        for b, text in bes.items():
            if b in pkt:
                leaks[text] = leaks.get(text, 0) + 1
print("frames=%d from_vip=%d state_cookies=%d backend_addresses=%s" %
      (frames, from_vip, cookies, leaks or "none"))
sys.exit(1 if leaks or not from_vip else 0)
PY
	)
	if [ $? -eq 0 ]; then pass "$name"; else fail "$name" "$out"; fi
	echo "  $name: client capture: $out"
}
