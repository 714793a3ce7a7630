#!/usr/bin/env bash
# make demo LINUX=1: a Linux kernel SCTP client (Debian's kernel in a VM) through sctplb,
# multihomed, with a path cut.  As demo.sh, but the client is the stack our users run:
# the VM opens 6 associations, each over both paths, to a two-VIP service balanced over
# three usrsctp backends; path A is cut during the traffic and restored.  Everything is
# removed at the end.  Needs root and a build (make); the first run also builds the VM's
# kernel and initramfs from Debian packages (tests/vm/build.sh, about 80 MB downloaded).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

PORT=36412 ASSOCS=6 RATE=20 DURATION=14
b="" n=""
[ -t 1 ] && b=$(tput bold 2>/dev/null) n=$(tput sgr0 2>/dev/null)
step() { echo; echo "${b}== $*${n}"; }
show() { echo "\$ sctplb $*"; sl "$@" | sed 's/^/  /'; }
summary() {
	local c
	printf '  %-6s %9s %9s %11s\n' PATH PACKETS DATA HEARTBEATS
	for c in $(lb_path_counters demo); do
		IFS=: read -r p pk d hb <<<"$c"
		printf '  %-6s %9s %9s %11s\n' "$( [ "$p" = 0 ] && echo A || echo B)" "$pk" "$d" "$hb"
	done
}
# Linux's own path events, as the guest printed them since the last call.
seen=0
linux_events() {
	local lines
	lines=$(vm_output cli | grep '"event":"path"')
	echo "$lines" | tail -n +$((seen + 1)) | sed -n 's/.*"assoc":\([0-9]*\),"addr":"\([^"]*\)","state":"\([^"]*\)","t_ms":\([0-9.]*\).*/  Linux: association \1, peer \2 \3 (t=\4 ms)/p' | head -8
	seen=$(echo "$lines" | grep -c .)
}

[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (namespaces, XDP, TAPs)"; exit 1; }
[ -x "$SCTPLB" ] && [ -x "$SCTP_PEER" ] || { echo "build first: make"; exit 1; }
t_start=$(now_ms)

step "1. The Linux VM: Debian's kernel and tools, from Debian packages (cached under build/vm)"
vm_build || { echo "the VM image could not be built"; exit 1; }
echo "  kernel $(cat "$VM_IMAGE/kernel-release"), with sctp.ko; $(wc -l <"$VM_IMAGE/packages") packages:"
sed 's/^/    /' "$VM_IMAGE/packages" | head -6
echo "    ..."

step "2. Topology: a client VM, a forwarder running sctplb, three usrsctp backends"
lb_create --return dsr || { echo "topology or attach failed"; exit 1; }
lb_service demo $PORT "$VIP_A4,$VIP_B4" || { echo "service configuration failed"; exit 1; }
lb_servers $PORT "$VIP_A4,$VIP_B4" || { echo "servers did not start"; exit 1; }
show service list
echo "  the VM's NICs: eth0 $VM_CLI_A4 (path A), eth1 $VM_CLI_B4 (path B), behind the client namespace"

step "3. $ASSOCS associations from the VM's kernel SCTP, each to both VIPs, $RATE msg/s each, ${DURATION}s"
vm_client cli -- "checksctp; ksctp-peer traffic --local $VM_CLI_A4,$VM_CLI_B4 --remote $VIP_A4,$VIP_B4 \
	--port $PORT --lport-base 41000 --assocs $ASSOCS --rate $RATE --duration $DURATION" ||
	{ echo "the VM did not start"; exit 1; }
vm_wait_log cli '"event":"ready"' 90 || { echo "associations did not come up: $(vm_output cli | tail -3)"; exit 1; }
echo "  up after $((($(now_ms) - t_start) / 1000)) s (boot and handshakes)"
sleep 2
show assoc list
echo
summary
echo "  path A carries the DATA (Linux's primary path); path B only HEARTBEATs"

step "4. Path A cut (nft drops on both ends of the client's path-A link)"
topo_cut_path A
sleep 4
summary
linux_events
echo "  Linux marks VIP A unreachable; the DATA goes over path B, to the same backends"

step "5. Path A restored"
topo_restore_path A
sleep 4
summary
linux_events

out=$(vm_wait cli 90)
rc=$?
echo "$out" >"$TOPO_DIR/linux.log"
step "6. Verdict (the VM's ksctp-peer stats line)"
read -r assocs up sent recv lost gap backends changes < <("$SCTP_PEER" stats "$TOPO_DIR/linux.log" \
	assocs assocs_up sent received lost max_gap_ms backends backend_changes)
printf '  %-34s %s of %s up, backend changes %s\n' "associations" "$up" "$assocs" "$changes"
printf '  %-34s %s / %s / %s\n' "messages sent / received / lost" "$sent" "$recv" "$lost"
printf '  %-34s %s ms\n' "longest pause of one association" "$gap"
printf '  %-34s %s\n' "backends used (associations)" "$backends"
printf '  %-34s %s s\n' "demo time" "$((($(now_ms) - t_start) / 1000))"
if [ "$rc" -eq 0 ] && [ "$up" = "$assocs" ] && [ "$sent" = "$recv" ] && [ "$lost" = 0 ] && [ "$changes" = 0 ]; then
	echo "${b}  OK: every Linux association survived the cut of path A, on its backend, nothing lost${n}"
	ok=0
else
	echo "${b}  FAILED (VM exit $rc): see $TOPO_DIR (kept)${n}"
	TOPO_KEEP_DIR=1 VM_KEEP_DIR=1
	ok=1
fi
step "Cleaning up (VM, namespaces, sctplb programs, pinned maps)"
vm_destroy_all
lb_destroy
echo "  done"
exit $ok
