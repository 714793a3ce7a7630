#!/usr/bin/env bash
# sctplb end to end: the loader run again during traffic.  `sctplb attach` on the same
# interfaces (XDP on ca/cb; with return through the forwarder also the tc return program
# on the backend-facing veths) replaces the programs and reuses the pinned maps: no
# association is lost, sent == received, every association stays on its backend.
# The traffic runs until every association has 25 echoes before the re-attach and 25
# more after it (through the new programs).  Both return variants.  Before the re-attach
# the pinned key filters are removed, as pins made by an sctplb before them have none:
# attach makes them and sets the bit of every client_index and assocs entry (the restart
# rule reads client_index, the collision rule assocs, only where the bit is set:
# include/sctplb.h).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib/lb.sh
source tests/e2e/lib/lb.sh
PORT=5000
start=$(now_ms)

# prog_ids: "ifname:hook:prog_id" of every attachment; map_ids: ids of the pinned maps.
prog_ids() {
	lb_json status | python3 -c '
import json, sys
print(" ".join(sorted("%s:%s:%s" % (a["ifname"], a["hook"], a["prog_id"]) for a in json.load(sys.stdin)["attachments"])))'
}
map_ids() {
	local m
	for m in assocs assoc_ctags client_index handshakes path_stats; do
		echo -n "$m:$(bpftool -j map show pinned "$LB_PIN/$m" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') "
	done
}

for ret in fwd dsr; do
	t0=$(now_ms)
	if ! lb_create --return $ret || ! lb_service s4 $PORT "$VIP_A4,$VIP_B4" || ! lb_servers $PORT "$VIP_A4,$VIP_B4"; then
		fail "${ret}_setup" "topology, sctplb or servers failed"
		lb_destroy
		continue
	fi
	if ! lb_traffic "${ret}_reattach" --local "$CLI_A4,$CLI_B4" --remote "$VIP_A4,$VIP_B4" --port $PORT \
		--lport-base 48000 --assocs 10 --rate 50 --duration "$TOPO_UNTIL_STOPPED"; then
		fail "${ret}_reattach" "associations not up: $(tail -c 300 "$TOPO_DIR/${ret}_reattach.log")"
		lb_destroy
		continue
	fi
	lb_wait_echoes "${ret}_reattach" 25 ||
		fail "${ret}_reattach_before" "not 25 echoes on every association: $(lb_received "${ret}_reattach")"
	progs0=$(prog_ids) maps0=$(map_ids) pins0=$(lb_assoc_backends s4)
	rm -f "$LB_PIN/client_filter" "$LB_PIN/assoc_filter"
	ta=$(now_ms)
	out=$(lb_attach 2>&1)
	rc=$?
	tb=$(now_ms)
	read -r fset ftotal aset atotal < <(build/tests/settable filter "$LB_PIN" 2>&1)
	if [ -n "$ftotal" ] && [ "$ftotal" -gt 0 ] 2>/dev/null && [ "$fset" = "$ftotal" ]; then
		pass "${ret}_reattach_filter"
	else
		fail "${ret}_reattach_filter" "client_filter made by the re-attach has the bits of $fset of $ftotal client_index entries (want all, at least one)"
	fi
	if [ -n "$atotal" ] && [ "$atotal" -gt 0 ] 2>/dev/null && [ "$aset" = "$atotal" ]; then
		pass "${ret}_reattach_assoc_filter"
	else
		fail "${ret}_reattach_assoc_filter" "assoc_filter made by the re-attach has the bits of $aset of $atotal assocs entries (want all, at least one)"
	fi
	progs1=$(prog_ids) maps1=$(map_ids)
	at=$(lb_received "${ret}_reattach")
	if lb_wait_echoes "${ret}_reattach" 25 "$at"; then
		pass "${ret}_reattach_flows"
	else
		fail "${ret}_reattach_flows" "not 25 more echoes on every association after the re-attach: $at -> $(lb_received "${ret}_reattach")"
	fi
	lb_traffic_stop || fail "${ret}_reattach_exit" "traffic exited $?"
	pins1=$(lb_assoc_backends s4)
	echo "  $ret: re-attach of $(wc -w <<<"$progs0") hooks took $((tb - ta)) ms"
	echo "    programs before: $progs0"
	echo "    programs after:  $progs1"
	echo "    pinned maps before: $maps0"
	echo "    pinned maps after:  $maps1"
	lb_check_assocs "${ret}_reattach" "$TOPO_DIR/${ret}_reattach.log" s4 $PORT
	if [ "$rc" -ne 0 ]; then
		fail "${ret}_reattach_replaces" "sctplb attach again failed: $out"
	elif [ "$(wc -w <<<"$progs1")" != "$(wc -w <<<"$progs0")" ] ||
		[ -n "$(comm -12 <(tr ' ' '\n' <<<"$progs0" | sort) <(tr ' ' '\n' <<<"$progs1" | sort))" ]; then
		fail "${ret}_reattach_replaces" "not every program was replaced: $progs0 -> $progs1"
	else
		pass "${ret}_reattach_replaces"
	fi
	if [ "$maps0" = "$maps1" ] && [ "$pins0" = "$pins1" ]; then
		pass "${ret}_reattach_keeps_maps"
	else
		fail "${ret}_reattach_keeps_maps" "maps $maps0 -> $maps1; associations $pins0 -> $pins1"
	fi
	ids=$TOPO_ID pin=$LB_PIN
	lb_destroy
	lb_no_leftovers "$ids" "$pin"
	echo "  $ret variant: $(($(now_ms) - t0)) ms"
done
echo "  total time $(($(now_ms) - start)) ms"
[ "$E2E_FAILURES" -eq 0 ]
