#!/usr/bin/env bash
# The seeds' tools through sctplb, on the Linux kernel's SCTP at both ends: `ncat --sctp`
# (the OpenShift document) and `iperf3 --sctp` (the Docker one), from a Linux client VM to
# a Linux backend VM, as an integrator would try them first.
#
# Topology: tests/e2e/lib/topo.sh with direct server return (--return dsr), the client VM
# behind CLI_NS (vm_client) and the backend VM behind BE1_NS holding the VIPs (vm_backend);
# services ncat (port 7777) and iperf (5201) on VIP A + VIP B, backend be1 only.  The
# backend runs `ncat --sctp -l -k -e /bin/cat 7777` and `iperf3 -s`, both on the wildcard
# address as users run them.  iperf3's control connection is TCP: sctplb passes it
# (pass_not_sctp) and the forwarder routes TCP to backend 1 by a policy rule.
#   linux_tools_ncat     a 1000-byte message (not a multiple of anything) sent by
#                        `ncat --sctp VIP_A 7777` comes back byte for byte (cmp in the guest),
#                        and sctplb holds an association of service ncat on be1;
#   linux_tools_iperf3   `iperf3 --sctp -t 2 -b 2M -J`: no error, the receiver counted bytes,
#                        and sctplb forwarded DATA of service iperf.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

NCAT_PORT=7777 IPERF_PORT=5201 MSG_LEN=1000

start=$(now_ms)
vm_build || { fail linux_vm_build "kernel and initramfs could not be built (see above)"; exit 1; }
lb_create --return dsr || { fail linux_tools_setup "topology or attach"; exit 1; }
for s in ncat:$NCAT_PORT iperf:$IPERF_PORT; do
	sl service add "${s%%:*}" --vip "$VIP_A4,$VIP_B4" --port "${s#*:}" >/dev/null &&
		eval "LB_VIPS_${s%%:*}=\$VIP_A4,\$VIP_B4" && lb_backend_add "${s%%:*}" 1 ||
		{ fail linux_tools_setup "service ${s%%:*}"; exit 1; }
done
# iperf3's control channel (TCP) by ordinary routing to backend 1, path A.
ip -n "$FWD_NS" rule add ipproto tcp lookup 100 pref 100
ip -n "$FWD_NS" route add "$VIP_A4/32" via "$BE1_A4" dev "$FWD_BE1_IF_A" table 100

vm_backend srv -- "
ncat --sctp -l -k -e /bin/cat $NCAT_PORT 2>/dev/null &
iperf3 -s -p $IPERF_PORT >/tmp/iperf3.log 2>&1 &
t=0
until grep -q ' $NCAT_PORT ' /proc/net/sctp/eps && grep -qi ':$(printf %04X $IPERF_PORT) 0*:0000 0A' /proc/net/tcp /proc/net/tcp6; do
	sleep 0.1; t=\$((t+1))
	[ \$t -ge 300 ] && { echo 'servers did not start'; cat /proc/net/sctp/eps /proc/net/tcp6 /tmp/iperf3.log; exit 1; }
done
echo SERVERS-UP
wait" || { fail linux_tools_setup "backend VM did not start"; exit 1; }
# The client: one ncat round trip, then a short rate-limited iperf3 run.  It boots with
# the backend and is held (no address on its TAPs) until the servers listen.
vm_client cli --hold -- "
head -c $MSG_LEN /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c $MSG_LEN >/tmp/msg
mkfifo /tmp/in
ncat --sctp $VIP_A4 $NCAT_PORT </tmp/in >/tmp/out 2>/tmp/ncat.err &
exec 3>/tmp/in
cat /tmp/msg >&3
t=0
until [ \$(wc -c </tmp/out) -ge $MSG_LEN ] || [ \$t -ge 300 ]; do sleep 0.1; t=\$((t+1)); done
exec 3>&-
wait
if cmp /tmp/msg /tmp/out; then echo \"NCAT-OK \$(wc -c </tmp/out)\"; else echo \"NCAT-BAD \$(wc -c </tmp/out) bytes back\"; cat /tmp/ncat.err; fi
iperf3 -c $VIP_A4 -p $IPERF_PORT --sctp -t 2 -b 2M -J >/tmp/iperf3.json 2>&1
echo \"IPERF3-RC \$?\"
echo IPERF3-JSON-BEGIN
cat /tmp/iperf3.json
echo IPERF3-JSON-END" || { fail linux_tools_setup "client VM did not start"; exit 1; }
if ! vm_wait_log srv SERVERS-UP 90; then
	fail linux_tools_setup "ncat/iperf3 servers did not start: $(vm_output srv | tail -5)"
	exit 1
fi

vm_release cli || { fail linux_tools_setup "client VM release"; exit 1; }
out=$(vm_wait cli 120)
rc=$?
echo "$out" >"$TOPO_DIR/cli.out"

if echo "$out" | grep -q "^NCAT-OK $MSG_LEN\$" && [ "$(lb_assoc_backends ncat | wc -w)" -ge 1 ] &&
	! lb_assoc_backends ncat | tr ' ' '\n' | grep -qv '=be1$'; then
	pass linux_tools_ncat
else
	fail linux_tools_ncat "$(echo "$out" | grep -E '^NCAT' || echo "no result (VM exit $rc)"); sctplb: $(lb_assoc_backends ncat)"
fi
echo "  linux_tools_ncat: $(echo "$out" | grep -E '^NCAT'); sctplb associations (cport=backend): $(lb_assoc_backends ncat)"

res=$(echo "$out" | sed -n '/^IPERF3-JSON-BEGIN$/,/^IPERF3-JSON-END$/p' | sed '1d;$d' | python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
except ValueError as e:
    print("no JSON from iperf3 (%s)" % e)
    sys.exit(1)
if "error" in j:
    print("iperf3 error: %s" % j["error"])
    sys.exit(1)
e = j.get("end", {})
rx = e.get("sum_received", {}).get("bytes", 0)
tx = e.get("sum_sent", {}).get("bytes", 0)
bps = e.get("sum_received", {}).get("bits_per_second", 0)
print("sent %d bytes, received %d bytes, %.2f Mbit/s" % (tx, rx, bps / 1e6))
sys.exit(0 if rx > 0 else 1)')
ok=$?
data=$(_lb_counter "$(lb_path_counters iperf)" 0 2)
if [ $ok -eq 0 ] && echo "$out" | grep -q '^IPERF3-RC 0$' && [ "${data:-0}" -gt 0 ]; then
	pass linux_tools_iperf3
else
	fail linux_tools_iperf3 "$res; $(echo "$out" | grep '^IPERF3-RC'); sctplb DATA on path A: $data"
fi
echo "  linux_tools_iperf3: $res; sctplb DATA chunks of service iperf on path A: $data"

ids=$TOPO_ID pin=$LB_PIN
vm_destroy_all
lb_destroy
lb_no_leftovers "$ids" "$pin"
if ip netns list | grep -q "^slbvm-$$-"; then fail linux_tools_vm_gone "VM namespaces left"; fi
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
