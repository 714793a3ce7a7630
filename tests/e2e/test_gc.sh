#!/usr/bin/env bash
# End-to-end test of expiry and state cleanup through the sctplb command, on a private pin
# dir (no interface needed): entries written with bpftool with times relative to
# CLOCK_MONOTONIC (the datapath's coarse clock is at most a tick behind; associations hold
# stamps of 2^27 ns, include/sctplb.h), then `sctplb gc`, `gc --interval`,
# `config idle-timeout ...`, `backend del` and `service del`, and what remains is listed.
# Prints PASS/FAIL lines; exits non-zero on a failure.  SCTPLB=path overrides the binary.
# Entries that must be kept are written far from their limit (a minute or more), so that
# however slowly a loaded machine gets from `put` to `gc`, they are still within it;
# entries past their limit only get older.  The exact boundaries are tests/unit/test_gc.c's,
# with an injected clock.
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top"
# shellcheck source=tests/e2e/lib/wait.sh
source tests/e2e/lib/wait.sh
SCTPLB=${SCTPLB:-$top/build/sctplb}
PIN=/sys/fs/bpf/sctplb-gctest-$$
TMP=$(mktemp -d /tmp/sctplb-gctest-$$.XXXX)
failed=0
gcpid=

cleanup() {
	[ -n "$gcpid" ] && kill "$gcpid" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT INT TERM

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
sl() { "$SCTPLB" --pin-path "$PIN" "$@"; }
jcount() { python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }
count() {
	if [ "$1" = handshakes ] || [ "$1" = client_index ]; then  # set-associative tables: their entries
		build/tests/settable count "$PIN" "$1"
	else
		bpftool -j map dump pinned "$PIN/$1" | jcount
	fi
}

# put KIND ARGS: writes one entry through bpftool (python builds the bytes).
#   assoc SVC VTAG CTAG BACKEND STATE CPORT IDLE_S [CLOSING_S] [CLIENT] [FLAGS]
#   client SVC CPORT ADDR BACKEND STAG
#   hs SVC CPORT ADDR BACKEND AGE_S
put() {
	python3 - "$PIN" "$@" <<'PY'
import ipaddress, json, socket, struct, subprocess, sys, time
pin, kind, a = sys.argv[1], sys.argv[2], sys.argv[3:]
now = time.monotonic_ns()
S = 1000000000
def vsize(m):
    return json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "pinned", pin + "/" + m]))["bytes_value"]
def caddr(s):
    ip = ipaddress.ip_address(s)
    return (4 if ip.version == 4 else 6), ip.packed.ljust(16, b"\0")
def upd(m, k, v):
    subprocess.check_call(["bpftool", "map", "update", "pinned", pin + "/" + m, "key"] + [str(b) for b in k] +
                          ["value"] + [str(b) for b in v])
def ckey(svc, cport, addr):
    fam, raw = caddr(addr)
    return struct.pack("<IHBB", int(svc), socket.htons(int(cport)), fam, 0) + raw
def put_client(svc, cport, addr, be, stag):  # client_index: a set-associative table
    subprocess.check_call(["build/tests/settable", "put", pin, ckey(svc, cport, addr).hex(),
                           struct.pack("<II", int(be), int(stag)).hex(), str(now >> 27), "client_index"])
if kind == "assoc":
    svc, vtag, ctag, be, state, cport, idle = (int(x, 0) for x in a[:7])
    closing = now - int(a[7]) * S if len(a) > 7 and a[7] != "-" else 0
    client = a[8] if len(a) > 8 and a[8] != "-" else None
    flags = int(a[9]) if len(a) > 9 else 0
    last = now - idle * S
    k = struct.pack("<IIHH", svc, vtag, socket.htons(cport), socket.htons(3868))
    st = lambda ns: ns >> 27 if ns > 0 else 0  # sctplb_stamp()
    v = struct.pack("<IIBBHIII", be, ctag, state, flags, 0, st(last - S), st(last), st(closing))
    if client:
        fam, raw = caddr(client)
        v += raw + struct.pack("<B3xII", fam, st(last), st(last))
    v = v.ljust(vsize("assocs"), b"\0")
    upd("assocs", k, v)
    if ctag:
        upd("assoc_ctags", struct.pack("<IIHH", svc, ctag, socket.htons(cport), socket.htons(3868)),
            struct.pack("<I", vtag))
    if client:
        put_client(svc, cport, client, be, vtag)
elif kind == "client":
    svc, cport, addr, be, stag = a
    put_client(svc, cport, addr, be, int(stag, 0))
elif kind == "hs":
    svc, cport, addr, be, age = a
    v = struct.pack("<IIQB7x", int(be), 0x77, now - int(age) * S, 0)
    subprocess.check_call(["build/tests/settable", "put", pin,
                           ckey(svc, cport, addr).hex(), v.hex(), str((now - int(age) * S) >> 27)])
PY
}
has_assoc() { python3 -c "
import struct,socket; print(' '.join(str(b) for b in struct.pack('<IIHH', $1, $2, socket.htons($3), socket.htons(3868))))" |
	xargs bpftool map lookup pinned "$PIN/assocs" key >/dev/null 2>&1; }

[ -x "$SCTPLB" ] || { echo "FAIL setup: $SCTPLB not built (make)"; exit 1; }
sl service add sig --vip 192.0.2.10,2001:db8::10 --port 3868 >/dev/null &&
	sl backend add sig be1 --addr 198.51.100.1,2001:db8:1::1 >/dev/null &&
	sl backend add sig be2 --addr 198.51.100.2,2001:db8:1::2 >/dev/null &&
	sl service add other --vip 192.0.2.20 --port 3869 >/dev/null &&
	sl backend add other ob1 --addr 198.51.100.9 >/dev/null && pass setup || { fail setup "configuration"; exit 1; }

# ---- config: expiry settings ----
out=$(sl config show)
python3 -c "
import json,sys; c=json.loads(sys.argv[1])
assert (c['idle_timeout'], c['closing_grace'], c['handshake_timeout']) == (300, 5, 10), c" "$out" 2>/dev/null &&
	pass config_show_defaults || fail config_show_defaults "$out"
for bad in "idle-timeout 5" "idle-timeout 604801" "closing-grace 3601" "handshake-timeout abc" "idle-timeout -1"; do
	# shellcheck disable=SC2086
	out=$(sl config $bad 2>&1) && fail "config_rejects ($bad)" "accepted" ||
		{ grep -q "give whole seconds from" <<<"$out" && pass "config_rejects ($bad)" || fail "config_rejects ($bad)" "$out"; }
done
sl config idle-timeout 120 >/dev/null && sl config closing-grace 2 >/dev/null && sl config handshake-timeout 30 >/dev/null
out=$(sl config show)
python3 -c "
import json,sys; c=json.loads(sys.argv[1])
assert (c['idle_timeout'], c['closing_grace'], c['handshake_timeout']) == (120, 2, 30), c" "$out" 2>/dev/null &&
	pass config_timeouts_set || fail config_timeouts_set "$out"
# An apply file round-trips them; an unrelated change keeps them (config commands only touch theirs).
sl config unknown-vtag pass >/dev/null
[ "$(sl config show | python3 -c "import json,sys; print(json.load(sys.stdin)['idle_timeout'])")" = 120 ] &&
	pass config_timeouts_kept || fail config_timeouts_kept "unknown-vtag reset them"
sl config show >"$TMP/cfg.json"
out=$(sl apply "$TMP/cfg.json" 2>&1)
grep -q "no change" <<<"$out" && pass apply_roundtrip_timeouts || fail apply_roundtrip_timeouts "$out"

# ---- gc: one sweep ----
# service 1 (sig): be1 = 1, be2 = 2; service 2 (other): ob1 = 3
sl config closing-grace 60 >/dev/null
sl config handshake-timeout 300 >/dev/null
put assoc 1 0x101 0xc101 1 2 40001 70 70 192.0.2.1     # ended 70 s ago (grace 60): removed
put assoc 1 0x102 0xc102 1 2 40002 0 0 192.0.2.2       # ended now: kept
put assoc 1 0x103 0xc103 2 1 40003 130 - 2001:db8::3   # idle 130 s (timeout 120): removed
put assoc 1 0x104 0xc104 2 1 40004 0 - 192.0.2.4       # active now: kept
put assoc 1 0x105 0xc105 1 1 40005 200 - - 1           # learnt from the INIT-ACK, idle: removed
put client 1 40005 192.0.2.5 1 0x105                   #   its client_index (no path address)
put hs 1 50001 192.0.2.101 1 301                       # 301 s (timeout 300): removed
put hs 1 50002 192.0.2.102 2 0                         # kept
out=$(sl --json assoc list)
python3 -c "
import json,sys; a={x['vtag']:x for x in json.loads(sys.argv[1])}
assert a[0x101]['state']=='closing' and a[0x104]['state']=='established', a
assert a[0x105]['from_init_ack'] and not a[0x104]['from_init_ack']
assert 129 < a[0x103]['idle_s'] < 250 and a[0x101]['closing_s'] >= 3" "$out" 2>/dev/null &&
	pass assoc_list_state_age_learnt || fail assoc_list_state_age_learnt "$out"
sl assoc list | grep -q "closing .*cookie-echo" && sl assoc list | grep -q "init-ack" &&
	pass assoc_list_text || fail assoc_list_text "$(sl assoc list)"
out=$(sl gc 2>&1)
grep -q "removed 3 associations (1 ended past the 60 s grace, 2 idle over 120 s" <<<"$out" &&
	! has_assoc 1 0x101 40001 && has_assoc 1 0x102 40002 && ! has_assoc 1 0x103 40003 &&
	has_assoc 1 0x104 40004 && ! has_assoc 1 0x105 40005 && pass gc_once || fail gc_once "$out"
[ "$(count assocs)" = 2 ] && [ "$(count assoc_ctags)" = 2 ] && [ "$(count client_index)" = 2 ] &&
	[ "$(count handshakes)" = 1 ] && pass gc_indexes_with_assocs ||
	fail gc_indexes_with_assocs "assocs $(count assocs) ctags $(count assoc_ctags) clients $(count client_index) handshakes $(count handshakes)"
out=$(sl --json gc)
python3 -c "
import json,sys; r=json.loads(sys.argv[1])
assert r['assocs_closed']==0 and r['assocs_idle']==0 and r['assocs_scanned']==2 and r['idle_timeout_s']==120, r" "$out" 2>/dev/null &&
	pass gc_json_idempotent || fail gc_json_idempotent "$out"

# ---- gc --interval: a service that stops on SIGTERM ----
# It runs until it has removed both ended associations (0x102 and 0x106, whatever the
# number of sweeps that takes), then gets SIGTERM.
sl config closing-grace 2 >/dev/null
put assoc 1 0x106 0xc106 1 2 40006 0 0 192.0.2.6       # ends now: gone after the 2 s grace
"$SCTPLB" --pin-path "$PIN" gc --interval 0.5 >"$TMP/gc.out" 2>&1 &
gcpid=$!
ended_removed() {
	! has_assoc 1 0x106 40006 && ! has_assoc 1 0x102 40002 && grep -q "ended past the 2 s grace" "$TMP/gc.out"
}
wait_until 60 ended_removed; removed=$?
kill -TERM $gcpid
wait $gcpid; rc=$?
gcpid=
[ $removed = 0 ] && [ $rc = 0 ] && grep -q "gc: stopped" "$TMP/gc.out" &&
	pass gc_interval_sigterm || fail gc_interval_sigterm "removed both: $removed, rc $rc: $(cat "$TMP/gc.out")"
out=$(sl gc --interval 0 2>&1) && fail gc_bad_interval "accepted" ||
	{ grep -q "0.1 to 86400" <<<"$out" && pass gc_bad_interval || fail gc_bad_interval "$out"; }

# ---- backend del / service del remove their state ----
put assoc 1 0x201 0xc201 2 1 41001 0 - 192.0.2.21
put client 1 41009 192.0.2.29 2 0x999
put hs 1 51001 192.0.2.121 2 0
put assoc 1 0x202 0xc202 1 1 41002 0 - 192.0.2.22
put assoc 2 0x301 0xc301 3 1 42001 0 - 192.0.2.31
put hs 2 52001 192.0.2.131 3 0
out=$(sl backend del sig be2 2>&1)
# be2 held 0x104 (kept by gc above) and 0x201
grep -q "state of the deleted backend removed: 2 associations, 2 assoc_ctags, 3 client_index, 2 handshakes" <<<"$out" &&
	! has_assoc 1 0x104 40004 && ! has_assoc 1 0x201 41001 && has_assoc 1 0x202 41002 && has_assoc 2 0x301 42001 &&
	pass backend_del_removes_state || fail backend_del_removes_state "$out"
# The id is reused by the next backend: it starts with nothing.
sl backend add sig be3 --addr 198.51.100.3,2001:db8:1::3 >/dev/null
id=$(sl --json backend list sig | python3 -c "import json,sys; print([b['id'] for b in json.load(sys.stdin) if b['name']=='be3'][0])")
n=$(bpftool -j map dump pinned "$PIN/assocs" | python3 -c "
import json,sys; print(sum(1 for e in json.load(sys.stdin) if e['formatted']['value']['backend_id']==$id))")
[ "$id" = 2 ] && [ "$n" = 0 ] && pass reused_id_inherits_nothing || fail reused_id_inherits_nothing "id $id, $n associations"
out=$(sl service del other 2>&1)
grep -q "state of the deleted service removed: 1 association, 1 assoc_ctags, 1 client_index, 1 handshake" <<<"$out" &&
	! has_assoc 2 0x301 42001 && has_assoc 1 0x202 41002 && pass service_del_removes_state || fail service_del_removes_state "$out"
out=$(sl backend del sig be3 2>&1)
grep -q "removed: 0 associations" <<<"$out" && pass backend_del_nothing_to_remove || fail backend_del_nothing_to_remove "$out"

# ---- the key filters' pins missing (removed by hand): gc makes them and goes on sweeping ----
put client 1 41019 192.0.2.39 1 0x777
rm -f "$PIN/client_filter" "$PIN/assoc_filter"
out=$(sl gc 2>&1)
rc=$?
read -r fset ftotal aset atotal < <(build/tests/settable filter "$PIN" 2>&1)
[ "$rc" = 0 ] && [ -e "$PIN/client_filter" ] && [ -n "$ftotal" ] && [ "$ftotal" -gt 0 ] 2>/dev/null &&
	[ "$fset" -gt 0 ] && pass gc_pins_without_client_filter ||
	fail gc_pins_without_client_filter "gc exit $rc, map made: $([ -e "$PIN/client_filter" ] && echo yes || echo no), bits $fset of $ftotal (want some: the sweep's rebuild): $out"
[ "$rc" = 0 ] && [ -e "$PIN/assoc_filter" ] && [ -n "$atotal" ] && [ "$atotal" -gt 0 ] 2>/dev/null &&
	[ "$aset" -gt 0 ] && pass gc_pins_without_assoc_filter ||
	fail gc_pins_without_assoc_filter "gc exit $rc, map made: $([ -e "$PIN/assoc_filter" ] && echo yes || echo no), bits $aset of $atotal assocs entries (want some: the sweep's rebuild): $out"

exit $failed
