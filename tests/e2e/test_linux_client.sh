#!/usr/bin/env bash
# A multihomed Linux kernel SCTP client (a VM running Debian's kernel) through sctplb to
# usrsctp backends, with path A cut during the traffic.
#
# Topology: tests/e2e/lib/topo.sh with direct server return (--return dsr); the VM sits
# behind the client namespace (vm_client in tests/vm/lib.sh): eth0 192.0.2.3 on path A,
# eth1 198.51.100.3 on path B.
#
# The VM runs tests/vm/ksctp-peer (sctp-peer's twin on the kernel's SCTP): 8 associations,
# each bound to both addresses and connected to both VIPs (connectx), 20 msg/s each for
# 8 s; path A is cut (both ends, as topo_cut_path) about 1 s in.  Checks:
#   linux_client_failover          lb_check_assocs: every association up, sent == received,
#                                  nothing lost, each echoed by one backend that saw it
#                                  come up and that sctplb pins it to;
#   linux_client_same_backend      sctplb's pins unchanged by the cut;
#   linux_client_no_reinit         one COMM_UP per association at the client, one comm_up
#                                  per client port over all servers, sctplb created exactly
#                                  8 associations and saw no INIT from a transport address
#                                  holding one (init_restart);
#   linux_client_detected          Linux declared VIP A unreachable (a path event);
#   linux_client_path_b_carries    path A's counters froze during the cut, path B's DATA grew;
#   linux_client_paths             sctplb saw each association's path A from 192.0.2.3 and
#                                  its path B from 198.51.100.3 (Linux's source per path).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

PORT=36412 ASSOCS=8 RATE=20 DURATION=8 LBASE=41000
VM_A4=$VM_CLI_A4 VM_B4=$VM_CLI_B4

start=$(now_ms)
vm_build || { fail linux_vm_build "kernel and initramfs could not be built (see above)"; exit 1; }
lb_create --return dsr || { fail linux_client_setup "topology or attach"; exit 1; }
lb_service s1ap $PORT "$VIP_A4,$VIP_B4" || { fail linux_client_setup "service"; exit 1; }
lb_servers $PORT "$VIP_A4,$VIP_B4" || { fail linux_client_setup "servers"; exit 1; }

log=$TOPO_DIR/linux_client.log
vm_client cli \
	-- "ksctp-peer traffic --local $VM_A4,$VM_B4 --remote $VIP_A4,$VIP_B4 --port $PORT \
		--lport-base $LBASE --assocs $ASSOCS --rate $RATE --duration $DURATION" ||
	{ fail linux_client_setup "VM did not start"; exit 1; }

if ! vm_wait_log cli '"event":"ready"' 90; then
	fail linux_client_failover "associations not up: $(vm_output cli | tail -5)"
	exit 1
fi
sleep 1
pins_before=$(lb_assoc_backends s1ap)
c_before=$(lb_path_counters s1ap)
topo_cut_path A
c_cut=$(lb_path_counters s1ap)
sleep 3
c_during=$(lb_path_counters s1ap)
vm_wait cli 90 >"$log"
rc=$?
c_after=$(lb_path_counters s1ap)
topo_restore_path A
pins_after=$(lb_assoc_backends s1ap)
echo "  linux_client: sctplb paths, client to backend, path:packets:DATA:HEARTBEATs"
echo "    before the cut: $c_before   at the cut: $c_cut   3 s in: $c_during   end: $c_after"

lb_check_assocs linux_client_failover "$log" s1ap $PORT
[ "$rc" -eq 0 ] || fail linux_client_exit "ksctp-peer exited $rc: $(grep -v '"stats"' "$log" | tail -3)"

if [ -n "$pins_before" ] && [ "$pins_before" = "$pins_after" ] && [ "$(echo "$pins_before" | wc -w)" -eq $ASSOCS ]; then
	pass linux_client_same_backend
else
	fail linux_client_same_backend "pins before: $pins_before; after: $pins_after"
fi

out=$(python3 - "$log" "$TOPO_DIR" $PORT $ASSOCS "$(lb_stat assoc_created)" "$(lb_stat init_restart)" <<'PY'
import glob, json, sys
log, tdir, port, n, created, restart = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
errs = []
st = None
for line in open(log):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("event") == "stats":
        st = j
ups = {}
for f in glob.glob("%s/be*-%s.log" % (tdir, port)):
    for line in open(f):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("event") in ("comm_up", "restart"):
            ups[j.get("rport")] = ups.get(j.get("rport"), 0) + 1
if st is None:
    errs.append("no stats from the VM")
else:
    bad = [a["lport"] for a in st["per_assoc"] if a["comm_ups"] != 1]
    if bad:
        errs.append("client ports with more than one COMM_UP/RESTART: %s" % bad)
if sorted(ups.values()) != [1] * n:
    errs.append("server comm_up/restart per client port: %s" % ups)
if created != n or restart:
    errs.append("sctplb assoc_created=%d (want %d) init_restart=%d" % (created, n, restart))
print("; ".join(errs) + "|assoc_created=%d init_restart=%d server comm_ups=%d" % (created, restart, sum(ups.values())))
sys.exit(1 if errs else 0)
PY
)
if [ $? -eq 0 ]; then pass linux_client_no_reinit; else fail linux_client_no_reinit "${out%%|*}"; fi
echo "  linux_client_no_reinit: ${out#*|}"

if grep -q "\"event\":\"path\".*\"addr\":\"$VIP_A4\",\"state\":\"unreachable\"" "$log"; then
	pass linux_client_detected
else
	fail linux_client_detected "Linux never declared $VIP_A4 unreachable: $(grep '"path"' "$log" | head -3)"
fi
grep '"event":"path"' "$log" | head -4 | sed 's/^/    /'

t0=$(_lb_counter "$c_cut" 0 1) t1=$(_lb_counter "$c_during" 0 1)
if [ "$t0" = "$t1" ] && [ "$(_lb_counter "$c_during" 1 2)" -gt "$(_lb_counter "$c_cut" 1 2)" ]; then
	pass linux_client_path_b_carries
else
	fail linux_client_path_b_carries "path A packets $t0 -> $t1 during the cut, path B DATA" \
		"$(_lb_counter "$c_cut" 1 2) -> $(_lb_counter "$c_during" 1 2)"
fi

# Each path of every association carried the VM's address of that path: Linux used the
# source address of each path's route (192.0.2.3 on A, 198.51.100.3 on B).
out=$(lb_json assoc list | python3 -c '
import json, sys
want = sys.argv[1:3]
rows = [a for a in json.load(sys.stdin) if a["service"] == "s1ap"]
got = [[p["client"] for p in sorted(a["paths"], key=lambda p: p["path"])] for a in rows]
bad = [g for g in got if g != want]
print("%d associations, paths %s" % (len(rows), got[0] if got else "none"))
sys.exit(1 if bad or len(rows) != int(sys.argv[3]) else 0)' "$VM_A4" "$VM_B4" $ASSOCS)
if [ $? -eq 0 ]; then pass linux_client_paths; else fail linux_client_paths "$out"; fi
echo "  linux_client_paths: $out"

ids=$TOPO_ID pin=$LB_PIN
vm_destroy_all
lb_destroy
lb_no_leftovers "$ids" "$pin"
if ip netns list | grep -q "^slbvm-$$-"; then fail linux_client_vm_gone "VM namespaces left"; fi
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
