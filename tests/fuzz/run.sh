#!/usr/bin/env bash
# make fuzz: every fuzzer (build/fuzz/fuzz_*) for FUZZ_SECONDS each (default
# 300), first on its regression inputs, then from the seeds in
# tests/fuzz/corpus plus what earlier runs found (build/fuzz/corpus-<name>,
# kept between runs).  A crash is left in build/fuzz/artifacts/; copy it to
# tests/fuzz/regressions/ once understood.  Prints "PASS name" / "FAIL name:
# why" and each fuzzer's executions per second and coverage.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-300}
max_len=${FUZZ_MAX_LEN:-4096}
mkdir -p build/fuzz/artifacts build/fuzz-logs
failed=0 ran=0
for fz in build/fuzz/fuzz_*; do
	[[ -f "$fz" && -x "$fz" && "$fz" != *.* ]] || continue
	name=$(basename "$fz")
	ran=$((ran + 1))
	regs=(tests/fuzz/regressions/*)
	if [ -e "${regs[0]}" ]; then
		if "$fz" "${regs[@]}" >"build/fuzz-logs/$name.regressions.log" 2>&1; then
			echo "PASS $name: ${#regs[@]} regression inputs"
		else
			echo "FAIL $name: a regression input fails (build/fuzz-logs/$name.regressions.log)"
			failed=$((failed + 1))
		fi
	fi
	corpus=build/fuzz/corpus-$name
	mkdir -p "$corpus"
	log=build/fuzz-logs/$name.log
	echo "== $name: ${secs}s (log $log)"
	"$fz" -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$name-" \
		"$corpus" tests/fuzz/corpus >"$log" 2>&1
	rc=$?
	stats=$(grep -E '^#[0-9]+' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	echo "   ${execs:-?} executions, ${eps:-?}/s; last: ${stats:-none}"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name: exit $rc; $(grep -m1 -E 'invariant broken|ERROR: ' "$log")"
		ls -t build/fuzz/artifacts/"$name"-* 2>/dev/null | head -1 | sed 's/^/   artifact: /'
		failed=$((failed + 1))
	else
		echo "PASS $name: ${secs}s without a crash"
	fi
done
[ "$ran" -eq 0 ] && echo "FAIL fuzz: no fuzzer in build/fuzz (make tests)" && exit 1
[ "$failed" -eq 0 ]
