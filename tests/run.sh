#!/usr/bin/env bash
# Runs every test program and script and ends with one line "N passed, N failed".
# Each test prints "PASS <name>" or "FAIL <name>: <why>" per case; a program
# that exits non-zero without printing FAIL counts as one failure.
# TESTS=pattern limits the run to test files whose path matches the pattern.
# TEST_JOBS=N runs up to N test files at a time (default 2; 1: one after the
# other).  Every test lives in namespaces, pin directories and temporary folders
# of its own, so files do not meet; each file's lines are printed together when
# it ends.  A file that boots VMs (tests/vm/lib.sh: qemu with TCG, two VMs fill
# two cores) runs alone: a starved guest misses its fast SCTP timers.
set -u
cd "$(dirname "$0")/.."
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

log_dir=build/test-logs
mkdir -p "$log_dir"
# One run at a time: a second would clear the first one's logs and counts.  The tests
# do not inherit the lock (8>&- below): one that left a process behind would hold it.
exec 8>"$log_dir/.run.lock"
if ! flock -n 8; then
	echo "another test run is using $log_dir: wait for it to end, then run again"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$log_dir"/*.log "$log_dir"/*.count
jobs_max=${TEST_JOBS:-2}
[ "$jobs_max" -ge 1 ] 2>/dev/null || jobs_max=1

# run_one FILE: runs it into its log, then prints its block (under a lock, so that
# blocks of files ending together do not mix) and writes "PASSED FAILED" to its
# .count file.
run_one() {
	local t=$1 name log rc p f t0=$SECONDS
	name=$(basename "$t")
	log="$log_dir/$name.log"
	case "$t" in
	*.sh) timeout 900 bash "$t" >"$log" 2>&1 </dev/null 8>&-; rc=$? ;;
	*) timeout 900 "$t" >"$log" 2>&1 </dev/null 8>&-; rc=$? ;;
	esac
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	{
		flock 9
		echo "== $t"
		grep -E '^(PASS|FAIL|SKIP|  )' "$log" | sed 's/^/  /'
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "  FAIL $name: exited $rc (log: $log)"
			tail -20 "$log" | sed 's/^/    /'
			f=1
		fi
		echo "  ($((SECONDS - t0)) s)"
	} 9>"$log_dir/.print.lock"
	echo "$p $f" >"$log_dir/$name.count"
}

uses_vm() { [[ $1 == *.sh ]] && grep -q 'tests/vm/lib.sh' "$1"; }
running() { jobs -rp | wc -l; }

files=()
for t in build/tests/test_* tests/fuzz/test_*.sh tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	[ -n "${TESTS:-}" ] && [[ "$t" != *${TESTS}* ]] && continue
	files+=("$t")
done
echo "${#files[@]} test files, up to $jobs_max at a time"
for t in "${files[@]}"; do
	if uses_vm "$t"; then
		while [ "$(running)" -gt 0 ]; do wait -n; done
		run_one "$t"
		continue
	fi
	while [ "$(running)" -ge "$jobs_max" ]; do wait -n; done
	run_one "$t" &
done
wait

passed=0 failed=0
for t in "${files[@]}"; do
	c="$log_dir/$(basename "$t").count"
	if [ -f "$c" ]; then
		read -r p f <"$c"
	else
		echo "FAIL $t: no result (its runner was lost)"
		p=0 f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
[ $((passed + failed)) -eq 0 ] && failed=1 && echo "no test ran"
echo "all tests: $SECONDS s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
