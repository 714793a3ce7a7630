#!/usr/bin/env bash
# The NAT configuration (service add --nat --target-port, "nat"/"target_port" in the
# configuration file): what it writes in the maps (the VIP keys' NAT flag, svc_nat,
# nat_backends: the return path's (backend address, port) -> service, backend, VIP),
# listings, config show / apply round trip and idempotence, every change and deletion
# followed in nat_backends, and errors that name the cause and change nothing.  Private
# namespace and pin dir, removed on exit.
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top"
SCTPLB=${SCTPLB:-$top/build/sctplb}
NS=slbnat$$-$RANDOM
PIN=/sys/fs/bpf/sctplb-natcfg-$$-$RANDOM
TMP=$(mktemp -d /tmp/sctplb-natcfg-$$.XXXX)
failed=0

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT INT TERM
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
sl() { nsenter --net="/run/netns/$NS" "$SCTPLB" --pin-path "$PIN" "$@"; }
SNAPSHOT_MAPS="services backends svc_meta be_meta svc_nat nat_backends"
. "$top/tests/e2e/lib/maps.sh"
# nat_entries: "addr port proto -> svc backend path vip vip_port" of nat_backends, sorted
nat_entries() {
	bpftool -j map dump pinned "$PIN/nat_backends" | python3 -c '
import ipaddress, json, sys
def addr(w, fam):
    b = b"".join(int(x).to_bytes(4, "little") for x in w)
    return str(ipaddress.ip_address(b[:4] if fam == 4 else b))
out = []
for e in json.load(sys.stdin):
    k, v = e["formatted"]["key"], e["formatted"]["value"]
    port = int.from_bytes(int(k["port"]).to_bytes(2, "little"), "big")
    vport = int.from_bytes(int(v["vip_port"]).to_bytes(2, "little"), "big")
    out.append("%s %d %d -> svc %d be %d path %d vip %s:%d" % (
        addr(k["addr"], k["family"]), port, k["proto"], v["svc"]["id"], v["backend_id"],
        v["svc"]["path"], addr(v["vip"]["addr"], v["vip"]["family"]), vport))
print("\n".join(sorted(out)))'
}

[ -x "$SCTPLB" ] || { echo "FAIL setup: $SCTPLB not built (make)"; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
ip netns add "$NS" || { echo "FAIL setup: cannot create namespace"; exit 1; }

# ---- command line ----
if sl service add amf --vip 203.0.113.1,2001:db8:f::1 --port 38412 --nat --target-port 38413 \
	--udp-encap 9899 >/dev/null &&
	sl backend add amf pod-1 --addr 198.51.100.11,2001:db8:1::11 >/dev/null &&
	sl backend add amf pod-2 --addr 198.51.100.12,2001:db8:1::12 >/dev/null; then
	pass nat_service_add
else
	fail nat_service_add "commands failed"
fi
out=$(sl service list)
if grep -q "amf .*nat:38413" <<<"$out"; then pass nat_service_list; else fail nat_service_list "$out"; fi
got=$(nat_entries)
want="198.51.100.11 38413 132 -> svc 1 be 1 path 0 vip 203.0.113.1:38412
198.51.100.11 9899 17 -> svc 1 be 1 path 0 vip 203.0.113.1:38412
198.51.100.12 38413 132 -> svc 1 be 2 path 0 vip 203.0.113.1:38412
198.51.100.12 9899 17 -> svc 1 be 2 path 0 vip 203.0.113.1:38412
2001:db8:1::11 38413 132 -> svc 1 be 1 path 1 vip 2001:db8:f::1:38412
2001:db8:1::11 9899 17 -> svc 1 be 1 path 1 vip 2001:db8:f::1:38412
2001:db8:1::12 38413 132 -> svc 1 be 2 path 1 vip 2001:db8:f::1:38412
2001:db8:1::12 9899 17 -> svc 1 be 2 path 1 vip 2001:db8:f::1:38412"
if [ "$got" = "$want" ]; then pass nat_backends_written; else fail nat_backends_written "$(diff <(echo "$want") <(echo "$got"))"; fi
flags=$(bpftool -j map dump pinned "$PIN/services" | python3 -c '
import json, sys
print(sorted(set(e["formatted"]["value"]["flags"] for e in json.load(sys.stdin))))')
if [ "$flags" = "[2, 3]" ]; then pass nat_vip_flags; else fail nat_vip_flags "flags $flags (want NAT 2, NAT|UDP 3)"; fi
tp=$(bpftool -j map lookup pinned "$PIN/svc_nat" key 1 0 0 0 | python3 -c '
import json, sys
v = json.load(sys.stdin)["formatted"]["value"]
sw = lambda x: int.from_bytes(int(x).to_bytes(2, "little"), "big")
print(v["flags"], sw(v["sctp_port"]), sw(v["target_port"]))')
if [ "$tp" = "1 38412 38413" ]; then pass nat_svc_nat; else fail nat_svc_nat "svc_nat[1] = $tp"; fi

# ---- errors change nothing ----
expect_error nat_target_port_needs_nat "add --nat" \
	sl service add other --vip 203.0.113.5 --port 5000 --target-port 5001
expect_error nat_bad_target_port "target-port 0" \
	sl service add other --vip 203.0.113.5 --port 5000 --nat --target-port 0
sl service add amf2 --vip 203.0.113.2,2001:db8:f::2 --port 38414 --nat --target-port 38413 >/dev/null
expect_error nat_backend_address_clash "also backend pod-1" \
	sl backend add amf2 pod-x --addr 198.51.100.11,2001:db8:1::99
expect_error nat_same_backend_twice "also backend pod-1" \
	sl backend add amf pod-3 --addr 198.51.100.13,2001:db8:1::11

# ---- config show / apply ----
sl config show >"$TMP/cfg.json"
if python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["services"]}
sys.exit(0 if s["amf"].get("nat") is True and s["amf"].get("target_port") == 38413 and
         s["amf2"].get("target_port") == 38413 else 1)' "$TMP/cfg.json"; then
	pass nat_config_show
else
	fail nat_config_show "$(cat "$TMP/cfg.json")"
fi
# (the first apply of a `config show` may write the settings, which no command had)
sl apply "$TMP/cfg.json" >/dev/null
before=$(snapshot)
out=$(sl apply "$TMP/cfg.json" 2>&1)
if grep -q "no change" <<<"$out" && [ "$before" = "$(snapshot)" ]; then
	pass nat_apply_idempotent
else
	fail nat_apply_idempotent "$out"
fi
# the file turns NAT off for amf and drops amf2: the flags, svc_nat and the entries follow
python3 - "$TMP/cfg.json" "$TMP/dsr.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["services"] = [s for s in c["services"] if s["name"] == "amf"]
del c["services"][0]["nat"], c["services"][0]["target_port"]
json.dump(c, open(sys.argv[2], "w"))
PY
if sl apply "$TMP/dsr.json" >/dev/null && [ -z "$(nat_entries)" ] &&
	[ "$(bpftool -j map dump pinned "$PIN/services" | python3 -c '
import json, sys
print(sorted(set(e["formatted"]["value"]["flags"] for e in json.load(sys.stdin))))')" = "[0, 1]" ] &&
	! sl service list | grep -q nat:; then
	pass nat_apply_off
else
	fail nat_apply_off "entries: $(nat_entries); $(sl service list)"
fi
expect_error nat_file_target_without_nat '"nat": true' sh -c "
	python3 -c 'import json,sys; c=json.load(open(\"$TMP/dsr.json\")); c[\"services\"][0][\"target_port\"]=1; json.dump(c, open(\"$TMP/bad.json\",\"w\"))' &&
	nsenter --net=/run/netns/$NS $SCTPLB --pin-path $PIN apply $TMP/bad.json"
if sl apply "$TMP/cfg.json" >/dev/null && [ "$(nat_entries | wc -l)" -eq 8 ]; then
	pass nat_apply_on
else
	fail nat_apply_on "$(nat_entries)"
fi
sl backend del amf pod-2 >/dev/null
if ! nat_entries | grep -q "198.51.100.12\|2001:db8:1::12" && [ "$(nat_entries | wc -l)" -eq 4 ]; then
	pass nat_backend_del
else
	fail nat_backend_del "$(nat_entries)"
fi
# ---- full NAT ----
expect_error nat_snat_needs_nat "add --nat" \
	sl service add fn --vip 203.0.113.7 --port 5000 --snat 198.51.100.50
expect_error nat_snat_count "one per VIP" \
	sl service add fn --vip 203.0.113.7,2001:db8:f::7 --port 5000 --nat --snat 198.51.100.50
expect_error nat_snat_family "give an IPv6 address for path 1" \
	sl service add fn --vip 203.0.113.7,2001:db8:f::7 --port 5000 --nat \
	--snat 198.51.100.50,198.51.100.51
if sl service add fn --vip 203.0.113.7,2001:db8:f::7 --port 5000 --nat \
	--snat 198.51.100.50,2001:db8:1::50 >/dev/null && sl service list | grep -q "fn .*fullnat:5000" &&
	sl config show | python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(sys.stdin)["services"]}
sys.exit(0 if s["fn"].get("snat") == ["198.51.100.50", "2001:db8:1::50"] else 1)'; then
	id=$(sl --json service list | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["name"] == "fn"][0])')
	got=$(bpftool -j map lookup pinned "$PIN/svc_nat" key "$id" 0 0 0 | python3 -c '
import ipaddress, json, sys
v = json.load(sys.stdin)["formatted"]["value"]
def addr(a):
    b = b"".join(int(x).to_bytes(4, "little") for x in a["addr"])
    return str(ipaddress.ip_address(b[:4] if a["family"] == 4 else b))
print(v["nsnat"], " ".join(addr(a) for a in v["snat"][:v["nsnat"]]))')
	if [ "$got" = "2 198.51.100.50 2001:db8:1::50" ]; then pass nat_snat; else fail nat_snat "svc_nat: $got"; fi
else
	fail nat_snat "service add --snat, list or config show"
fi
sl service del fn >/dev/null
sl service del amf >/dev/null
sl service del amf2 >/dev/null
if [ -z "$(nat_entries)" ] && [ "$(bpftool -j map lookup pinned "$PIN/svc_nat" key 1 0 0 0 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["formatted"]["value"]["flags"])')" = 0 ]; then
	pass nat_service_del
else
	fail nat_service_del "$(nat_entries)"
fi
exit $failed
