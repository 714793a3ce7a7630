#!/usr/bin/env bash
# Part of make test: every regression input in tests/fuzz/regressions/ through
# every fuzzer, then a short bounded fuzzing run of each (FUZZ_SHORT_SECONDS in
# all, default 24, shared between the fuzzers) from the seed corpus in a
# scratch directory.  Prints "PASS name" / "FAIL name: why".
set -u
cd "$(dirname "$0")/../.."
total=${FUZZ_SHORT_SECONDS:-24}
fuzzers=()
for f in build/fuzz/fuzz_*; do
	[[ -f "$f" && -x "$f" && "$f" != *.* ]] && fuzzers+=("$f")
done
if [ "${#fuzzers[@]}" -eq 0 ]; then
	echo "FAIL fuzz-short: no fuzzer built in build/fuzz (make tests)"
	exit 1
fi
per=$((total / ${#fuzzers[@]}))
[ "$per" -lt 5 ] && per=5
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build/fuzz/artifacts build/fuzz-logs
failed=0
for fz in "${fuzzers[@]}"; do
	name=$(basename "$fz")
	for r in tests/fuzz/regressions/*; do
		[ -f "$r" ] || continue
		if out=$("$fz" "$r" 2>&1); then
			echo "PASS $name: regression $(basename "$r")"
		else
			echo "FAIL $name: regression $(basename "$r"): $(grep -m1 -E 'invariant broken|ERROR: |runtime error' <<<"$out")"
			failed=$((failed + 1))
		fi
	done
	mkdir -p "$scratch/$name"
	log=build/fuzz-logs/$name.short.log
	"$fz" -max_total_time="$per" -max_len=4096 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/artifacts/$name-" "$scratch/$name" tests/fuzz/corpus \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name: ${per}s, ${execs:-?} executions, ${cov:-cov ?}, no crash"
	else
		echo "FAIL $name: ${per}s run: $(grep -m1 -E 'invariant broken|ERROR: |runtime error' "$log") (artifact in build/fuzz/artifacts, log $log)"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
