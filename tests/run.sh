#!/usr/bin/env bash
# Runs every test program and script and ends with one line "N passed, N failed".
# Each test prints "PASS <name>" or "FAIL <name>: <why>" per case; a program
# that exits non-zero without printing FAIL counts as one failure.
# TESTS=pattern limits the run to test files whose path matches the pattern.
set -u
cd "$(dirname "$0")/.."
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

passed=0 failed=0
log_dir=build/test-logs
mkdir -p "$log_dir"

run_one() {
	local t=$1 name log rc p f t0=$SECONDS
	name=$(basename "$t")
	log="$log_dir/$name.log"
	echo "== $t"
	case "$t" in
	*.sh) timeout 900 bash "$t" >"$log" 2>&1; rc=$? ;;
	*) timeout 900 "$t" >"$log" 2>&1; rc=$? ;;
	esac
	grep -E '^(PASS|FAIL|SKIP|  )' "$log" | sed 's/^/  /'
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  FAIL $name: exited $rc (log: $log)"
		tail -20 "$log" | sed 's/^/    /'
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "  ($((SECONDS - t0)) s)"
}

for t in build/tests/test_* tests/fuzz/test_*.sh tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	[ -n "${TESTS:-}" ] && [[ "$t" != *${TESTS}* ]] && continue
	run_one "$t"
done

[ $((passed + failed)) -eq 0 ] && failed=1 && echo "no test ran"
echo "all tests: $SECONDS s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
