# shellcheck shell=bash
# wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds; non-zero if it has
# not after SECONDS.  A test waits for the condition it needs (a counter moved, a line
# logged, an entry gone), never for a fixed time that a loaded machine can outrun;
# SECONDS only bounds a hang, so it is generous (30-60 s): a slow machine is slower,
# never wrong.
wait_until() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep 0.2
	done
}
