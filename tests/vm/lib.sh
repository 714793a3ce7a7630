# shellcheck shell=bash
# Virtual machines running the Linux kernel's SCTP (Debian's own kernel, under qemu with
# TCG), with their NICs on TAP devices in a test's network namespaces.  Source this file
# (after tests/e2e/lib/lb.sh or topo.sh if used), then:
#
#   vm_build [--sctplb]             build or reuse the kernel + initramfs (tests/vm/build.sh);
#                                   sets VM_IMAGE and VM_INITRD.  With --sctplb the guest also
#                                   has /usr/bin/sctplb (build/sctplb, for the routable-tag
#                                   agent).  Non-zero (and says why) if impossible.
#   vm_start NAME [OPTIONS] -- SCRIPT
#                                   boot VM NAME in the background and return once its NICs
#                                   are in their namespaces and configured; the guest runs
#                                   SCRIPT (busybox sh) after its own network set-up.
#     --nic NS,TAP,MAC,GUEST,HOST   a virtio NIC on a TAP named TAP, moved into namespace NS.
#                                   The guest's NIC (MAC) gets GUEST, the TAP gets HOST, as a
#                                   point-to-point pair (ip addr add A peer B): each side has a
#                                   host route to the other; HOST may be an address NS already
#                                   holds elsewhere.  GUEST and HOST may be lists joined by +
#                                   (e.g. an IPv4 and an IPv6 pair: 192.0.2.3+2001:db8:b::3
#                                   with 192.0.2.1+2001:db8:b::1).  NIC i is eth<i> in the
#                                   guest.  No DAD on either side.
#     --lo ADDR                     an address on the guest's lo (repeatable), before routes
#                                   (a backend's VIPs: a route's `src VIP` needs it)
#     --route "ROUTE"               `ip route add ROUTE` in the guest (repeatable)
#     --sysctl KEY=VALUE            in the guest, before SCRIPT (repeatable); defaults: the
#                                   fast SCTP timers below
#     --console FILE                serial console log (default $VM_DIR/NAME.console)
#     --hold                        the TAPs are up but get their HOST addresses only at
#                                   vm_release NAME, so the guest waits (pinging HOST) before
#                                   SCRIPT: e.g. until tcpdump listens on the TAPs
#   vm_release NAME                 give the TAPs of a held VM their HOST addresses
#   vm_wait NAME [SECONDS (120)]    wait until the guest's script ends; prints its output
#                                   (between the markers) and returns its exit status (124:
#                                   timeout, 125: the VM died without a marker)
#   vm_wait_log NAME PATTERN SECONDS   wait until the console shows PATTERN (not after the
#                                   script's end)
#   vm_output NAME                  the script's output so far
#   vm_stop NAME                    kill the VM (qemu), remove its TAPs and namespace
#   vm_run NAME [OPTIONS] -- SCRIPT vm_start + vm_wait
#   vm_destroy_all                  vm_stop every VM started here (put it in the EXIT trap)
#
# How: qemu starts in a namespace of its own (NAME's, unique to the run) where the TAPs are
# created, opens them by name, and each TAP is then moved into its target namespace (a TAP
# keeps its queue when it changes namespace).  Nothing is done in the root namespace.
# The script reaches the guest through qemu's fw_cfg (opt/slb/script); the guest's /init
# (tests/vm/init.sh) prints "SLB-VM-START", the output, "SLB-VM-EXIT <rc>" on the serial
# console and powers off.  Before the script, the guest pings each HOST until it answers
# (the host side is configured while the guest boots).
# Measured facts (docs in tests/vm/README.md): TCG only; -kernel takes the uncompressed
# vmlinux (PVH entry); romfile= skips the NIC boot ROM; csum=off,guest_csum=off keeps
# partial checksums off the TAPs; at most two VMs at a time on this 2-core machine.

_VM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_MAX=2
VM_NAMES=""
VM_DIR=${VM_DIR:-}
# Fast SCTP timers: a cut path is declared failed after 2 retransmissions of 100-400 ms
# RTOs; heartbeats every 500 ms (RFC 9260 section 16 values scaled down, as sctp-peer's
# --fast-failover).  pf_expose shows the potentially-failed state to the application.
VM_SCTP_SYSCTLS="net.sctp.rto_min=100 net.sctp.rto_max=400 net.sctp.rto_initial=200
net.sctp.path_max_retrans=2 net.sctp.pf_retrans=1 net.sctp.hb_interval=500
net.sctp.max_init_retransmits=10 net.sctp.pf_expose=1"

vm_build() {
	local out initrd=initramfs.cpio
	command -v qemu-system-x86_64 >/dev/null ||
		{ echo "vm_build: qemu-system-x86_64 missing: run 'make deps'" >&2; return 1; }
	[ "${1:-}" = --sctplb ] && initrd=initramfs-sctplb.cpio
	out=$(bash "$_VM_REPO/tests/vm/build.sh" "$@") || return 1
	VM_IMAGE=$_VM_REPO/$out
	VM_INITRD=$VM_IMAGE/$initrd
	[ -s "$VM_IMAGE/vmlinux" ] && [ -s "$VM_INITRD" ]
}

_vm_var() { eval echo "\${VM_${1//[^A-Za-z0-9_]/_}_$2:-}"; }
_vm_set() { eval "VM_${1//[^A-Za-z0-9_]/_}_$2=\$3"; }

vm_start() {
	local name=$1 nics=() routes=() los=() sysctls=$VM_SCTP_SYSCTLS console="" script ns i spec
	local tns tap mac guest host qargs=() pid t n=0 s hold=""
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--nic) nics+=("$2"); shift 2 ;;
		--route) routes+=("$2"); shift 2 ;;
		--lo) los+=("$2"); shift 2 ;;
		--sysctl) sysctls="$sysctls $2"; shift 2 ;;
		--console) console=$2; shift 2 ;;
		--hold) hold=1; shift ;;
		--) shift; break ;;
		*) echo "vm_start: unknown option $1" >&2; return 2 ;;
		esac
	done
	script=${1:-true}
	[ -n "${VM_IMAGE:-}" ] || { echo "vm_start: call vm_build first" >&2; return 1; }
	for s in $VM_NAMES; do n=$((n + 1)); done
	[ "$n" -lt "$VM_MAX" ] || { echo "vm_start: at most $VM_MAX VMs at a time" >&2; return 1; }
	[ -n "$VM_DIR" ] || VM_DIR=$(mktemp -d "/tmp/slbvm-$$.XXXX")
	[ -n "$console" ] || console=$VM_DIR/$name.console
	ns=slbvm-$$-$RANDOM-$name
	ip netns add "$ns" || return 1
	VM_NAMES="$VM_NAMES $name"
	_vm_set "$name" NS "$ns"
	_vm_set "$name" CONSOLE "$console"
	_vm_set "$name" TAPS ""
	: >"$console"

	# The guest's script: its NICs (found by MAC), sysctls, routes, then SCRIPT.
	{
		echo "set -u"
		for s in $sysctls; do echo "sysctl -qw $s >/dev/null || echo 'vm: sysctl $s failed'"; done
		i=0
		for spec in "${nics[@]}"; do
			IFS=, read -r tns tap mac guest host <<<"$spec"
			echo "for d in /sys/class/net/*; do [ \"\$(cat \$d/address)\" = $mac ] && [ \${d##*/} != eth$i ] && ip link set \${d##*/} name eth$i; done"
			echo "sysctl -qw net.ipv6.conf.eth$i.accept_dad=0 >/dev/null; ip link set eth$i up || echo 'vm: eth$i down'"
			while read -r g h; do
				echo "ip addr add $g peer $h dev eth$i || echo 'vm: $g on eth$i failed'"
			done < <(_vm_pairs "$guest" "$host")
			i=$((i + 1))
		done
		for s in "${los[@]}"; do echo "ip addr add $s dev lo || echo 'vm: address $s failed'"; done
		for s in "${routes[@]}"; do echo "ip route add $s || echo 'vm: route $s failed'"; done
		for spec in "${nics[@]}"; do
			IFS=, read -r tns tap mac guest host <<<"$spec"
			for host in ${host//+/ }; do
				echo "t=0; until ping -c1 -W1 $host >/dev/null 2>&1; do sleep 0.2; t=\$((t+1)); [ \$t -ge 100 ] && { echo 'vm: $host unreachable'; break; }; done"
			done
		done
		echo "$script"
	} >"$VM_DIR/$name.script"

	i=0
	for spec in "${nics[@]}"; do
		IFS=, read -r tns tap mac guest host <<<"$spec"
		ip -n "$ns" tuntap add dev "$tap" mode tap || { vm_stop "$name"; return 1; }
		_vm_set "$name" TAPS "$(_vm_var "$name" TAPS) $spec"
		qargs+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no"
			-device "virtio-net-pci,netdev=n$i,mac=$mac,romfile=,csum=off,guest_csum=off")
		i=$((i + 1))
	done
	ip netns exec "$ns" qemu-system-x86_64 -M pc,accel=tcg -smp 1 -m 256 -nodefaults -no-user-config \
		-display none -monitor none -no-reboot -serial "file:$console" \
		-kernel "$VM_IMAGE/vmlinux" -initrd "${VM_INITRD:-$VM_IMAGE/initramfs.cpio}" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 reboot=t mitigations=off" \
		-fw_cfg "name=opt/slb/script,file=$VM_DIR/$name.script" \
		"${qargs[@]}" >"$VM_DIR/$name.qemu.log" 2>&1 &
	pid=$!
	_vm_set "$name" PID "$pid"
	# Wait until qemu holds every TAP (its fdinfo names them), then move them.
	for spec in "${nics[@]}"; do
		IFS=, read -r tns tap mac guest host <<<"$spec"
		t=100
		until grep -qs "^iff:[[:space:]]*$tap\$" /proc/"$pid"/fdinfo/* || [ $t -le 0 ]; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			t=$((t - 1))
		done
		grep -qs "^iff:[[:space:]]*$tap\$" /proc/"$pid"/fdinfo/* ||
			{ echo "vm_start: qemu did not open $tap: $(cat "$VM_DIR/$name.qemu.log")" >&2; vm_stop "$name"; return 1; }
	done
	for spec in "${nics[@]}"; do
		IFS=, read -r tns tap mac guest host <<<"$spec"
		ip -n "$ns" link set "$tap" netns "$tns" &&
			ip -n "$tns" link set "$tap" up ||
			{ echo "vm_start: TAP $tap into $tns failed" >&2; vm_stop "$name"; return 1; }
	done
	[ -n "$hold" ] || vm_release "$name"
}

vm_release() {
	local spec tns tap mac guest host g h
	for spec in $(_vm_var "$1" TAPS); do
		IFS=, read -r tns tap mac guest host <<<"$spec"
		while read -r g h; do
			ip -n "$tns" addr add "$h" peer "$g" dev "$tap" $([[ $h == *:* ]] && echo nodad) &&
				ip -n "$tns" neigh replace "$g" lladdr "$mac" dev "$tap" nud permanent ||
				{ echo "vm_release: $h on $tap in $tns failed" >&2; return 1; }
		done < <(_vm_pairs "$guest" "$host")
	done
}

# _vm_pairs "G1+G2" "H1+H2": lines "G1 H1", "G2 H2".
_vm_pairs() {
	local gs=() hs=() i
	IFS=+ read -r -a gs <<<"$1"
	IFS=+ read -r -a hs <<<"$2"
	for i in "${!gs[@]}"; do echo "${gs[$i]} ${hs[$i]:-}"; done
}

# Lines of the script's output (between the markers), without the console's CRs.
vm_output() {
	tr -d '\r' <"$(_vm_var "$1" CONSOLE)" | sed -n '/^SLB-VM-START$/,/^SLB-VM-EXIT /p' | sed '1d;/^SLB-VM-EXIT /d'
}

# Gives up early when the guest's script has ended or the VM is gone.
vm_wait_log() {
	local f pid t=$(($3 * 10))
	f=$(_vm_var "$1" CONSOLE)
	pid=$(_vm_var "$1" PID)
	while ! grep -q -- "$2" "$f" 2>/dev/null && [ $t -gt 0 ]; do
		grep -qa '^SLB-VM-EXIT ' "$f" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		t=$((t - 1))
	done
	grep -q -- "$2" "$f" 2>/dev/null
}

vm_wait() {
	local name=$1 secs=${2:-120} pid f t rc
	pid=$(_vm_var "$name" PID)
	f=$(_vm_var "$name" CONSOLE)
	t=$((secs * 10))
	while ! grep -qa '^SLB-VM-EXIT ' "$f" 2>/dev/null && kill -0 "$pid" 2>/dev/null && [ $t -gt 0 ]; do
		sleep 0.1
		t=$((t - 1))
	done
	rc=$(tr -d '\r' <"$f" | sed -n 's/^SLB-VM-EXIT \([0-9]*\)$/\1/p' | tail -1)
	if [ -z "$rc" ]; then
		kill -0 "$pid" 2>/dev/null && rc=124 || rc=125
	fi
	vm_output "$name"
	return "$rc"
}

vm_run() {
	local name=$1 rc
	shift
	vm_start "$name" "$@" || return 1
	vm_wait "$name" "${VM_RUN_TIMEOUT:-120}"
	rc=$?
	vm_stop "$name"
	return $rc
}

vm_stop() {
	local name=$1 pid ns spec tns tap t
	pid=$(_vm_var "$name" PID)
	ns=$(_vm_var "$name" NS)
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		t=30
		while kill -0 "$pid" 2>/dev/null && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	# Whatever else runs in the VM's own namespace was started here (a qemu whose pid we
	# did not get, if qemu was not exec'd directly).
	if [ -n "$ns" ]; then
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	fi
	for spec in $(_vm_var "$name" TAPS); do
		IFS=, read -r tns tap mac guest host <<<"$spec"
		ip -n "$tns" link del "$tap" 2>/dev/null
		[ -n "$ns" ] && ip -n "$ns" link del "$tap" 2>/dev/null
	done
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	_vm_set "$name" PID ""
	_vm_set "$name" TAPS ""
	_vm_set "$name" NS ""
	VM_NAMES=$(echo "$VM_NAMES" | tr ' ' '\n' | grep -vx -- "$name" | tr '\n' ' ')
	return 0
}

vm_destroy_all() {
	local n
	for n in $VM_NAMES; do vm_stop "$n"; done
	if [ -n "$VM_DIR" ] && [ -d "$VM_DIR" ] && [ -z "${VM_KEEP_DIR:-}" ]; then
		rm -rf "$VM_DIR"
	fi
	return 0
}

# ---- The VMs in the topology of tests/e2e/lib/topo.sh (source topo.sh or lb.sh first) ----
# vm_client NAME [vm_start OPTIONS] -- SCRIPT
#   A multihomed Linux client behind the client namespace, which routes for it: eth0
#   VM_CLI_A4 + VM_CLI_A6 on a TAP (tapa) in CLI_NS beside pa (path A), eth1 VM_CLI_B4 +
#   VM_CLI_B6 on tapb beside pb (path B); each VIP of a path (IPv4 and IPv6) is routed over
#   that path's NIC with the NIC's address of its family as source.  The addresses lie inside the client subnets, so the backends' and the
#   return router's routes reach them.  CLI_NS forwards, and its usrsctp source rewrite
#   (pitfall 1) applies only to CLI_NS's own addresses: what reaches sctplb from the VM
#   is what Linux chose, and a usrsctp client (IPv4) can still run in CLI_NS.
# vm_backend NAME [vm_start OPTIONS] -- SCRIPT
#   A Linux backend behind backend 1's namespace holding the VIPs on lo (as Linux DSR
#   backends do): BE1_NS loses its own VIPs and its source rewrite, forwards, and routes
#   VIP A to the VM over tapa (eth0 VM_BE_A4) and VIP B over tapb (eth1 VM_BE_B4).  The VM
#   routes the client subnets back over the NIC of each path with `src VIP` of that path
#   (without it Linux answers path B from VIP A, the first address of lo).
# vm_backend_nat NAME [vm_start OPTIONS] -- SCRIPT
#   A Linux backend of a NAT service (docs/nat.md; topology --return fwd) holding only its
#   own addresses, VM_BE_A4 on eth0 and VM_BE_B4 on eth1, no VIP: BE1_NS loses its VIPs and
#   its source rewrite and routes for it; the VM routes the client subnets back over the NIC
#   of each path (its source is that NIC's own address), through BE1_NS and then FWD_NS,
#   whose `attach --return` on b1a/b1b gives the replies the VIPs back; FWD_NS routes the
#   VM's addresses via BE1_NS (sctplb's FIB lookup toward the backend's address).
# vm_server_peers LOG N ADDR...
#   The Linux server's console LOG (ksctp-peer server) shows exactly N associations come
#   up (comm_up), each with the peer addresses ADDR... (in any order), and no restart.
#   Prints a summary line.
VM_CLI_A4=192.0.2.3 VM_CLI_B4=198.51.100.3 VM_CLI_A6=2001:db8:a::3 VM_CLI_B6=2001:db8:b::3
VM_BE_A4=192.0.2.66 VM_BE_B4=198.51.100.66 VM_BE_GW_A4=192.0.2.65 VM_BE_GW_B4=198.51.100.65

vm_client() {
	local name=$1
	shift
	ip netns exec "$CLI_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
	# topo.sh's source rewrite for usrsctp (pitfall 1), narrowed to packets that carry
	# CLI_NS's own addresses: a usrsctp client may still run there, and the VM's packets
	# keep the source Linux chose.
	ip netns exec "$CLI_NS" nft delete table inet sctplb_srcfix 2>/dev/null
	ip netns exec "$CLI_NS" nft -f - <<EOF || return 1
table inet sctplb_vm_srcfix {
	chain post {
		type filter hook postrouting priority 100; policy accept;
		oifname "$CLI_IF_A" ip saddr { $CLI_A4, $CLI_B4 } meta l4proto sctp ip saddr set $CLI_A4
		oifname "$CLI_IF_B" ip saddr { $CLI_A4, $CLI_B4 } meta l4proto sctp ip saddr set $CLI_B4
		oifname "$CLI_IF_A" ip6 saddr { $CLI_A6, $CLI_B6 } meta l4proto sctp ip6 saddr set $CLI_A6
		oifname "$CLI_IF_B" ip6 saddr { $CLI_A6, $CLI_B6 } meta l4proto sctp ip6 saddr set $CLI_B6
	}
}
EOF
	vm_start "$name" \
		--nic "$CLI_NS,tapa,52:54:00:5c:01:0a,$VM_CLI_A4+$VM_CLI_A6,$CLI_A4+$CLI_A6" \
		--nic "$CLI_NS,tapb,52:54:00:5c:01:0b,$VM_CLI_B4+$VM_CLI_B6,$CLI_B4+$CLI_B6" \
		--route "$VIP_A4 via $CLI_A4 dev eth0 src $VM_CLI_A4" \
		--route "$VIP_B4 via $CLI_B4 dev eth1 src $VM_CLI_B4" \
		--route "$VIP_A6 via $CLI_A6 dev eth0 src $VM_CLI_A6" \
		--route "$VIP_B6 via $CLI_B6 dev eth1 src $VM_CLI_B6" "$@"
}

vm_backend() {
	local name=$1
	shift
	ip -n "$BE1_NS" addr flush dev "$BE_VIP_IF" || return 1
	ip netns exec "$BE1_NS" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	ip netns exec "$BE1_NS" nft delete table inet sctplb_srcfix 2>/dev/null
	vm_start "$name" \
		--nic "$BE1_NS,tapa,52:54:00:5c:02:0a,$VM_BE_A4,$VM_BE_GW_A4" \
		--nic "$BE1_NS,tapb,52:54:00:5c:02:0b,$VM_BE_B4,$VM_BE_GW_B4" \
		--lo "$VIP_A4/32" --lo "$VIP_B4/32" \
		--route "192.0.2.0/29 via $VM_BE_GW_A4 dev eth0 src $VIP_A4" \
		--route "198.51.100.0/29 via $VM_BE_GW_B4 dev eth1 src $VIP_B4" "$@" || return 1
	ip -n "$BE1_NS" route add "$VIP_A4/32" via "$VM_BE_A4" dev tapa &&
		ip -n "$BE1_NS" route add "$VIP_B4/32" via "$VM_BE_B4" dev tapb
}

vm_backend_nat() {
	local name=$1
	shift
	ip -n "$BE1_NS" addr flush dev "$BE_VIP_IF" || return 1
	ip netns exec "$BE1_NS" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	ip netns exec "$BE1_NS" nft delete table inet sctplb_srcfix 2>/dev/null
	vm_start "$name" \
		--nic "$BE1_NS,tapa,52:54:00:5c:03:0a,$VM_BE_A4,$VM_BE_GW_A4" \
		--nic "$BE1_NS,tapb,52:54:00:5c:03:0b,$VM_BE_B4,$VM_BE_GW_B4" \
		--route "192.0.2.0/29 via $VM_BE_GW_A4 dev eth0" \
		--route "198.51.100.0/29 via $VM_BE_GW_B4 dev eth1" "$@" || return 1
	ip -n "$FWD_NS" route add "$VM_BE_A4/32" via "$BE1_A4" dev "$FWD_BE1_IF_A" &&
		ip -n "$FWD_NS" route add "$VM_BE_B4/32" via "$BE1_B4" dev "$FWD_BE1_IF_B"
}

vm_server_peers() {
	local log=$1 n=$2
	shift 2
	tr -d '\r' <"$log" | python3 -c '
import json, sys
want, n = sorted(sys.argv[2:]), int(sys.argv[1])
ups, restarts = [], 0
for line in sys.stdin:
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("event") == "comm_up":
        ups.append(sorted(j.get("peer_addrs", [])))
    restarts += j.get("event") == "restart"
bad = [u for u in ups if u != want]
print("%d associations seen by the Linux server (want %d), peer addresses %s, %d restarts%s" %
      (len(ups), n, ups[0] if ups else "none", restarts, ", other peers %s" % bad[:2] if bad else ""))
sys.exit(1 if bad or len(ups) != n or restarts else 0)' "$n" "$@"
}
