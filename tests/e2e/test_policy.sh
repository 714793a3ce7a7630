#!/usr/bin/env bash
# sctplb end to end: per-service source policy with real multihomed associations
# (return through the forwarder).
#   1. `policy add s4 allow 192.0.2.0/29` (path A's client subnet) makes s4 an allowlist:
#      a client whose INIT comes from 198.51.100.1 (path B only) never reaches COMM_UP
#      at any server, sctplb counts policy_drop and holds no association for it, while a
#      multihomed client (INIT from 192.0.2.1) has all of its associations up;
#   2. during that client's traffic, `policy add s4 deny 192.0.2.1` (a longer prefix):
#      its established associations go on to the end, nothing lost (policies filter
#      INITs only); a new association from it is refused;
#   3. `policy del` of that rule: new associations come up again;
#   4. the configuration file: `config show` carries the rules, `apply` of it changes
#      nothing, a bad prefix in a file is refused and changes nothing.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

if ! lb_create --return fwd || ! lb_service s4 $PORT "$VIP_A4,$VIP_B4" || ! lb_servers $PORT "$VIP_A4,$VIP_B4"; then
	fail setup "topology, sctplb or servers failed"
	exit 1
fi

# comm_ups LPORT_BASE N: how many comm_up events the servers logged from those ports.
comm_ups() {
	python3 - "$TOPO_DIR" "$PORT" "$1" "$2" <<'PY'
import glob, json, sys
tdir, port, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
c = 0
for f in glob.glob("%s/be*-%s.log" % (tdir, port)):
    for line in open(f):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("event") == "comm_up" and base <= j.get("rport", -1) < base + n:
            c += 1
print(c)
PY
}
# assocs_from LPORT_BASE N: associations sctplb holds from those client ports.
assocs_from() {
	lb_json assoc list | python3 -c '
import json, sys
b, n = int(sys.argv[1]), int(sys.argv[2])
print(sum(1 for a in json.load(sys.stdin) if b <= a["cport"] < b + n))' "$1" "$2"
}
# refused NAME LPORT_BASE LOCAL REMOTE: 2 associations that must never come up: their
# clients give up after 4 INITs each (--init-attempts), all dropped.
refused() {
	local name=$1 base=$2 d0 d1
	d0=$(lb_stat policy_drop)
	if lb_traffic "$name" --local "$3" --remote "$4" --port $PORT --lport-base "$base" \
		--assocs 2 --rate 10 --duration 2 --init-attempts 4; then
		fail "$name" "associations came up: $(tail -c 200 "$TOPO_DIR/$name.log")"
	fi
	kill "$LB_TRAFFIC_PID" 2>/dev/null
	wait "$LB_TRAFFIC_PID" 2>/dev/null
	d1=$(lb_stat policy_drop)
	local ups held
	ups=$(comm_ups "$base" 2) held=$(assocs_from "$base" 2)
	if [ "$ups" = 0 ] && [ "$held" = 0 ] && [ $((d1 - d0)) -ge 2 ]; then
		pass "$name"
	else
		fail "$name" "comm_up at the servers $ups, sctplb associations $held, policy_drop +$((d1 - d0))"
	fi
	echo "  $name: policy_drop +$((d1 - d0)) (INITs and their retransmissions)"
}

# ---- 1. an allowlist ----
sl policy add s4 allow 192.0.2.0/29 >/dev/null || fail policy_add "sctplb policy add failed"
out=$(sl policy list s4)
grep -q "allow .*192.0.2.0/29" <<<"$out" && grep -q "deny .*default" <<<"$out" && pass policy_list ||
	fail policy_list "$out"
refused denied_source_never_up 47000 "$CLI_B4" "$VIP_B4"

if lb_traffic allowed --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 45000 --assocs 6 --rate 20 --duration "$TOPO_UNTIL_STOPPED"; then
	# ---- 2. deny the running client: its associations go on ----
	lb_wait_echoes allowed 5 || fail established_not_cut "no echoes before the deny: $(lb_received allowed)"
	sl policy add s4 deny "$CLI_A4" >/dev/null || fail policy_add_deny "sctplb policy add deny failed"
	at_deny=$(lb_received allowed)
	lb_wait_echoes allowed 20 "$at_deny" ||
		fail established_not_cut "echoes stopped after the deny: $at_deny -> $(lb_received allowed)"
	lb_traffic_stop || fail established_not_cut "traffic exited $?"
	lb_check_assocs established_not_cut "$TOPO_DIR/allowed.log" s4 $PORT
else
	fail allowed_source_up "associations not up: $(tail -c 300 "$TOPO_DIR/allowed.log")"
fi
refused denied_after_change 48000 "$CLI_A4,$CLI_B4" "$VIP_A4,$VIP_B4"

# ---- 3. the rule deleted: in again ----
sl policy del s4 "$CLI_A4/32" >/dev/null || fail policy_del "sctplb policy del failed"
if lb_traffic again --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
	--lport-base 49000 --assocs 3 --rate 20 --duration 2; then
	wait "$LB_TRAFFIC_PID"
	lb_check_assocs allowed_after_del "$TOPO_DIR/again.log" s4 $PORT
else
	fail allowed_after_del "associations not up: $(tail -c 300 "$TOPO_DIR/again.log")"
fi

# ---- 4. the configuration file ----
sl config show >"$TOPO_DIR/cfg.json"
python3 -c '
import json, sys
s = [x for x in json.load(open(sys.argv[1]))["services"] if x["name"] == "s4"][0]
assert s["policy"] == [{"action": "allow", "prefix": "192.0.2.0/29"}], s.get("policy")' "$TOPO_DIR/cfg.json" 2>/dev/null &&
	pass config_show_policy || fail config_show_policy "$(grep -A8 policy "$TOPO_DIR/cfg.json")"
sl apply "$TOPO_DIR/cfg.json" >/dev/null
out=$(sl apply "$TOPO_DIR/cfg.json" 2>&1)
grep -q "no change" <<<"$out" && pass apply_policy_roundtrip || fail apply_policy_roundtrip "$out"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
c["services"][0]["policy"].append({"action": "deny", "prefix": "192.0.2.1/24"})
json.dump(c, open(sys.argv[2], "w"))' "$TOPO_DIR/cfg.json" "$TOPO_DIR/bad.json"
before=$(sl config show)
out=$(sl apply "$TOPO_DIR/bad.json" 2>&1)
if [ $? -ne 0 ] && grep -q "no host bits" <<<"$out" && [ "$(sl config show)" = "$before" ]; then
	pass apply_bad_prefix_refused
else
	fail apply_bad_prefix_refused "$out"
fi
# A file that adds a deny rule: applied, and the tries hold it.
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
c["services"][0]["policy"].append({"action": "deny", "prefix": "2001:db8:a::/48"})
json.dump(c, open(sys.argv[2], "w"))' "$TOPO_DIR/cfg.json" "$TOPO_DIR/more.json"
sl apply "$TOPO_DIR/more.json" >/dev/null && sl policy list s4 | grep -q "deny .*2001:db8:a::/48" &&
	pass apply_adds_rule || fail apply_adds_rule "$(sl policy list s4)"

ids=$TOPO_ID pin=$LB_PIN
lb_destroy
lb_no_leftovers "$ids" "$pin"
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
