#!/usr/bin/env bash
# sctplb end to end, full NAT: a (Tc, port) collision answered as draft-ietf-tsvwg-natsupp
# prescribes, with a real SCTP stack (usrsctp) as the client.  Two clients behind one
# forwarder address collide when they pick the same port and the same Initiate Tag; a
# stack picks its tag at random, so the test makes the other client: while no server
# answers yet, it writes another address (OTHER_A4, OTHER_B4) into the forwarder's flow
# of the tag the client has just sent (snat_flows, through bpftool), as if another client
# held (Tc, port).  The client's next INIT, a retransmission with the same tag, collides:
#   collision_abort     the forwarder answers it (nat_snat_collision), and the client's
#                       capture holds that ABORT from the VIP: M bit, T bit clear, vtag the
#                       INIT's Initiate Tag, the cause "VTag and Port Number Collision"
#                       (176) quoting the INIT;
#   collision_restart   the client starts again on its own with a new tag (no new connect
#                       by the application), its association comes up once the servers
#                       run, and carries every message; the forwarder's flows hold the new
#                       tag with the client's own address;
#   collision_icmp      while no server runs, the backends' kernels (no SCTP in them) answer
#                       the INITs with ICMP protocol unreachable, to the forwarder's address:
#                       the client gets them from the VIP, quoting its own INIT to the VIP
#                       (nat_icmp_to_client);
#   collision_capture   no backend address at the client.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/nat.sh
source tests/e2e/lib/nat.sh
SNAT_A4=192.0.2.249 SNAT_B4=198.51.100.249 # outside every link of the topology
OTHER_A4=192.0.2.77 OTHER_B4=198.51.100.77 # the other client's addresses
LPORT=47000
start=$(now_ms)

# snat_flows SUBCOMMAND: the forwarder's full-NAT flows of port LPORT (pinned map), read
# and written with bpftool (key: service, Tc, client port; value: an address per path).
#   list             one line per flow: "TC ADDR_A ADDR_B" (- for none)
#   other TC         the flow of TC: every address it holds becomes OTHER_*
snat_flows() {
	local map="$LB_PIN/snat_flows"
	nsenter --net="/run/netns/$FWD_NS" bpftool -j map dump pinned "$map" |
		python3 -c '
import json, socket, struct, subprocess, sys
cmd, lport, other, map_ = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
def b(h): return bytes(int(x, 16) for x in h)
for e in json.load(sys.stdin):
    k, v = b(e["key"]), bytearray(b(e["value"]))
    svc, tc = struct.unpack("<II", k[:8])
    if struct.unpack(">H", k[8:10])[0] != lport:
        continue
    addrs = []
    for i in range(2):
        a = v[20 * i:20 * i + 20]
        addrs.append(socket.inet_ntop(socket.AF_INET, bytes(a[:4])) if a[16] == 4 else
                     socket.inet_ntop(socket.AF_INET6, bytes(a[:16])) if a[16] == 6 else "-")
    if cmd == "list":
        print("%08x %s %s" % (tc, addrs[0], addrs[1]))
    elif cmd == "other" and "%08x" % tc == sys.argv[5]:
        for i in range(2):
            if v[20 * i + 16] == 4:
                v[20 * i:20 * i + 4] = socket.inet_pton(socket.AF_INET, other[i])
        subprocess.run(["bpftool", "map", "update", "pinned", map_, "key", "hex"] +
                       ["%02x" % x for x in k] + ["value", "hex"] + ["%02x" % x for x in v],
                       check=True)
' "$1" "$LPORT" "$OTHER_A4,$OTHER_B4" "$map" "${2:-}"
}

first_flow() { FIRST=$(snat_flows list | head -1) && [ -n "$FIRST" ]; }
collided() { [ "$(lb_stat nat_snat_collision)" -ge 1 ]; }
client_done() { ! kill -0 "$CLIENT_PID" 2>/dev/null; }

if ! nat_create || ! nat_full_routes "$SNAT_A4" "$SNAT_B4" || ! nat_capture_start ||
	! nat_service collide 36412 "$VIP_A4,$VIP_B4" --target-port 36413 \
		--snat "$SNAT_A4,$SNAT_B4"; then
	fail setup "topology, sctplb or capture failed"
	exit 1
fi

# The client's INITs go unanswered (no server yet), so it retransmits them.
topo_bg "$CLI_NS" "$TOPO_DIR/client.log" timeout 120 "$SCTP_PEER" client \
	--local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port 36412 --lport "$LPORT" \
	--count 20 --interval 20 --connect-timeout 60000
CLIENT_PID=$TOPO_LAST_PID
FIRST=""
if ! wait_until "$TOPO_DEADLINE" first_flow; then
	fail collision_abort "no flow for the client's INIT"
	lb_destroy
	exit 1
fi
tc1=${FIRST%% *}
echo "  the client's INIT: Tc $tc1, flow: $FIRST; another client now holds it"
snat_flows other "$tc1" || fail collision_abort "bpftool could not write the flow"
echo "  flows now: $(snat_flows list | tr '\n' ';')"
if wait_until "$TOPO_DEADLINE" collided; then
	echo "  nat_snat_collision $(lb_stat nat_snat_collision)"
else
	fail collision_abort "no collision counted (nat_snat_collision 0)"
fi
nat_servers 36413 "$VIP_A4,$VIP_B4" || fail setup "servers"
wait_until "$TOPO_DEADLINE" client_done
wait "$CLIENT_PID"
rc=$?
stats=$("$SCTP_PEER" stats "$TOPO_DIR/client.log" sent received lost 2>/dev/null)
flows=$(snat_flows list | tr '\n' ';')
echo "  client: exit $rc, sent received lost: $stats; flows: $flows"

# The capture: the ABORT the client got, and the tags of its INITs (the restart's INIT
# was sent moments ago: stop the capture, so that it is in the file).
nat_capture_stop
abort=$(lb_python - "$VIP_A4 $VIP_B4" "$tc1" "$CLI_A4 $CLI_B4" "$TOPO_DIR"/client-*.pcap <<'PY'
import socket, struct, sys
import pcapfile
vips = [socket.inet_pton(socket.AF_INET, a) for a in sys.argv[1].split()]
tc1 = int(sys.argv[2], 16)
aborts, init_tags, icmps, own = [], set(), 0, []
clients = [socket.inet_pton(socket.AF_INET, a) for a in sys.argv[3].split()]
for f in sys.argv[4:]:
    for pkt in pcapfile.frames(f):
        if pkt[12:14] == b"\x08\x00" and pkt[23] == 1 and pkt[26:30] in vips:
            q = 14 + (pkt[14] & 15) * 4 + 8  # the quoted IP header
            icmps += (pkt[q - 8] == 3 and pkt[q + 9] == 132 and pkt[q + 16:q + 20] in vips and
                      pkt[q + 12:q + 16] in clients)
        if pkt[12:14] != b"\x08\x00" or pkt[23] != 132:
            continue
        ip = 14 + (pkt[14] & 15) * 4
        sctp = pkt[ip:14 + struct.unpack(">H", pkt[16:18])[0]]
        vtag = struct.unpack(">I", sctp[4:8])[0]
        ctype, flags, clen = sctp[12], sctp[13], struct.unpack(">H", sctp[14:16])[0]
        if ctype == 1:
            init_tags.add(struct.unpack(">I", sctp[16:20])[0])
        if ctype == 6 and pkt[26:30] in vips:
            cause, clen2 = struct.unpack(">HH", sctp[16:20])
            quoted_tag = struct.unpack(">I", sctp[24:28])[0] if len(sctp) >= 28 else None
            aborts.append((vtag, flags, cause, quoted_tag))
        elif ctype == 6 and pkt[26:30] in clients:
            own.append((vtag, flags))  # the client's own ABORT: how it gave up
ok = [a for a in aborts if a == (tc1, 0x02, 176, tc1)]
# A client ABORT with the T bit and a tag no INIT carried: the stack restarted after the
# collision ABORT (new tag, INIT deferred to the pending T1 timer) and gave up at that
# timer (Max.Init.Retransmits), before sending the new INIT.
print("aborts=%s init_tags=%s icmp_translated=%d client_aborts=%s" %
      (["vtag %08x flags %#x cause %d quotes %08x" % a for a in aborts],
       sorted("%08x" % t for t in init_tags), icmps,
       ["vtag %08x flags %#x%s" % (v, f, "" if v in init_tags else " (tag of no INIT)")
        for v, f in own]))
sys.exit(0 if ok and len(init_tags) >= 2 else 1)
PY
)
abort_rc=$?
echo "  client capture: $abort"
if [ "$(lb_stat nat_snat_collision)" -ge 1 ] && [ "$abort_rc" -eq 0 ]; then
	pass collision_abort
else
	fail collision_abort "$abort"
fi
read -r _ received lost <<<"$stats"
if [ "$rc" -eq 0 ] && [ "${received:-0}" -eq 20 ] && [ "${lost:-1}" -eq 0 ] &&
	grep -v "^$tc1 " <<<"${flows//;/$'\n'}" | grep -q " $CLI_A4 "; then
	pass collision_restart
else
	fail collision_restart "client exit $rc, sent received lost $stats, flows $flows"
	grep -E '"event":"(cant_start|comm_lost|error)"' "$TOPO_DIR/client.log" | sed 's/^/  client: /'
fi
if [ "$(lb_stat nat_icmp_to_client)" -ge 1 ] && ! grep -q "icmp_translated=0" <<<"$abort"; then
	pass collision_icmp
else
	fail collision_icmp "nat_icmp_to_client $(lb_stat nat_icmp_to_client), $abort"
fi
nat_capture_check collision_capture

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
