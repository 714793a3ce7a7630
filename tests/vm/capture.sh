#!/usr/bin/env bash
# Regenerate tests/captures/linux-vm-*.pcap: what the Linux kernel's SCTP (Debian 12's
# kernel 6.1 in the VMs of tests/vm) puts on the wire where sctplb sees it.  Not part of
# `make test`: run by hand after `make`, as root:  bash tests/vm/capture.sh [OUTDIR]
# (OUTDIR defaults to tests/captures).  tests/captures/linux-vm-differences.md says what
# each capture shows and how Linux differs from usrsctp there.
#
# One run of the topology of tests/e2e/lib/topo.sh (--return dsr, sctplb attached), with
# the client VM behind CLI_NS and the backend VM behind BE1_NS (tests/vm/lib.sh), tcpdump
# on the VMs' four TAPs, Ethernet frames:
#   linux-vm-client.pcap    Linux client (ksctp-peer traffic: 1 association bound to
#                           192.0.2.3 + 198.51.100.3, connectx to 203.0.113.1 + .2, port
#                           36412, 5 msg/s) <-> usrsctp server (backend 2); path A cut
#                           about 1.5 s in, restored 2.5 s later; graceful shutdown.
#   linux-vm-server.pcap    usrsctp client (sctp-peer traffic in CLI_NS: 192.0.2.1 +
#                           198.51.100.1, port 3868) <-> Linux server (ksctp-peer server
#                           bound to both VIPs), the same cut, captured at the server.
#   linux-vm-wildcard.pcap  ncat --sctp client <-> ncat --sctp -l server, both on the
#                           wildcard address, port 7777: one 16-byte round trip.
#   linux-vm-cookie-data.pcap  Linux client, implicit set-up on a one-to-many socket
#                           (ksctp-peer send: sendmsg with no connect, 3 messages, port
#                           41100 -> 36412): the DATA rides in the COOKIE-ECHO's packet.
#   linux-vm-restart.pcap   usrsctp client killed (no ABORT) and started again from the same
#                           addresses and port 42100: the Linux server's restart.
#   linux-vm-mixed.pcap     Linux client with path A IPv4 (192.0.2.3) and path B IPv6
#                           (2001:db8:b::3) to VIP A4 + VIP B6, port 36413: 5 messages.
# Each file is checked for the frames the differences page relies on before it replaces
# the committed one.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUTDIR=${1:-tests/captures}
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT
die() { echo "capture: $*" >&2; exit 1; }
command -v mergecap >/dev/null && command -v tshark >/dev/null || die "needs tshark and mergecap (make deps)"

vm_build || die "no VM image"
lb_create --return dsr || die "topology"
sl service add s1ap --vip "$VIP_A4,$VIP_B4" --port 36412 >/dev/null && LB_VIPS_s1ap="$VIP_A4,$VIP_B4" &&
	lb_backend_add s1ap 2 && topo_start_server 2 36412 "$VIP_A4,$VIP_B4" || die "service s1ap"
sl service add mixed --vip "$VIP_A4,$VIP_B6" --port 36413 >/dev/null && LB_VIPS_mixed="$VIP_A4,$VIP_B6" &&
	lb_backend_add mixed 2 && topo_start_server 2 36413 "$VIP_A4,$VIP_B6" || die "service mixed"
for s in diam:3868 ncat:7777; do
	sl service add "${s%%:*}" --vip "$VIP_A4,$VIP_B4" --port "${s#*:}" >/dev/null &&
		eval "LB_VIPS_${s%%:*}=\$VIP_A4,\$VIP_B4" && lb_backend_add "${s%%:*}" 1 || die "service ${s%%:*}"
done

cap() { # NS IF: tcpdump of SCTP on IF into $TOPO_DIR/NS-IF.pcap
	topo_capture "$1" "$2" "$TOPO_DIR/$1-$2.pcap" sctp || die "tcpdump on $2"
}

vm_backend srv -- "
ksctp-peer server --name be1 --local $VIP_A4,$VIP_B4 --port 3868 &
ncat --sctp -l -k -e /bin/cat 7777 2>/dev/null &
until grep -q ' 3868 ' /proc/net/sctp/eps && grep -q ' 7777 ' /proc/net/sctp/eps; do sleep 0.1; done
echo SERVERS-UP
wait" || die "backend VM"
cap "$BE1_NS" tapa
cap "$BE1_NS" tapb
vm_wait_log srv SERVERS-UP 90 || die "servers in the VM: $(vm_output srv | tail -3)"

vm_client cli --hold -- "
ksctp-peer traffic --local $VM_CLI_A4,$VM_CLI_B4 --remote $VIP_A4,$VIP_B4 --port 36412 \
	--lport-base 41000 --assocs 1 --rate 5 --duration 6
printf 'sctplb-wildcard\n' >/tmp/msg
mkfifo /tmp/in
ncat --sctp $VIP_A4 7777 </tmp/in >/tmp/out 2>/dev/null &
exec 3>/tmp/in
cat /tmp/msg >&3
t=0; until [ \$(wc -c </tmp/out) -ge 16 ] || [ \$t -ge 100 ]; do sleep 0.1; t=\$((t+1)); done
exec 3>&-
wait
cmp /tmp/msg /tmp/out && echo NCAT-OK
ksctp-peer send --local $VM_CLI_A4,$VM_CLI_B4 --remote $VIP_A4 --port 36412 --lport-base 41100 --count 3
ksctp-peer traffic --local $VM_CLI_A4,$VM_CLI_B6 --remote $VIP_A4,$VIP_B6 --port 36413 \
	--lport-base 41200 --assocs 1 --rate 5 --duration 1" ||
	die "client VM"
cap "$CLI_NS" tapa
cap "$CLI_NS" tapb
vm_release cli
vm_wait_log cli '"event":"ready"' 90 || die "Linux client: $(vm_output cli | tail -3)"
lb_traffic usr --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port 3868 \
	--lport-base 42000 --assocs 1 --rate 5 --duration 5 || die "usrsctp client"
sleep 1.5
topo_cut_path A
sleep 2.5
topo_restore_path A
out=$(vm_wait cli 60) || die "client VM script failed: $out"
echo "$out" | grep -q NCAT-OK || die "ncat round trip: $out"
echo "$out" | grep -q '"mode":"send","sent":3,"received":3' || die "implicit set-up: $out"
echo "$out" | grep -q '"sent":5,"received":5,"lost":0' || die "mixed: $out"
wait "$LB_TRAFFIC_PID" || die "usrsctp client: $(tail -3 "$TOPO_DIR/usr.log")"

# A usrsctp client that loses its state (SIGKILL: no ABORT, no SHUTDOWN) and comes back
# from the same addresses and port: the Linux server restarts the association.
rm -f "$TOPO_DIR/r1.ready"
topo_bg "$CLI_NS" "$TOPO_DIR/r1.log" "$SCTP_PEER" client --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
	--port 3868 --lport 42100 --count 100 --interval 50 --ready-file "$TOPO_DIR/r1.ready"
r1=$TOPO_LAST_PID
topo_wait_file "$TOPO_DIR/r1.ready" 10 || die "restart: first client: $(tail -3 "$TOPO_DIR/r1.log")"
sleep 0.3
kill -KILL "$r1"
ip netns exec "$CLI_NS" "$SCTP_PEER" client --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" \
	--port 3868 --lport 42100 --count 3 --interval 100 >"$TOPO_DIR/r2.log" 2>&1 ||
	die "restart: second client: $(tail -3 "$TOPO_DIR/r2.log")"
vm_wait_log srv '"event":"restart"' 10 || die "the Linux server saw no restart"
# The server's SHUTDOWN-COMPLETE of the ncat association may still be in flight.
sleep 1
topo_stop_bg

mergecap -F pcap -w "$TOPO_DIR/cli.pcap" "$TOPO_DIR/$CLI_NS-tapa.pcap" "$TOPO_DIR/$CLI_NS-tapb.pcap"
mergecap -F pcap -w "$TOPO_DIR/srv.pcap" "$TOPO_DIR/$BE1_NS-tapa.pcap" "$TOPO_DIR/$BE1_NS-tapb.pcap"
tcpdump -r "$TOPO_DIR/cli.pcap" -w "$TOPO_DIR/linux-vm-client.pcap" 'sctp and port 36412 and port 41000' 2>/dev/null
tcpdump -r "$TOPO_DIR/cli.pcap" -w "$TOPO_DIR/linux-vm-cookie-data.pcap" 'sctp and port 36412 and port 41100' 2>/dev/null
tcpdump -r "$TOPO_DIR/cli.pcap" -w "$TOPO_DIR/linux-vm-mixed.pcap" 'sctp and port 36413' 2>/dev/null
tcpdump -r "$TOPO_DIR/srv.pcap" -w "$TOPO_DIR/linux-vm-restart.pcap" 'sctp and port 3868 and port 42100' 2>/dev/null
tcpdump -r "$TOPO_DIR/srv.pcap" -w "$TOPO_DIR/linux-vm-server.pcap" 'sctp and port 3868 and port 42000' 2>/dev/null
tcpdump -r "$TOPO_DIR/cli.pcap" -w "$TOPO_DIR/linux-vm-wildcard.pcap" 'sctp and port 7777' 2>/dev/null

# chunks FILE FILTER: how many frames match the tshark display filter.
chunks() { tshark -r "$TOPO_DIR/$1" -Y "$2" 2>/dev/null | wc -l; }
check() { # FILE FILTER MIN WHAT
	local n
	n=$(chunks "$1" "$2")
	[ "$n" -ge "$3" ] || die "$1: $4: $n frames match '$2'"
}
check linux-vm-client.pcap "sctp.chunk_type == 1 && sctp.parameter_ipv4_address == $VM_CLI_B4" 1 "INIT listing path B's address"
check linux-vm-client.pcap "sctp.chunk_type == 0 && ip.dst == $VIP_B4" 1 "DATA on path B after the cut"
check linux-vm-client.pcap "sctp.chunk_type == 4 && ip.src == $VM_CLI_B4" 1 "HEARTBEAT on path B"
check linux-vm-client.pcap "sctp.chunk_type == 7" 1 "SHUTDOWN"
check linux-vm-server.pcap "sctp.chunk_type == 2 && ip.src == $VIP_A4" 1 "INIT-ACK from the Linux server"
check linux-vm-server.pcap "sctp.chunk_type == 4 && ip.src == $VIP_B4" 1 "HEARTBEAT from the Linux server on path B"
check linux-vm-wildcard.pcap "sctp.chunk_type == 2 && sctp.parameter_ipv4_address == $VM_BE_A4" 1 \
	"INIT-ACK of a wildcard-bound Linux server listing its own interface address"
check linux-vm-cookie-data.pcap "sctp.chunk_type == 10 && sctp.chunk_type == 0" 1 "DATA bundled with the COOKIE-ECHO"
check linux-vm-restart.pcap "sctp.chunk_type == 1" 2 "two INITs from the same port"
check linux-vm-mixed.pcap "sctp.chunk_type == 1 && sctp.parameter_ipv6_address == $VM_CLI_B6" 1 "INIT listing an IPv6 address"
check linux-vm-mixed.pcap "ipv6.src == $VM_CLI_B6" 1 "packets from the IPv6 address on path B"
for f in linux-vm-client linux-vm-server linux-vm-wildcard linux-vm-cookie-data linux-vm-restart linux-vm-mixed; do
	cp "$TOPO_DIR/$f.pcap" "$OUTDIR/$f.pcap"
	echo "$OUTDIR/$f.pcap: $(capinfos -Mc "$OUTDIR/$f.pcap" | awk '/Number of packets/{print $NF}') frames, $(stat -c %s "$OUTDIR/$f.pcap") bytes"
done
