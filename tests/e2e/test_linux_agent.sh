#!/usr/bin/env bash
# The routable-tag agent inside a Linux kernel SCTP backend (a VM running Debian's kernel),
# behind sctplb, with usrsctp clients; the forwarder restarted with its maps deleted during
# the traffic.
#
# Topology: as test_linux_backend.sh (tests/e2e/lib/topo.sh with direct server return; the
# VM behind backend 1's namespace holds both VIPs on lo, vm_backend in tests/vm/lib.sh).
# The guest has build/sctplb (vm_build --sctplb) and runs `sctplb agent attach` on eth0 and
# eth1, its only NICs (the clients' packets arrive and the replies leave by them), with
# server id 1 and the service's tag key; then tests/vm/ksctp-peer server.  Service diam has
# the key (--tag-key) and its one backend be1 the server id 1.
#
# 8 multihomed usrsctp associations (sctp-peer traffic in CLI_NS, both client addresses to
# both VIPs, 20 msg/s each of 64 bytes for 5 s) and 2 more with 1400-byte messages (10
# msg/s), at once; once the forwarder has routed 60 packets by tag it is restarted with its
# maps deleted (detach, rm the pin dir, `apply` the saved configuration, attach), as
# test_e2e_rtag.sh does.  Large packets matter: virtio-net hands the guest's stack a packet
# longer than ~1200 bytes with its headers in page fragments, not in the skb's linear part
# (page_to_skb copies only the Ethernet header when the buffer lacks room for the
# skb_shared_info), and the retransmissions after the restart bundle DATA up to the MTU.
# Checks:
#   linux_agent_attached             the 6.1 guest kernel's verifier took the agent, on both
#                                    NICs (else its log is printed: a product defect);
#   linux_agent_nothing_lost         lb_check_assocs: every association up, sent == received,
#                                    nothing lost, each echoed by be1 that saw it come up;
#   linux_agent_large_messages       the same for the 1400-byte messages: every client packet
#                                    near the MTU translated back (the agent pulls the
#                                    packet's bytes into the linear part first);
#   linux_agent_exit                 both traffics exited 0 (no association lost or restarted);
#   linux_agent_restarted_forwarder  after the restart the forwarder routed packets by tag,
#                                    holds no association and met no unknown vtag;
#   linux_agent_translated           the guest agent's counters (agent status --json): an
#                                    INIT-ACK made routable per association, client packets
#                                    translated back to the Linux tags;
#   linux_agent_checksums            the guest's SctpChecksumErrors (/proc/net/sctp/snmp) is
#                                    still 0: Linux accepted every packet the agent rewrote
#                                    (its CRC32c patched incrementally), and the translated
#                                    INIT-ACKs were accepted by the clients (they came up).
# The counts, and agent_csum_offload (egress packets whose CRC32c Linux left to the
# device), are printed.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
# shellcheck source=tests/vm/lib.sh
source tests/vm/lib.sh
trap 'vm_destroy_all; lb_destroy' EXIT

PORT=3868 ASSOCS=8 LBASE=43000 BASSOCS=2 BLBASE=43100 BSIZE=1400 DONE_PORT=9999

start=$(now_ms)
vm_build --sctplb || { fail linux_vm_build "kernel and initramfs could not be built (see above)"; exit 1; }
lb_create --return dsr || { fail linux_agent_setup "topology or attach"; exit 1; }
KEY=$TOPO_DIR/tag.key
"$SCTPLB" keygen "$KEY" >/dev/null || { fail linux_agent_setup "keygen"; exit 1; }

# The guest: the key (through the script, which lives in the run's private VM_DIR), the
# agent on both NICs, the Linux server; when the host connects to DONE_PORT (the traffic
# has ended), the agent's counters and the SCTP MIB.
# The fast timers of tests/vm/lib.sh give up an association after 10 retransmissions of
# at most 400 ms: ~4 s, what a restart of the forwarder (detach, apply, attach: its BPF
# verified again) can take on a loaded machine, while the Linux server's echoes wait for
# SACKs that the forwarder carries.  Linux's default (10 x rto_max 60 s) is minutes: give
# the association that margin back, keeping the fast path timers; and the usrsctp clients
# theirs (--assoc-max-rtx 200: test_e2e_rtag.sh says why).
t_boot=$(now_ms)
vm_backend be1 --console "$TOPO_DIR/be1-$PORT.log" --sysctl net.sctp.association_max_retrans=100 -- "
echo AGENT-ATTACHING
umask 077
echo $(cat "$KEY") >/tmp/tag.key
for i in eth0 eth1; do
	sctplb agent attach \$i --vip $VIP_A4,$VIP_B4 --port $PORT --server-id 1 --tag-key /tmp/tag.key >/tmp/attach.log 2>&1 ||
		{ echo AGENT-ATTACH-FAILED \$i; cat /tmp/attach.log; exit 3; }
done
echo AGENT-ATTACHED
ksctp-peer server --name be1 --local $VIP_A4,$VIP_B4 --port $PORT &
nc -l -p $DONE_PORT </dev/null >/dev/null
echo AGENT-STATUS \$(sctplb --json agent status)
echo SNMP \$(grep -E '^Sctp(ChecksumErrors|InSCTPPacks|OutSCTPPacks|PassiveEstabs|Aborteds) ' /proc/net/sctp/snmp | tr -s ' \t' '=' | tr '\n' ' ')
" || { fail linux_agent_setup "VM did not start"; exit 1; }

# The forwarder's service while the VM boots: the key, and be1 with its server id.
if ! sl service add diam --vip "$VIP_A4,$VIP_B4" --port $PORT --tag-key "$KEY" >/dev/null; then
	fail linux_agent_setup "service"
	exit 1
fi
# shellcheck disable=SC2034 # read by lb_backend_add (eval)
LB_VIPS_diam="$VIP_A4,$VIP_B4"
lb_backend_add diam 1 --server-id 1 || { fail linux_agent_setup "backend"; exit 1; }
sl config show >"$TOPO_DIR/config.json" || { fail linux_agent_setup "config show"; exit 1; }

vm_wait_log be1 'AGENT-ATTACHING' 90
t_attach=$(now_ms)
if ! vm_wait_log be1 'AGENT-ATTACHED' 90; then
	fail linux_agent_attached "sctplb agent attach in the guest (kernel $(cat "$VM_IMAGE/kernel-release")):"
	vm_output be1 | sed 's/^/    /' | tail -60
	exit 1
fi
pass linux_agent_attached
echo "  topology $((t_boot - start)) ms, VM boot $((t_attach - t_boot)) ms, agent attached to eth0 and eth1 in $(($(now_ms) - t_attach)) ms"
if ! vm_wait_log be1 '"event":"listening"' 60; then
	fail linux_agent_setup "the Linux server did not start: $(vm_output be1 | tail -5)"
	exit 1
fi

# wait_stat NAME MIN SECONDS: until the forwarder's counter NAME reaches MIN.
wait_stat() {
	local t=$(($3 * 10))
	while [ "$(lb_stat "$1")" -lt "$2" ] && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
	[ "$(lb_stat "$1")" -ge "$2" ]
}

log=$TOPO_DIR/linux_agent.log blog=$TOPO_DIR/linux_agent_large.log
if ! lb_traffic linux_agent_large --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base $BLBASE --assocs $BASSOCS --rate 10 --size $BSIZE --duration "$TOPO_UNTIL_STOPPED" --drain 15000 \
	--assoc-max-rtx 200; then
	fail linux_agent_large_messages "associations not up: $(tail -c 300 "$blog")"
	exit 1
fi
bpid=$LB_TRAFFIC_PID
if ! lb_traffic linux_agent --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base $LBASE --assocs $ASSOCS --rate 20 --duration "$TOPO_UNTIL_STOPPED" --drain 15000 \
	--assoc-max-rtx 200; then
	fail linux_agent_nothing_lost "associations not up: $(tail -c 300 "$log")"
	exit 1
fi
if ! wait_stat rtag_fwd 60 30; then
	fail linux_agent_restarted_forwarder "no traffic routed by tag before the restart: rtag_fwd $(lb_stat rtag_fwd)"
	exit 1
fi
held=$(lb_json assoc list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
t_restart=$(now_ms)
for ifn in $LB_ATTACHED; do sl detach "$ifn" >/dev/null 2>&1; done
LB_ATTACHED=""
rm -rf "$LB_PIN"
# All at once (apply), as a restarted forwarder's unit does.
if ! sl apply "$TOPO_DIR/config.json" >/dev/null || ! lb_attach; then
	fail linux_agent_restarted_forwarder "re-attach failed"
	exit 1
fi
echo "  forwarder restarted with its maps deleted in $(($(now_ms) - t_restart)) ms (it held $held associations)"
# The restarted forwarder (its counters new) routes the running associations by tag.
wait_stat rtag_fwd 60 60 ||
	fail linux_agent_restarted_forwarder "no traffic routed by tag after the restart: rtag_fwd $(lb_stat rtag_fwd)"
topo_traffic_stop "$LB_TRAFFIC_PID"
rc=$?
topo_traffic_stop "$bpid"
brc=$?
lb_check_assocs linux_agent_nothing_lost "$log" - $PORT
lb_check_assocs linux_agent_large_messages "$blog" - $PORT
if [ "$rc" -eq 0 ] && [ "$brc" -eq 0 ]; then
	pass linux_agent_exit
else
	fail linux_agent_exit "traffic exited $rc, large messages $brc"
fi
after=$(lb_stat rtag_fwd)
held=$(lb_json assoc list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
unknown=$(lb_stat unknown_vtag)
if [ "$after" -gt 0 ] && [ "$held" = 0 ] && [ "$unknown" = 0 ]; then
	pass linux_agent_restarted_forwarder
else
	fail linux_agent_restarted_forwarder "rtag_fwd $after, associations held $held, unknown_vtag $unknown"
fi
echo "  after the restart: $after packets routed by tag, $held associations held, $unknown unknown"

# The traffic has ended: the guest prints its counters.
ip netns exec "$BE1_NS" bash -c "exec 3<>/dev/tcp/$VM_BE_A4/$DONE_PORT" 2>/dev/null ||
	echo "  (could not reach the guest on $VM_BE_A4:$DONE_PORT)"
out=$(vm_wait be1 60)
st=$(echo "$out" | sed -n 's/^AGENT-STATUS //p')
snmp=$(echo "$out" | sed -n 's/^SNMP //p')
echo "  guest agent: $st"
echo "  guest SCTP MIB: $snmp"
read -r ia inn tb unk off < <(echo "$st" | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)
    print(s["agent_init_ack"], s["agent_in"], s["agent_tbit_out"], s["agent_in_unknown"], s["agent_csum_offload"])
except Exception:
    print("x x x x x")')
if [ "$ia" != x ] && [ "$ia" -ge $((ASSOCS + BASSOCS)) ] && [ "$inn" -gt 0 ]; then
	pass linux_agent_translated
else
	fail linux_agent_translated "INIT-ACKs made routable ${ia:-?} ($((ASSOCS + BASSOCS)) expected), packets translated ${inn:-?}"
fi
echo "  agent: $ia INIT-ACKs made routable, $inn client packets translated back, $tb T-bit packets, $unk unknown tags, $off egress packets with the CRC32c left to the device"
csum=$(echo "$snmp" | tr ' ' '\n' | sed -n 's/^SctpChecksumErrors=//p')
inp=$(echo "$snmp" | tr ' ' '\n' | sed -n 's/^SctpInSCTPPacks=//p')
if [ "$csum" = 0 ] && [ "${inp:-0}" -gt 0 ]; then
	pass linux_agent_checksums
else
	fail linux_agent_checksums "guest SctpChecksumErrors ${csum:-?} (0 expected), SctpInSCTPPacks ${inp:-?}"
fi

ids=$TOPO_ID pin=$LB_PIN
vm_destroy_all
lb_destroy
lb_no_leftovers "$ids" "$pin"
if ip netns list | grep -q "^slbvm-$$-"; then fail linux_agent_vm_gone "VM namespaces left"; fi
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
