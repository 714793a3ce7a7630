#!/usr/bin/env bash
# End-to-end test of the sctplb command (issue 3): attach/detach/status on veths in a
# namespace of its own, configuration before attach, listings and JSON, errors that change
# nothing, upgrade keeping the pinned maps, idempotent apply, replay of the captures in
# tests/captures, coexistence with another XDP program.  Prints PASS/FAIL lines; exits
# non-zero on a failure.  SCTPLB=path overrides the binary (default build/sctplb),
# SCTPLB_CAPTURES the captures' folder (default tests/captures of this repository).
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top"
SCTPLB=${SCTPLB:-$top/build/sctplb}
captures=${SCTPLB_CAPTURES:-$top/tests/captures}
NS=sctplbt$$
PIN=/sys/fs/bpf/sctplb-test-$$
PIN2=/sys/fs/bpf/sctplb-test-$$-b
PINR=/sys/fs/bpf/sctplb-test-$$-r
TMP=$(mktemp -d /tmp/sctplb-test-$$.XXXX)
failed=0
out= out2=

cleanup() {
	for ifc in va vb vc vd ve; do
		nsenter --net=/run/netns/$NS "$SCTPLB" --pin-path "$PIN" detach $ifc >/dev/null 2>&1
	done
	ip netns del $NS 2>/dev/null
	rm -rf "$PIN" "$PIN2" "$PINR" "$TMP"
}
trap cleanup EXIT INT TERM

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
# sl: sctplb in the test namespace (network only: the host bpffs stays visible).
sl() { nsenter --net=/run/netns/$NS "$SCTPLB" --pin-path "$PIN" "$@"; }
# everything the configuration lives in, for the before/after comparisons
SNAPSHOT_MAPS="services backends svc_meta be_meta settings maglev"
. "$top/tests/e2e/lib/maps.sh"
jcount() { python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }

[ -x "$SCTPLB" ] || { echo "FAIL setup: $SCTPLB not built (make)"; exit 1; }
ip netns add $NS || { echo "FAIL setup: cannot create namespace"; exit 1; }
ip -n $NS link set lo up
for p in "va vb" "vc vd" "ve vf"; do
	set -- $p
	ip -n $NS link add $1 type veth peer name $2
	ip -n $NS link set dev $1 up
	ip -n $NS link set dev $2 up
done
ip -n $NS addr add 192.0.2.1/24 dev va
ip -n $NS addr add 2001:db8::1/64 dev va nodad

# ---- configuration before any attach ----
out=$(sl service add diameter --vip 192.0.2.10,2001:db8::10 --port 3868 --udp-encap 9899 2>&1) &&
	sl backend add diameter be1 --addr 198.51.100.1,2001:db8:1::1 >/dev/null &&
	sl backend add diameter be2 --addr 198.51.100.2,2001:db8:1::2 --weight 2 >/dev/null &&
	sl backend add diameter be3 --addr 198.51.100.3,2001:db8:1::3 >/dev/null &&
	[ -e "$PIN/assocs" ] && pass config_before_attach || fail config_before_attach "$out"

n=$(bpftool -j map dump pinned "$PIN/services" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
[ "$n" = 4 ] && pass services_keys || fail services_keys "$n VIP keys, expected 4 (2 SCTP + 2 UDP)"
abi=$(bpftool -j map lookup pinned "$PIN/settings" key 0 0 0 0 | python3 -c "import json,sys; print(json.load(sys.stdin)['formatted']['value']['abi_version'])")
[ "$abi" = "$(awk '/define SCTPLB_ABI_VERSION/{print $3}' include/sctplb.h)" ] && pass abi_written || fail abi_written "abi_version $abi"
bpftool map lookup pinned "$PIN/maglev" key 1 0 0 0 >/dev/null 2>&1 && pass maglev_installed || fail maglev_installed "no table for service 1"

# ---- listings, JSON ----
ok=1
for c in "service list" "backend list" "backend list diameter" "assoc list" "paths" "stats" "status" "config show"; do
	sl --json $c | python3 -m json.tool >/dev/null 2>&1 || { ok=0; fail list_json "'$c --json' is not valid JSON"; }
done
[ $ok = 1 ] && pass list_json
[ "$(sl --json backend list diameter | jcount)" = 3 ] && pass backend_list || fail backend_list "expected 3 backends"
sl --json stats | python3 -c "
import json,sys; s=json.load(sys.stdin); n=[x['name'] for x in s]
assert n[0]=='rx' and 'fwd' in n and all(x['help'] for x in s)" 2>/dev/null && pass stats_names || fail stats_names "names or help texts missing"
lines=$(sl --json stats --watch 0.2 --count 2 | python3 -c "
import json,sys; print(sum(1 for l in sys.stdin if 'rate' in json.loads(l)[0]))")
[ "$lines" = 2 ] && pass stats_watch || fail stats_watch "$lines samples with rates"
lines=$(sl --json paths --watch 0.2 --count 2 | python3 -c "
import json,sys; print(sum(1 for l in sys.stdin if isinstance(json.loads(l), list)))")
[ "$lines" = 2 ] && pass paths_watch || fail paths_watch "$lines samples"

# ---- drain, undrain, delete: table switched, entry inactive ----
# Service 1's Maglev inner map and generation (key SCTPLB_MAGLEV_GEN = 65537,
# include/sctplb.h): a switch writes the other table and bumps the generation.
maglev_gen() {
	local id
	id=$(bpftool -j map lookup pinned "$PIN/maglev" key 1 0 0 0 | python3 -c "
import json,sys; print(int.from_bytes(bytes(int(x, 16) for x in json.load(sys.stdin)['value']), 'little'))")
	echo "$id/$(bpftool -j map lookup id "$id" key 1 0 1 0 | python3 -c "
import json,sys; print(int.from_bytes(bytes(int(x, 16) for x in json.load(sys.stdin)['value'][:4]), 'little'))")"
}
t0=$(maglev_gen)
sl backend drain diameter be2 >/dev/null
t1=$(maglev_gen)
st=$(sl --json backend list diameter | python3 -c "import json,sys; print([b['drained'] for b in json.load(sys.stdin) if b['name']=='be2'][0])")
flags=$(bpftool -j map lookup pinned "$PIN/backends" key 2 0 0 0 | python3 -c "import json,sys; print(json.load(sys.stdin)['formatted']['value']['flags'])")
[ "$st" = True ] && [ "$t0" != "$t1" ] && [ "$flags" = 3 ] && pass backend_drain || fail backend_drain "drained=$st table $t0->$t1 flags=$flags"
sl backend undrain diameter be2 >/dev/null
flags=$(bpftool -j map lookup pinned "$PIN/backends" key 2 0 0 0 | python3 -c "import json,sys; print(json.load(sys.stdin)['formatted']['value']['flags'])")
[ "$flags" = 1 ] && pass backend_undrain || fail backend_undrain "flags=$flags"

# ---- attach, status ----
out=$(sl attach va --xdp-mode native 2>&1) && grep -q native <<<"$out" && pass attach_native || fail attach_native "$out"
out=$(sl attach vb --xdp-mode generic 2>&1) && pass attach_generic || fail attach_generic "$out"
st=$(sl --json status)
python3 -c "
import json,sys; a=json.loads(sys.argv[1])['attachments']
m={(x['ifname'],x['hook']):x['mode'] for x in a}
assert m[('va','xdp')]=='native' and m[('vb','xdp')]=='generic'" "$st" 2>/dev/null && pass status || fail status "$st"
# XDP comes with sctplb_tc_ingress at tc ingress: it finishes what XDP passes with no neighbour entry.
python3 -c "
import json,sys; a=json.loads(sys.argv[1])['attachments']
h=sorted((x['ifname'],x['hook']) for x in a)
assert h==[('va','tc'),('va','xdp'),('vb','tc'),('vb','xdp')], h" "$st" 2>/dev/null &&
	tc -n $NS filter show dev va ingress | grep -q sctplb_tc && pass attach_xdp_adds_tc || fail attach_xdp_adds_tc "$st"
nsenter --net=/run/netns/$NS xdp-loader status va 2>/dev/null | grep -q sctplb_xdp && pass xdp_loader_sees_it || fail xdp_loader_sees_it "xdp-loader status va does not list sctplb_xdp"
out=$(sl attach vc --tc 2>&1) && out2=$(sl attach vd --return 2>&1) &&
	sl status | grep -q "^vc .*tc" && sl status | grep -q "^vd .*return" && pass attach_tc || fail attach_tc "$out $out2"
! sl status | grep -q "^vc .*xdp" && ! nsenter --net=/run/netns/$NS ip link show vc | grep -q xdp &&
	pass attach_tc_only || fail attach_tc_only "--tc also attached XDP"
tc -n $NS filter show dev vd ingress | grep -q sctplb_tc && pass tc_filter_present || fail tc_filter_present "no sctplb filter at vd ingress"
out=$(sl detach vc 2>&1) && sl detach vd >/dev/null 2>&1 && ! tc -n $NS filter show dev vd ingress | grep -q sctplb &&
	pass detach_tc || fail detach_tc "$out"

# ---- upgrade: re-attach keeps the pinned maps and their entries ----
key=$(python3 -c "import struct; print(' '.join(str(b) for b in struct.pack('<IIHH', 1, 0x12345678, 0x3412, 0x1c0f)))")
vsz=$(bpftool -j map show pinned "$PIN/assocs" | python3 -c "import json,sys; print(json.load(sys.stdin)['bytes_value'])")
val=$(python3 -c "print(' '.join(['1','0','0','0'] + ['0']*($vsz - 4)))")
bpftool map update pinned "$PIN/assocs" key $key value $val 2>/dev/null
id0=$(sl --json status | python3 -c "import json,sys; print([x['prog_id'] for x in json.load(sys.stdin)['attachments'] if x['ifname']=='va'][0])")
out=$(sl attach va --xdp-mode native 2>&1)
id1=$(sl --json status | python3 -c "import json,sys; print([x['prog_id'] for x in json.load(sys.stdin)['attachments'] if x['ifname']=='va'][0])")
if bpftool map lookup pinned "$PIN/assocs" key $key >/dev/null 2>&1 && [ "$id0" != "$id1" ]; then
	pass upgrade_keeps_maps
else
	fail upgrade_keeps_maps "prog $id0 -> $id1, $out"
fi
n=$(sl --json assoc list | jcount)
[ "$n" = 1 ] && pass assoc_list || fail assoc_list "$n associations listed"

# ---- errors: clear message, non-zero status, no map changed ----
expect_error err_malformed_addr "malformed address" sl service add bad --vip 192.0.2.300 --port 1
expect_error err_malformed_addr2 "malformed address" sl backend add diameter be9 --addr 198.51.100.9,2001:db8::zz
expect_error err_family "is IPv6" sl backend add diameter be4 --addr 198.51.100.4,198.51.100.5
expect_error err_addr_count "one address per VIP" sl backend add diameter be4 --addr 198.51.100.4
expect_error err_unknown_if "no interface named" sl attach nosuchif0
expect_error err_unknown_service "no service named" sl backend add nosvc be1 --addr 198.51.100.1
expect_error err_unknown_backend "has no backend" sl backend drain diameter nobe
expect_error err_port_range "1 to 65535" sl service add s2 --vip 192.0.2.20 --port 70000
expect_error err_encap_range "1 to 65535" sl service add s2 --vip 192.0.2.20 --port 80 --udp-encap 0
expect_error err_dup_service "already exists" sl service add diameter --vip 192.0.2.30 --port 3868
expect_error err_dup_backend "already has a backend" sl backend add diameter be1 --addr 198.51.100.7,2001:db8:1::7
expect_error err_vip_clash "already used by" sl service add other --vip 192.0.2.10 --port 3868
expect_error err_too_many_vips "more than 4" sl service add s5 --vip 192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,192.0.2.5 --port 5
expect_error err_not_root "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$SCTPLB" --pin-path "$PIN" service add x --vip 192.0.2.40 --port 9
expect_error err_no_bpffs "bpf filesystem" "$SCTPLB" --pin-path "$TMP/nobpffs" service add x --vip 192.0.2.40 --port 9
[ ! -e "$TMP/nobpffs" ] && pass err_no_bpffs_nothing_created || fail err_no_bpffs_nothing_created "$TMP/nobpffs created"
expect_error err_native_unsupported "try --xdp-mode generic" sl attach lo --xdp-mode native
expect_error err_bad_mode "use native, generic or auto" sl attach va --xdp-mode turbo
echo '{"services": [ {"name": "x", "vips": ["192.0.2.50"], "port": 1, "colour": "red"} ]}' >"$TMP/bad.json"
expect_error err_apply_unknown_key 'unknown key "colour"' sl apply "$TMP/bad.json"
echo '{"services": [' >"$TMP/broken.json"
expect_error err_apply_bad_json "not valid JSON" sl apply "$TMP/broken.json"
# A failure midway (injected at the 3rd map write) is rolled back.
sed -e 's/192.0.2.10/192.0.2.11/' examples/sctplb.json >"$TMP/midway.json"
expect_error err_midway_rollback "rolled back" env SCTPLB_FAIL_AFTER=3 nsenter --net=/run/netns/$NS "$SCTPLB" --pin-path "$PIN" apply "$TMP/midway.json"
expect_error err_detach_not_attached "not attached" sl detach vc

# Pinned maps of another layout or ABI version are refused.
"$SCTPLB" --pin-path "$PIN2" service add a --vip 192.0.2.60 --port 60 >/dev/null 2>&1
ssz=$(bpftool -j map show pinned "$PIN2/settings" | python3 -c "import json,sys; print(json.load(sys.stdin)['bytes_value'])")
bpftool map update pinned "$PIN2/settings" key 0 0 0 0 value 99 $(python3 -c "print(' '.join(['0']*($ssz - 1)))") 2>/dev/null
out=$("$SCTPLB" --pin-path "$PIN2" service list 2>&1) && fail err_abi_mismatch "accepted ABI 99" ||
	{ grep -q "ABI version 99" <<<"$out" && pass err_abi_mismatch || fail err_abi_mismatch "$out"; }
rm -rf "$PIN2"; mkdir -p "$PIN2"
bpftool map create "$PIN2/services" type hash key 4 value 4 entries 8 name services 2>/dev/null
out=$("$SCTPLB" --pin-path "$PIN2" service add a --vip 192.0.2.60 --port 60 2>&1) && fail err_layout_mismatch "accepted" ||
	{ grep -q "does not match" <<<"$out" && [ ! -e "$PIN2/backends" ] && pass err_layout_mismatch || fail err_layout_mismatch "$out"; }

# ---- apply: declarative, idempotent, ids kept ----
# The association inserted above (service 1, backend 1) goes with its service.
out=$(sl service del diameter 2>&1)
[ "$(sl --json service list | jcount)" = 0 ] && [ "$(bpftool -j map dump pinned "$PIN/services" | jcount)" = 0 ] &&
	! bpftool map lookup pinned "$PIN/maglev" key 1 0 0 0 >/dev/null 2>&1 && pass service_del || fail service_del "leftovers"
! bpftool map lookup pinned "$PIN/assocs" key $key >/dev/null 2>&1 && grep -q "1 association" <<<"$out" &&
	pass service_del_removes_state || fail service_del_removes_state "$out"
out=$(sl apply examples/sctplb.json 2>&1) && grep -q applied <<<"$out" && pass apply || fail apply "$out"
ids0=$(sl --json backend list | python3 -c "import json,sys; print(sorted((b['name'],b['id']) for b in json.load(sys.stdin)))")
before=$(snapshot)
out=$(sl apply examples/sctplb.json 2>&1)
after=$(snapshot)
grep -q "no change" <<<"$out" && [ "$before" = "$after" ] && pass apply_idempotent || fail apply_idempotent "$out"
python3 - examples/sctplb.json "$TMP/edit.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["services"][0]["backends"] = [b for b in c["services"][0]["backends"] if b["name"] != "dra-2"]
c["services"][0]["backends"][0]["weight"] = 5
json.dump(c, open(sys.argv[2], "w"))
PY
# An association of dra-2, which the edit removes: apply removes it too.
be2=$(sl --json backend list | python3 -c "import json,sys; print([b['id'] for b in json.load(sys.stdin) if b['name']=='dra-2'][0])")
sid=$(sl --json backend list | python3 -c "import json,sys; print([b['service_id'] for b in json.load(sys.stdin) if b['name']=='dra-2'][0])")
key2=$(python3 -c "import struct; print(' '.join(str(b) for b in struct.pack('<IIHH', $sid, 0x2222, 0x3412, 0x1c0f)))")
val2=$(python3 -c "import struct; v=struct.pack('<IIII', $be2, 0, 1, 0); print(' '.join(str(b) for b in v + bytes($vsz - 16)))")
bpftool map update pinned "$PIN/assocs" key $key2 value $val2 2>/dev/null
out=$(sl apply "$TMP/edit.json" 2>&1)
! bpftool map lookup pinned "$PIN/assocs" key $key2 >/dev/null 2>&1 && grep -q "deleted backend removed: 1 association" <<<"$out" &&
	pass apply_removes_deleted_backend_state || fail apply_removes_deleted_backend_state "$out"
ids1=$(sl --json backend list | python3 -c "import json,sys; print(sorted((b['name'],b['id']) for b in json.load(sys.stdin)))")
exp=$(python3 -c "print(sorted(x for x in $ids0 if x[0] != 'dra-2'))")
[ "$ids1" = "$exp" ] && pass apply_removes_keeps_ids || fail apply_removes_keeps_ids "$ids0 -> $ids1"
sl config unknown-vtag hash >/dev/null
pol=$(bpftool -j map lookup pinned "$PIN/settings" key 0 0 0 0 | python3 -c "import json,sys; print(json.load(sys.stdin)['formatted']['value']['unknown_policy'])")
[ "$pol" = 2 ] && pass config_unknown_vtag || fail config_unknown_vtag "policy $pol"
expect_error err_bad_policy "use drop, pass or hash" sl config unknown-vtag maybe

# ---- replay of the captures (tests/captures/README.md), against a private configuration ----
R() { "$SCTPLB" --pin-path "$PINR" "$@"; }
R service add basic --vip 192.168.1.1,192.168.4.1 --port 6000 >/dev/null &&
	R backend add basic b1 --addr 198.51.100.1,198.51.100.2 >/dev/null &&
	R service add encap --vip 10.0.0.0 --port 6000 --udp-encap 9899 >/dev/null &&
	R backend add encap b1 --addr 198.51.100.3 >/dev/null &&
	R service add retrans --vip 192.168.3.221,192.168.4.221 --port 7003 >/dev/null &&
	R backend add retrans b1 --addr 198.51.100.4,198.51.100.5 >/dev/null &&
	R service add usrsctp --vip 203.0.113.1,203.0.113.2 --port 5000 --udp-encap 9899 >/dev/null &&
	R backend add usrsctp b1 --addr 198.51.100.6,198.51.100.7 >/dev/null &&
	R service add mixed --vip 203.0.113.1,2001:db8:f::b --port 5001 >/dev/null &&
	R backend add mixed b1 --addr 198.51.100.8,2001:db8:1::8 >/dev/null || fail replay_setup "configuration"
ls "$captures"/*.pcap >/dev/null 2>&1 || fail replay_captures "no capture in $captures"
for cap in "$captures"/*.pcap; do
	[ -e "$cap" ] || continue
	name=replay_$(basename "$cap" .pcap)
	before=$(snapshot "$PINR")
	out=$(R replay --json "$cap" 2>&1); rc=$?
	after=$(snapshot "$PINR")
	npk=$(capinfos -Mc "$cap" | awk '/Number of packets/{print $NF}')
	printf '%s\n' "$out" >"$TMP/replay.out"
	chk=$(python3 - "$npk" "$TMP/replay.out" 2>&1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()]
assert len(lines) == int(sys.argv[1]), "%d lines for %s packets" % (len(lines), sys.argv[1])
for i, o in enumerate(lines, 1):
    assert set(["n", "dir", "verdict", "service", "backend", "path", "reason"]) <= set(o), o
    assert o["n"] == i and o["dir"] in ("in", "return"), o
    if o["reason"] != "untraced" and o["dir"] == "in" and o["reason"] not in ("pass_not_service", "pass_not_ip", "pass_not_sctp"):
        assert o["service"] in ("basic", "encap", "retrans", "usrsctp", "mixed"), o
print("ok", sum(1 for o in lines if o["dir"] == "return"))
PY
)
	if [ $rc -ne 0 ]; then fail $name "exit $rc: $(head -3 <<<"$out")"
	elif [[ "$chk" != ok* ]]; then fail $name "$chk"
	elif [ "$before" != "$after" ]; then fail $name "the pinned maps changed"
	else pass "$name (${chk#ok } return-path packets)"; fi
done
line=$(R replay "$captures/linux-multihomed-basic.pcap" | sed -n 5p)
grep -q "^5 .*return" <<<"$line" && pass replay_direction || fail replay_direction "packet 5 (from VIP 2): $line"

# ---- coexistence with another XDP program ----
nsenter --net=/run/netns/$NS xdp-loader load -m native ve /usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o >/dev/null 2>&1
if nsenter --net=/run/netns/$NS xdp-loader status ve | grep -q xdp_dispatcher; then
	out=$(sl attach ve --xdp-mode native 2>&1)
	st=$(nsenter --net=/run/netns/$NS xdp-loader status ve)
	grep -q sctplb_xdp <<<"$st" && grep -q xdpfilt_alw_all <<<"$st" && pass coexist_xdp || fail coexist_xdp "$out / $st"
else
	# libxdp could not load its dispatcher on this kernel: one XDP program per interface.
	# sctplb must say so and point to --tc, and then share the interface through tc.
	out=$(sl attach ve --xdp-mode native 2>&1) && fail coexist_xdp "attach replaced or joined a lone program" ||
		{ grep -q "cannot share" <<<"$out" && pass "coexist_xdp (no libxdp dispatcher here: clear refusal)" || fail coexist_xdp "$out"; }
	out=$(sl attach ve --tc 2>&1)
	st=$(nsenter --net=/run/netns/$NS xdp-loader status ve)
	grep -q xdpfilt_alw_all <<<"$st" && sl status | grep -q "^ve .*tc" && pass coexist_xdp_and_tc || fail coexist_xdp_and_tc "$out"
	sl detach ve >/dev/null 2>&1
fi
nsenter --net=/run/netns/$NS xdp-loader unload ve --all >/dev/null 2>&1

# ---- detach ----
bpftool map update pinned "$PIN/assocs" key $key value $val 2>/dev/null
out=$(sl detach va 2>&1) && out2=$(sl detach vb 2>&1) && ! sl status | grep -qE "^(va|vb) " &&
	! nsenter --net=/run/netns/$NS xdp-loader status va | grep -q sctplb &&
	! tc -n $NS filter show dev va ingress | grep -q sctplb &&
	grep -q "xdp" <<<"$out" && grep -q "tc ingress" <<<"$out" && pass detach || fail detach "$out $out2"
[ -e "$PIN/assocs" ] && bpftool map lookup pinned "$PIN/assocs" key $key >/dev/null 2>&1 &&
	pass maps_outlive_detach || fail maps_outlive_detach "pinned state gone"

exit $failed
