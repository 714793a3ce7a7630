#!/usr/bin/env bash
# make bench: the figures of docs/bench.md.  A benchmark: it fails only when
# something cannot be measured, never for being slow.
#
#   1-4  build/sctplb-bench micro: BPF_PROG_TEST_RUN in a private network
#        namespace (it vanishes with the process; nothing is pinned)
#   5    build/sctplb-bench e2e: the topology of tests/e2e/lib/topo.sh, kernel
#        routing and sctplb alternately, BENCH_E2E_SECONDS (5) each,
#        BENCH_E2E_ROUNDS (2) rounds
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

start=$(date +%s)
echo "sctplb benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"
timeout 480 "$BENCH" micro --json "$MICRO" ${BENCH_QUICK:+--quick} || die "micro benchmark failed"

# shellcheck source=../e2e/lib/topo.sh
source tests/e2e/lib/topo.sh
trap 'topo_destroy' EXIT
trap 'exit 130' INT TERM
topo_create --fwd kernel >/dev/null || die "topology"

echo
echo "5. End to end: ${E2E_SECONDS} s per run, DATA of one established association (IPv4, 64-byte"
echo "   payload) from the client's veth (live frames, XDP_TX) through the forwarder to backend 1"
for r in $(seq 1 "$E2E_ROUNDS"); do
	for mode in kernel lb; do
		topo_fwd_mode "$mode" || die "topo_fwd_mode $mode"
		timeout $((E2E_SECONDS + 30)) "$BENCH" e2e --mode "$mode" --round "$r" \
			--seconds "$E2E_SECONDS" --json "$E2E" \
			--cli-ns "$CLI_NS" --fwd-ns "$FWD_NS" --be-ns "$BE1_NS" \
			--cli-if "$CLI_IF_A" --fwd-if "$FWD_CLI_IF_A" --be-if "$BE_IF_A" \
			--src "$CLI_A4" --vip "$VIP_A4" --be-addr "$BE1_A4" || die "e2e $mode failed"
	done
done
topo_destroy
trap - EXIT

jq --slurpfile runs "$E2E" '
	def med: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	. + {e2e: {seconds_per_run: ($runs[0].seconds // null),
		   kernel_pps: ([$runs[] | select(.mode == "kernel") | .pps] | med),
		   lb_pps: ([$runs[] | select(.mode == "lb") | .pps] | med),
		   runs: $runs}}
	| .e2e.lb_over_kernel = (if .e2e.kernel_pps then .e2e.lb_pps / .e2e.kernel_pps else null end)
	' "$MICRO" >"$OUT" || die "cannot write $OUT"
jq -r '.e2e | "   median: kernel routing \(.kernel_pps / 1e6 * 100 | round / 100) Mpps, " +
	"sctplb \(.lb_pps / 1e6 * 100 | round / 100) Mpps (\(.lb_over_kernel * 100 | round / 100)x kernel)"' "$OUT"

echo
echo "Goals"
jq -r '
	([.cases[] | select(.name | test("^(DATA|4 DATA|SACK|HEARTBEAT)")) | select(.method == "repeat=N") | .ratio] | max) as $est
	| ([.cases[] | select(.name | test("^(INIT|COOKIE)")) | select(.method | test("repeat=1")) | .ratio] | max) as $new
	| (.scaling.points | map(.hot_ns)) as $hot
	| (.scaling.points | map(.spread_ns)) as $spr
	| "   established DATA within 4x the floor: worst \($est)x: " + (if $est <= 4 then "met" else "NOT met" end),
	  "   new association within 15x: worst \($new)x: " + (if $new <= 15 then "met" else "NOT met" end),
	  "   flat from 1K to 1M (hot): \($hot | map(round) | join(" / ")) ns: " +
		(if ($hot | max) <= 1.2 * ($hot | min) then "met (within 20%)" else "NOT met" end),
	  "   flat from 1K to 1M (spread over the table): \($spr | map(round) | join(" / ")) ns: " +
		(if ($spr | max) <= 1.2 * ($spr | min) then "met (within 20%)" else "NOT met (\(($spr | max) / ($spr | min) * 100 | round / 100)x)" end),
	  "   zero lost to the flood: \(.flood.lost) lost: " + (if .flood.lost == 0 then "met" else "NOT met" end)
	' "$OUT"
echo
echo "figures in $OUT; $(($(date +%s) - start)) s"
