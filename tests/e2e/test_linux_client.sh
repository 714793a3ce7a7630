#!/usr/bin/env bash
# A multihomed Linux kernel SCTP client (a VM running Debian's kernel) through sctplb to
# usrsctp backends, with path A cut during the traffic.
#
# Topology: tests/e2e/lib/topo.sh with direct server return (--return dsr); the VM sits
# behind the client namespace (vm_client in tests/vm/lib.sh): eth0 192.0.2.3 on path A,
# eth1 198.51.100.3 on path B.
#
# The VM runs tests/vm/ksctp-peer (sctp-peer's twin on the kernel's SCTP) twice at once:
# 8 associations, each bound to both IPv4 addresses and connected to both IPv4 VIPs
# (connectx), and 4 with path B over IPv6 (192.0.2.3 + 2001:db8:b::3 to VIP A4 + VIP B6,
# service mixed); 20 msg/s each for 8 s; path A is cut (both ends, as topo_cut_path)
# about 1 s in.  Checks (both sets unless said):
#   linux_client_failover, _mixed  lb_check_assocs: every association up, sent == received,
#                                  nothing lost, each echoed by one backend that saw it
#                                  come up and that sctplb pins it to;
#   linux_client_same_backend      sctplb's pins unchanged by the cut;
#   linux_client_no_reinit         one COMM_UP per association at the client, one comm_up
#                                  per client port over all servers, sctplb created exactly
#                                  12 associations and saw no INIT from a transport address
#                                  holding one (init_restart);
#   linux_client_detected          Linux declared VIP A unreachable (a path event, IPv4 set);
#   linux_client_path_b_carries    path A's counters froze during the cut (IPv4 set), path
#                                  B's DATA grew (both);
#   linux_client_paths             sctplb saw each association's path A from 192.0.2.3 and
#                                  its path B from 198.51.100.3 (mixed: 2001:db8:b::3):
#                                  Linux's source per path.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

PORT=36412 ASSOCS=8 RATE=20 DURATION=8 LBASE=41000
MPORT=36413 MASSOCS=4 MLBASE=41100
VM_A4=$VM_CLI_A4 VM_B4=$VM_CLI_B4 VM_B6=$VM_CLI_B6

start=$(now_ms)
vm_build || { fail linux_vm_build "kernel and initramfs could not be built (see above)"; exit 1; }
lb_create --return dsr || { fail linux_client_setup "topology or attach"; exit 1; }
lb_service s1ap $PORT "$VIP_A4,$VIP_B4" || { fail linux_client_setup "service"; exit 1; }
lb_servers $PORT "$VIP_A4,$VIP_B4" || { fail linux_client_setup "servers"; exit 1; }
lb_service mixed $MPORT "$VIP_A4,$VIP_B6" || { fail linux_client_setup "service mixed"; exit 1; }
lb_servers $MPORT "$VIP_A4,$VIP_B6" || { fail linux_client_setup "servers mixed"; exit 1; }

# Both sets at once, each in its own file (two writers on one console could mix lines).
log=$TOPO_DIR/linux_client.log mlog=$TOPO_DIR/linux_mixed.log
vm_client cli -- "
ksctp-peer traffic --local $VM_A4,$VM_B4 --remote $VIP_A4,$VIP_B4 --port $PORT \
	--lport-base $LBASE --assocs $ASSOCS --rate $RATE --duration $DURATION >/tmp/v4.log &
p1=\$!
ksctp-peer traffic --local $VM_A4,$VM_B6 --remote $VIP_A4,$VIP_B6 --port $MPORT \
	--lport-base $MLBASE --assocs $MASSOCS --rate $RATE --duration $DURATION >/tmp/mixed.log &
p2=\$!
until grep -q '\"ready\"' /tmp/v4.log && grep -q '\"ready\"' /tmp/mixed.log; do
	kill -0 \$p1 && kill -0 \$p2 || break
	sleep 0.1
done
grep -q '\"ready\"' /tmp/v4.log && grep -q '\"ready\"' /tmp/mixed.log && echo ALL-READY
wait \$p1; r1=\$?
wait \$p2; r2=\$?
echo ==v4; cat /tmp/v4.log
echo ==mixed; cat /tmp/mixed.log
exit \$((r1 | r2))" || { fail linux_client_setup "VM did not start"; exit 1; }

if ! vm_wait_log cli ALL-READY 90; then
	fail linux_client_failover "associations not up: $(vm_output cli | tail -5)"
	exit 1
fi
sleep 1
pins_before="$(lb_assoc_backends s1ap) $(lb_assoc_backends mixed)"
c_before=$(lb_path_counters s1ap)
mc_cut=$(lb_path_counters mixed)
topo_cut_path A
c_cut=$(lb_path_counters s1ap)
sleep 3
c_during=$(lb_path_counters s1ap)
mc_during=$(lb_path_counters mixed)
out=$(vm_wait cli 90)
rc=$?
echo "$out" | sed -n '/^==v4$/,/^==mixed$/p' >"$log"
echo "$out" | sed -n '/^==mixed$/,$p' >"$mlog"
c_after=$(lb_path_counters s1ap)
topo_restore_path A
pins_after="$(lb_assoc_backends s1ap) $(lb_assoc_backends mixed)"
echo "  linux_client: sctplb paths, client to backend, path:packets:DATA:HEARTBEATs"
echo "    before the cut: $c_before   at the cut: $c_cut   3 s in: $c_during   end: $c_after"
echo "    mixed service (path B IPv6): at the cut: $mc_cut   3 s in: $mc_during"

lb_check_assocs linux_client_failover "$log" s1ap $PORT
lb_check_assocs linux_client_mixed "$mlog" mixed $MPORT
[ "$rc" -eq 0 ] || fail linux_client_exit "ksctp-peer exited $rc: $(echo "$out" | grep -v '"stats"' | tail -3)"

if [ -n "$pins_before" ] && [ "$pins_before" = "$pins_after" ] &&
	[ "$(echo "$pins_before" | wc -w)" -eq $((ASSOCS + MASSOCS)) ]; then
	pass linux_client_same_backend
else
	fail linux_client_same_backend "pins before: $pins_before; after: $pins_after"
fi

# no_reinit LOG PORT N: one COMM_UP per association at the client, one comm_up per client
# port over all servers of PORT.
no_reinit() {
	lb_python - "$1" "$TOPO_DIR" "$2" "$3" <<'PY'
import sys
import peerlog
log, tdir, port, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
errs = []
st = peerlog.last_stats(log)
ups = {}
for j in peerlog.server_events(tdir, port, ("comm_up", "restart")):
    ups[j.get("rport")] = ups.get(j.get("rport"), 0) + 1
if st is None:
    errs.append("no stats from the VM")
else:
    bad = [a["lport"] for a in st["per_assoc"] if a["comm_ups"] != 1]
    if bad:
        errs.append("client ports with more than one COMM_UP/RESTART: %s" % bad)
if sorted(ups.values()) != [1] * n:
    errs.append("port %s: server comm_up/restart per client port: %s" % (port, ups))
print("; ".join(errs))
sys.exit(1 if errs else 0)
PY
}
created=$(lb_stat assoc_created) restart=$(lb_stat init_restart)
if e1=$(no_reinit "$log" $PORT $ASSOCS) && e2=$(no_reinit "$mlog" $MPORT $MASSOCS) &&
	[ "$created" -eq $((ASSOCS + MASSOCS)) ] && [ "$restart" -eq 0 ]; then
	pass linux_client_no_reinit
else
	fail linux_client_no_reinit "$e1 $e2 assoc_created=$created (want $((ASSOCS + MASSOCS))) init_restart=$restart"
fi
echo "  linux_client_no_reinit: assoc_created=$created init_restart=$restart"
if grep -q "\"event\":\"path\".*\"addr\":\"$VIP_A4\",\"state\":\"unreachable\"" "$log"; then
	pass linux_client_detected
else
	fail linux_client_detected "Linux never declared $VIP_A4 unreachable: $(grep '"path"' "$log" | head -3)"
fi
grep '"event":"path"' "$log" | head -4 | sed 's/^/    /'

t0=$(_lb_counter "$c_cut" 0 1) t1=$(_lb_counter "$c_during" 0 1)
if [ "$t0" = "$t1" ] && [ "$(_lb_counter "$c_during" 1 2)" -gt "$(_lb_counter "$c_cut" 1 2)" ] &&
	[ "$(_lb_counter "$mc_during" 1 2)" -gt "$(_lb_counter "$mc_cut" 1 2)" ]; then
	pass linux_client_path_b_carries
else
	fail linux_client_path_b_carries "path A packets $t0 -> $t1 during the cut, path B DATA" \
		"$(_lb_counter "$c_cut" 1 2) -> $(_lb_counter "$c_during" 1 2); mixed service $mc_cut -> $mc_during"
fi

# Each path of every association carried the VM's address of that path: Linux used the
# source address of each path's route (192.0.2.3 on A; 198.51.100.3, or 2001:db8:b::3 for
# the mixed service, on B).
paths_check() { # SVC N ADDR_A ADDR_B
	lb_json assoc list | python3 -c '
import json, sys
svc, n, want = sys.argv[1], int(sys.argv[2]), sys.argv[3:5]
rows = [a for a in json.load(sys.stdin) if a["service"] == svc]
got = [[p["client"] for p in sorted(a["paths"], key=lambda p: p["path"])] for a in rows]
bad = [g for g in got if g != want]
print("%s: %d associations, paths %s" % (svc, len(rows), got[0] if got else "none"))
sys.exit(1 if bad or len(rows) != n else 0)' "$@"
}
if o1=$(paths_check s1ap $ASSOCS "$VM_A4" "$VM_B4") && o2=$(paths_check mixed $MASSOCS "$VM_A4" "$VM_B6"); then
	pass linux_client_paths
else
	fail linux_client_paths "$o1; $o2"
fi
echo "  linux_client_paths: $o1; $o2"

ids=$TOPO_ID pin=$LB_PIN
vm_destroy_all
lb_destroy
lb_no_leftovers "$ids" "$pin"
if ip netns list | grep -q "^slbvm-$$-"; then fail linux_client_vm_gone "VM namespaces left"; fi
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
