#!/usr/bin/env bash
# make bench: the figures of docs/bench.md.  A benchmark: it fails only when
# something cannot be measured, never for being slow.
#
#   1-4  build/sctplb-bench micro: BPF_PROG_TEST_RUN in a private network
#        namespace (it vanishes with the process; nothing is pinned)
#   5    build/sctplb-bench e2e: the topology of tests/e2e/lib/topo.sh, kernel
#        routing, sctplb and the floor forwarder (the least an XDP forwarder
#        does: the most any gets from this path) in turn, BENCH_E2E_SECONDS (5) each,
#        BENCH_E2E_ROUNDS (2) rounds, each run pinned to one CPU
# Writes build/bench.json (micro + e2e); namespaces are deleted on exit.
# BENCH_QUICK=1: smaller sizes, for a smoke run.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

BENCH=build/sctplb-bench
OUT=build/bench.json
MICRO=build/bench-micro.json
E2E=build/bench-e2e.jsonl
E2E_SECONDS=${BENCH_E2E_SECONDS:-5}
E2E_ROUNDS=${BENCH_E2E_ROUNDS:-2}

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF, namespaces)"
[ -x "$BENCH" ] || die "$BENCH missing: run 'make bench'"
command -v jq >/dev/null || die "jq missing"
rm -f "$OUT" "$MICRO" "$E2E"

# Where section 2 pins its maps while it times `sctplb assoc list`: unique
# to the run, removed on exit (the benchmark removes it itself when it can).
PIN_DIR=/sys/fs/bpf/sctplb-bench-$$-$RANDOM
trap 'rm -rf "$PIN_DIR"' EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
echo "sctplb benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"
timeout 480 "$BENCH" micro --json "$MICRO" --pin-dir "$PIN_DIR" ${BENCH_QUICK:+--quick} ||
	die "micro benchmark failed"

# shellcheck source=../e2e/lib/topo.sh
source tests/e2e/lib/topo.sh
trap 'topo_destroy; rm -rf "$PIN_DIR"' EXIT
trap 'exit 130' INT TERM
topo_create --fwd kernel >/dev/null || die "topology"
# The generator's anchor (tests/bench/e2e.c, --gen-if): a veth pair of the
# client namespace left down, so that it carries nothing; it goes with the
# namespace.
ip -n "$CLI_NS" link add e2egen type veth peer name e2egenp || die "the generator's veth"
# The path carries the generator's frames only: what the namespaces' own
# stacks send out of its four interfaces (IPv6 link-up MLD reports and router
# solicitations, from timers on whichever CPU) is dropped before it leaves.
# Such a frame schedules the receiving veth's NAPI on the CPU that sent it,
# which then drains the path's ring there, on another CPU than the run's
# (seen as frames received elsewhere, tests/bench/e2e.c).
for nsifs in "$CLI_NS \"$CLI_IF_A\"" "$FWD_NS \"$FWD_CLI_IF_A\", \"$FWD_BE1_IF_A\"" \
	"$BE1_NS \"$BE_IF_A\""; do
	ns=${nsifs%% *}
	ip netns exec "$ns" nft -f - <<EOF || die "the quiet path's nft rule in $ns"
table inet sctplb_bench {
	chain out {
		type filter hook output priority 0; policy accept;
		oifname { ${nsifs#* } } drop
	}
}
EOF
done

echo
echo "5. End to end: ${E2E_SECONDS} s per run, DATA of one established association (IPv4, 64-byte"
echo "   payload) from the client's veth (live frames, XDP_TX) through the forwarder to backend 1"
for r in $(seq 1 "$E2E_ROUNDS"); do
	for mode in kernel lb floor; do
		# the floor forwarder, as sctplb, with no kernel route to the VIPs
		topo_fwd_mode "${mode/floor/lb}" || die "topo_fwd_mode $mode"
		timeout $((E2E_SECONDS + 30)) "$BENCH" e2e --mode "$mode" --round "$r" \
			--seconds "$E2E_SECONDS" --json "$E2E" \
			--cli-ns "$CLI_NS" --fwd-ns "$FWD_NS" --be-ns "$BE1_NS" \
			--cli-if "$CLI_IF_A" --fwd-if "$FWD_CLI_IF_A" --be-if "$BE_IF_A" --gen-if e2egen \
			--fwd-be-if "$FWD_BE1_IF_A" \
			--src "$CLI_A4" --vip "$VIP_A4" --be-addr "$BE1_A4" || die "e2e $mode failed"
	done
done
topo_destroy
trap 'rm -rf "$PIN_DIR"' EXIT

jq --slurpfile runs "$E2E" '
	def med: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	. + {e2e: {seconds_per_run: ($runs[0].seconds // null),
		   kernel_pps: ([$runs[] | select(.mode == "kernel") | .pps] | med),
		   lb_pps: ([$runs[] | select(.mode == "lb") | .pps] | med),
		   floor_pps: ([$runs[] | select(.mode == "floor") | .pps] | med),
		   runs: $runs}}
	| .e2e.lb_over_kernel = (if .e2e.kernel_pps then .e2e.lb_pps / .e2e.kernel_pps else null end)
	| .e2e.floor_over_kernel = (if .e2e.kernel_pps and .e2e.floor_pps then .e2e.floor_pps / .e2e.kernel_pps else null end)
	| .e2e.lb_over_floor = (if .e2e.floor_pps then .e2e.lb_pps / .e2e.floor_pps else null end)
	' "$MICRO" >"$OUT" || die "cannot write $OUT"
jq -r '.e2e | "   median: kernel routing \(.kernel_pps / 1e6 * 100 | round / 100) Mpps, " +
	"sctplb \(.lb_pps / 1e6 * 100 | round / 100) Mpps (\(.lb_over_kernel * 100 | round / 100)x kernel), " +
	"the floor forwarder \(.floor_pps / 1e6 * 100 | round / 100) Mpps (\(.floor_over_kernel * 100 | round / 100)x kernel; " +
	"sctplb \(.lb_over_floor * 100 | round / 100)x the floor forwarder)"' "$OUT"

# The goals of issues 11, 12 and 15 with the measured values: .goals in
# $OUT, one line each, then a one-line summary.  met: true/false, or null for
# a figure that is published without a threshold, or that was not measured.
jq '
	def r2: if . == null then null else . * 100 | round / 100 end;
	def le($l): if . == null then null else . <= $l end;
	def case($re; $kind): [.cases[] | select(.kind == $kind) | select(.name | test($re)) | .ratio];
	(case("."; "learnt") | max) as $learnt
	| (case("."; "routable") | max) as $rt
	| (case("^INIT"; "new") | max) as $init
	| (case("^COOKIE"; "new") | max) as $cookie
	| (.scaling.points // [] | map(select(.assocs == 1000000)) | .[0]) as $m
	| ([.maglev // [] | .[] | select(.backends == 1000) | .total_ms] | .[0]) as $mg
	| ([.cases[] | select(.name | test("^DATA, IPv4, repeat=1"))] | .[0]) as $d1
	| ([.cases[] | select(.kind == "nat")]) as $nat
	| ([.e2e.runs // [] | .[] | select(.mode == "lb") | .lost // (.sent - .received)] | add) as $e2e_lost
	| ([.e2e.runs // [] | .[] | .received_elsewhere // 0] | add) as $e2e_elsewhere
	| . + {goals: {
	  learnt_within_5x: {issue: "15.1", goal: "established packets of learnt associations within 5x the floor (worst case)",
		value: ($learnt | r2), unit: "x floor", met: ($learnt | le(5))},
	  routable_within_4x: {issue: "12, 15.1", goal: "established packets forwarded by routable tag within 4x the floor (worst case)",
		value: ($rt | r2), unit: "x floor", met: ($rt | le(4))},
	  memory_128_bytes: {issue: "15.2", goal: "at most 128 bytes per association over all maps --max-assocs sizes",
		value: (.scaling.memory.bytes_per_assoc // null | r2), unit: "bytes", met: (.scaling.memory.bytes_per_assoc // null | le(128))},
	  spread_within_1_5x_hot: {issue: "15.2", goal: "DATA spread over 1M associations within 1.5x of the hot case",
		value: (if $m then $m.spread_ns / $m.hot_ns | r2 else null end), unit: "x hot",
		bound: (.scaling.spread_bound // null), memory_read_ns: (.scaling.memory_read_ns // null),
		met: (if $m then $m.spread_ns / $m.hot_ns <= 1.5 else null end)},
	  init_within_30x: {issue: "15.3", goal: "INIT (new handshake) within 30x the floor",
		value: ($init | r2), unit: "x floor", met: ($init | le(30))},
	  cookie_echo_within_30x: {issue: "15.3", goal: "COOKIE-ECHO (new association) within 30x the floor",
		value: ($cookie | r2), unit: "x floor", met: ($cookie | le(30))},
	  init_flood_pps_per_cpu: {issue: "15.3", goal: "INIT flood throughput per CPU (published)",
		value: (.flood.inits_per_s_per_cpu // null), unit: "INITs/s", met: null},
	  maglev_1000_under_5ms: {issue: "15.4", goal: "Maglev switch for 1000 backends under 5 ms",
		value: ($mg | r2), unit: "ms", met: ($mg | le(5))},
	  assoc_list_1m_under_2s: {issue: "15.4", goal: "sctplb assoc list of 1M associations under 2 s",
		value: (.scaling.assoc_list_s // null | r2), unit: "s", met: (.scaling.assoc_list_s // null | le(2))},
	  metrics_scrape_1m: {issue: "15.4", goal: "sctplb metrics, one scrape of 1M associations (published)",
		value: (.scaling.metrics_scrape_s // null | r2), unit: "s", met: null},
	  e2e_2_5x_kernel: {issue: "15.5", goal: "end to end at least 2.5x kernel routing, no frame lost",
		value: (.e2e.lb_over_kernel | r2), lost: $e2e_lost, elsewhere: $e2e_elsewhere, unit: "x kernel",
		floor_over_kernel: (.e2e.floor_over_kernel | r2), lb_over_floor: (.e2e.lb_over_floor | r2),
		met: (if .e2e.lb_over_kernel == null then null else .e2e.lb_over_kernel >= 2.5 and $e2e_lost == 0 end)},
	  flood_zero_lost: {issue: "11", goal: "no established association lost to 1M spoofed INITs",
		value: (.flood.lost // null), unit: "associations", met: (if .flood then .flood.lost == 0 else null end)},
	  spoof_confirmed_never_evicted: {issue: "11", goal: "promoted and confirmed associations never evicted by spoofed INIT + COOKIE-ECHO pairs",
		value: (if .spoof then .spoof.promoted_lost + .spoof.confirmed_lost else null end),
		of: (.spoof.never_evicted_n // null), unit: "associations lost",
		met: (if .spoof then .spoof.promoted_lost + .spoof.confirmed_lost == 0 else null end)},
	  spoof_evict_rate: {issue: "11", goal: "spoofed pairs per second that evict an unconfirmed association active every 30 s (published)",
		value: (.spoof.evict_pairs_per_s // null), unit: "pairs/s", met: null},
	  spoof_flood_cost: {issue: "11", goal: "INIT + COOKIE-ECHO flood, cost per packet (published)",
		value: (.spoof.packet_ns // null), ratio: (.spoof.ratio // null),
		pps_per_cpu: (.spoof.packets_per_s_per_cpu // null), unit: "ns", met: null},
	  agent_cost: {issue: "12", goal: "the agent: ingress translation of a DATA packet, egress INIT-ACK rewrite (published)",
		value: (.agent.cases // [] | map(select(.name | test("^ingress: DATA, T. -> Ts .IPv4, 64"))) | .[0].ns_per_pkt),
		init_ack_ns: (.agent.cases // [] | map(select(.name | test("^egress: INIT-ACK"))) | .[0].ns_per_pkt),
		unit: "ns", met: null},
	  nat_data_cost: {issue: "13", goal: "NAT: established DATA (IPv4, repeat=1) of a NAT service beside direct return, x the floor (published)",
		value: ($nat | map(select(.name | test("port mapped")) | select(.name | test("full") | not)) | .[0].ratio // null | r2),
		unit: "x floor", direct: ($d1.ratio // null | r2),
		nat: ($nat | map({(.name): {ns: .ns_per_pkt, ratio: (.ratio | r2)}}) | add),
		met: null}
	}}' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" || die "cannot add the goals to $OUT"

echo
echo "Goals (build/bench.json .goals)"
jq -r '.goals | to_entries[] | .value |
	"   \(if .met == true then "met    " elif .met == false then "NOT met" else "-      " end) " +
	"\(.goal): \(if .value == null then "not measured" else "\(.value) \(.unit)" end)" +
	(if .of then " of \(.of)" else "" end) + (if .lost != null then ", \(.lost) frames lost" else "" end) +
	(if (.elsewhere // 0) > 0 then " (\(.elsewhere) frames received on another CPU than the pinned one)" else "" end) +
	(if .floor_over_kernel then " (the floor forwarder \(.floor_over_kernel)x kernel: the most an XDP forwarder gets here; sctplb \(.lb_over_floor)x it)" else "" end) +
	(if .ratio then " (\(.ratio)x floor, \(.pps_per_cpu) packets/s per CPU)" else "" end) +
	(if .init_ack_ns then " (INIT-ACK \(.init_ack_ns) ns)" else "" end) +
	(if .bound then " (one dependent memory read here \(.memory_read_ns) ns: a per-association table is at least \(.bound)x hot)" else "" end) +
	(if .direct then " (direct return \(.direct)x; " +
		(.nat // {} | to_entries | map("\(.key | sub("^DATA, IPv4, "; "")) \(.value.ns | round) ns \(.value.ratio)x") | join(", ")) + ")"
	 else "" end)' "$OUT"
echo
echo "figures in $OUT; $(($(date +%s) - start)) s"
jq -r '.goals | [to_entries[] | select(.value.met != null)] as $g
	| ($g | map(select(.value.met)) | length) as $met
	| "summary: \($met) of \($g | length) goals met" +
	  (if $met < ($g | length) then "; not met: " + ($g | map(select(.value.met | not)) | map(.key) | join(", ")) else "" end) +
	  "; DATA learnt \(.learnt_within_5x.value)x, routable \(.routable_within_4x.value)x the floor" +
	  "; spoofed pairs to evict an unconfirmed association active every 30 s: \(.spoof_evict_rate.value)/s"' "$OUT"

