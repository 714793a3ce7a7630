# shellcheck shell=bash
# sctplb in the topology of topo.sh: shared helpers of the end-to-end tests and the demo.
# A script cds to the repository root and sources this file, which sources topo.sh and
# sets the traps: on exit lb_destroy detaches, removes the pin dir and deletes the
# namespaces, pass or fail.
#   lb_create --return fwd|dsr    topology in "lb" mode, sctplb attached in FWD_NS
#
# Functions:
#   sl ARGS...                 sctplb in FWD_NS with our private pin dir (nsenter keeps
#                              the host bpffs visible; ip netns exec would hide it)
#   lb_create [--return R]     topo_create --fwd lb, then lb_attach
#   lb_attach                  XDP on the client-facing veths (ca, cb); with --return fwd
#                              also the return-path tc program on b<n>a/b<n>b (INIT-ACKs)
#   lb_service NAME PORT VIPS [ARGS]   service NAME on VIPS (comma separated, VIP i = path
#                              i) with backends be1..be3 at their own address of the same
#                              family on each path; ARGS go to `service add` (--udp-encap P)
#   lb_backend_add SVC N       backend beN of SVC (addresses as above)
#   lb_json CMD...             `sctplb --json CMD...`
#   lb_path_counters SVC       "path:packets:data:heartbeats" per path, client to backend,
#                              summed over backends and clients (sctplb paths --json)
#   lb_stat NAME               one global counter (sctplb stats --json)
#   lb_destroy                 detach everything we attached, rm the pin dir, topo_destroy
# Variables: SCTPLB (binary), LB_PIN (pin dir /sys/fs/bpf/sctplb-e2e-<topology id>),
#   LB_VIPS_<svc> (VIPs of each service, for lb_backend_add).

_LB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck source=tests/e2e/lib/topo.sh
source "$_LB_REPO/tests/e2e/lib/topo.sh"
trap lb_destroy EXIT
trap 'exit 130' INT TERM
SCTPLB=${SCTPLB:-$_LB_REPO/build/sctplb}
LB_PIN=""
# lb_python ARGS...: python3 that can import tests/e2e/lib/peerlog.py (the peers' logs)
lb_python() { PYTHONPATH="$_LB_REPO/tests/e2e/lib" python3 "$@"; }
LB_ATTACHED=""

# LB_OPTS: global options for every call (e.g. --max-assocs N, used when maps are created).
sl() { nsenter --net="/run/netns/$FWD_NS" "$SCTPLB" --pin-path "$LB_PIN" ${LB_OPTS:-} "$@"; }
lb_json() { sl --json "$@"; }

lb_attach() {
	local ifn n p out
	for ifn in "$FWD_CLI_IF_A" "$FWD_CLI_IF_B"; do
		out=$(sl attach "$ifn" 2>&1) || { echo "lb_attach: sctplb attach $ifn: $out" >&2; return 1; }
		LB_ATTACHED="$LB_ATTACHED $ifn"
	done
	if [ "$TOPO_RETURN" = fwd ]; then
		for n in 1 2 3; do
			for p in a b; do
				out=$(sl attach "b$n$p" --return 2>&1) ||
					{ echo "lb_attach: sctplb attach b$n$p --return: $out" >&2; return 1; }
				LB_ATTACHED="$LB_ATTACHED b$n$p"
			done
		done
	fi
}

lb_create() {
	[ -x "$SCTPLB" ] && [ -x "$SCTP_PEER" ] || { echo "lb_create: build first (make)" >&2; return 1; }
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	topo_create "$@" --fwd lb || return 1
	LB_PIN=/sys/fs/bpf/sctplb-e2e-$TOPO_ID
	export LB_PIN
	lb_attach
}

# _lb_be_addr N VIP: backend N's address on the path of VIP (same path, same family).
_lb_be_addr() {
	case $2 in
	"$VIP_A4") eval echo "\$BE${1}_A4" ;;
	"$VIP_B4") eval echo "\$BE${1}_B4" ;;
	"$VIP_A6") eval echo "\$BE${1}_A6" ;;
	"$VIP_B6") eval echo "\$BE${1}_B6" ;;
	*) echo "_lb_be_addr: $2 is not a VIP of the topology" >&2; return 1 ;;
	esac
}

lb_backend_add() {
	local svc=$1 n=$2 vips addrs="" v a
	shift 2
	vips=$(eval echo "\$LB_VIPS_${svc//[^A-Za-z0-9_]/_}")
	for v in ${vips//,/ }; do
		a=$(_lb_be_addr "$n" "$v") || return 1
		addrs="${addrs:+$addrs,}$a"
	done
	sl backend add "$svc" "be$n" --addr "$addrs" "$@" >/dev/null
}

lb_service() {
	local name=$1 port=$2 vips=$3 n
	shift 3
	sl service add "$name" --vip "$vips" --port "$port" "$@" >/dev/null || return 1
	eval "LB_VIPS_${name//[^A-Za-z0-9_]/_}=\$vips"
	for n in 1 2 3; do lb_backend_add "$name" "$n" || return 1; done
}

lb_path_counters() {
	lb_json paths | python3 -c '
import json, sys
svc = sys.argv[1]
tot = {}
for r in json.load(sys.stdin):
    if r["service"] != svc or r["dir"] not in ("to_backend", "in", "to-backend"):
        continue
    t = tot.setdefault(r["path"], [0, 0, 0])
    t[0] += r["packets"]; t[1] += r["data_chunks"]; t[2] += r["heartbeats"]
print(" ".join("%d:%d:%d:%d" % (p, *tot[p]) for p in sorted(tot)))' "$1"
}

lb_stat() {
	lb_json stats | python3 -c '
import json, sys
print(next((s["value"] for s in json.load(sys.stdin) if s["name"] == sys.argv[1]), 0))' "$1"
}

lb_destroy() {
	local ifn
	if [ -n "${FWD_NS:-}" ] && [ -n "$LB_PIN" ]; then
		for ifn in $LB_ATTACHED; do sl detach "$ifn" >/dev/null 2>&1; done
	fi
	LB_ATTACHED=""
	topo_destroy
	case $LB_PIN in /sys/fs/bpf/sctplb-e2e-?*) rm -rf "$LB_PIN" ;; esac
	LB_PIN=""
	return 0
}

# ---- checks shared by the test scripts ----
# Each check prints "PASS name" or "FAIL name: why", then indented figures.
E2E_FAILURES=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; E2E_FAILURES=$((E2E_FAILURES + 1)); }
now_ms() { date +%s%3N; }

# lb_servers PORT ADDRS [ARGS...]: an sctp-peer server in each of the three backends.
lb_servers() {
	local n port=$1 addrs=$2
	shift 2
	for n in 1 2 3; do topo_start_server "$n" "$port" "$addrs" "$@" || return 1; done
}

# lb_traffic NAME ARGS...: sctp-peer traffic in CLI_NS in the background (log
# $TOPO_DIR/NAME.log, progress $TOPO_DIR/NAME.progress); waits until every association
# is up.  LB_TRAFFIC_PID.  Traffic that must last until the test has seen something
# (a cut detected, a re-attach crossed) runs with --duration $TOPO_UNTIL_STOPPED and
# ends with lb_traffic_stop once the test has waited for it (lb_wait_echoes).
lb_traffic() {
	local name=$1 a prev=""
	shift
	rm -f "$TOPO_DIR/$name.ready" "$TOPO_DIR/$name.progress" "$TOPO_DIR/$name.port"
	for a in "$@"; do
		[ "$prev" = --port ] && echo "$a" >"$TOPO_DIR/$name.port"
		prev=$a
	done
	# shellcheck disable=SC2046
	topo_bg "$CLI_NS" "$TOPO_DIR/$name.log" timeout $((TOPO_UNTIL_STOPPED + 120)) "$SCTP_PEER" traffic \
		--quiet $(topo_peer_args) --ready-file "$TOPO_DIR/$name.ready" \
		--progress-file "$TOPO_DIR/$name.progress" "$@"
	LB_TRAFFIC_PID=$TOPO_LAST_PID
	topo_wait_ready "$TOPO_DIR/$name.ready" "$LB_TRAFFIC_PID" "$TOPO_DEADLINE"
}

# lb_traffic_stop: SIGTERM to the traffic of the last lb_traffic; its exit status.
lb_traffic_stop() { topo_traffic_stop "$LB_TRAFFIC_PID"; }

# lb_wait_echoes NAME N [BASE]: wait until every association of traffic NAME has N
# echoes more than in BASE (lb_received NAME taken earlier; none: N each).  When they
# do not, prints what the servers' stacks say of the associations left behind, while
# the traffic still runs (lb_server_status).
lb_wait_echoes() {
	local name=$1 behind
	shift
	wait_until "$TOPO_DEADLINE" topo_echoed "$TOPO_DIR/$name.progress" "$@" && return 0
	behind=$(topo_behind "$TOPO_DIR/$name.progress" "$@")
	# shellcheck disable=SC2086 # one argument per client port
	[ -n "$behind" ] && [ -s "$TOPO_DIR/$name.port" ] &&
		lb_server_status "$(cat "$TOPO_DIR/$name.port")" $behind
	return 1
}
lb_received() { topo_received "$TOPO_DIR/$1.progress"; }

# lb_assoc_backends SVC: "cport=backend" of every association sctplb holds for SVC.  Of
# several on one client port, a confirmed one: a spoofed pair's unconfirmed association
# can have any port, a real client's (test_e2e_spoof's) among them.
lb_assoc_backends() {
	lb_json assoc list | python3 -c '
import json, sys
pin = {}
for a in json.load(sys.stdin):
    if a["service"] == sys.argv[1] and (a["cport"] not in pin or a["confirmed"]):
        pin[a["cport"]] = a["backend"]
print(" ".join("%d=%s" % kv for kv in sorted(pin.items())))' "$1"
}

# lb_check_assocs NAME LOG SVC PORT [MAX_SHARE]: the traffic of LOG (one process,
# all of its associations) against the servers' logs and sctplb's association table:
# every association up, sent == received > 0, nothing lost; each association served
# by exactly one backend for its whole life (the echoed name never changed, exactly
# one server saw it come up, sctplb pins it on that same backend); with MAX_SHARE
# (a fraction), no backend holds more than that share and all three are used.
lb_check_assocs() {
	local name=$1 log=$2 svc=$3 port=$4 share=${5:-} out
	out=$(lb_python - "$log" "$TOPO_DIR" "$port" "$share" "$(lb_assoc_backends "$svc")" "$svc" <<'PY'
import json, sys, os
import peerlog
log, tdir, port, share, table = sys.argv[1:6]
errs = []
st = peerlog.last_stats(log)
if st is None:
    print("no stats line in %s: %s" % (os.path.basename(log), open(log).read()[-300:]))
    sys.exit(1)
# SVC "-": the forwarder keeps no association (routable tags): nothing to compare
pinned = None if sys.argv[6] == "-" else dict(kv.split("=") for kv in table.split())
# comm_up events per client port, per server
seen = {}
for j in peerlog.server_events(tdir, port, ("comm_up",)):
    if "rport" in j:
        seen.setdefault(j["rport"], set()).add(j["name"])
n = st["assocs"]
if st["assocs_up"] != n:
    errs.append("%d of %d associations up" % (st["assocs_up"], n))
if st["sent"] == 0 or st["sent"] != st["received"] or st["lost"] or st["send_errors"]:
    errs.append("sent=%d received=%d lost=%d send_errors=%d" %
                (st["sent"], st["received"], st["lost"], st["send_errors"]))
    # which messages, and how long before the end they were sent (sctp-peer's
    # "unanswered", oldest first): seconds is a loss, a few RTTs a slow echo
    # and the association's state then (an ABORT ends it: comm_lost)
    stalled = [a["lport"] for a in st["per_assoc"] if a.get("unanswered")]
    with open(os.path.join(tdir, "stalled"), "w") as f:
        f.write(" ".join(map(str, stalled)))
    for a in st["per_assoc"]:
        if a.get("unanswered"):
            errs.append("lport %d (%s) not echoed: %s" % (a["lport"], a["state"], ", ".join(
                "s=%d sent %.0f ms before the end" % (u["s"], u["age_ms"]) for u in a["unanswered"])))
for a in st["per_assoc"]:
    lp = a["lport"]
    if not a["backend"] or a["backend_changes"]:
        errs.append("lport %d: backend %r, %d changes" % (lp, a["backend"], a["backend_changes"]))
    elif seen.get(lp) != {a["backend"]}:
        errs.append("lport %d: echoed by %s, comm_up at %s" % (lp, a["backend"], sorted(seen.get(lp, []))))
    elif pinned is not None and pinned.get(str(lp)) != a["backend"]:
        errs.append("lport %d: echoed by %s, sctplb pins it on %s" % (lp, a["backend"], pinned.get(str(lp))))
be = st["backends"]
if share:
    if len(be) != 3:
        errs.append("backends used: %s (expected all 3)" % be)
    if max(be.values()) > float(share) * n:
        errs.append("a backend holds more than %s of %d: %s" % (share, n, be))
print("%s|sent=%d received=%d lost=%d assocs=%d/%d backends=%s max_rtt=%sms max_gap=%sms" %
      ("; ".join(errs[:4]), st["sent"], st["received"], st["lost"], st["assocs_up"], n,
       json.dumps(be, sort_keys=True), st["max_rtt_ms"], st["max_gap_ms"]))
sys.exit(1 if errs else 0)
PY
	)
	if [ $? -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${out%%|*}"
		# shellcheck disable=SC2046 # one argument per client port
		[ -s "$TOPO_DIR/stalled" ] && lb_server_status "$port" $(cat "$TOPO_DIR/stalled")
	fi
	rm -f "$TOPO_DIR/stalled"
	echo "  $name: ${out#*|}"
}

# lb_server_status PORT LPORT...: asks every server of PORT for its stack's view of
# its associations (SIGUSR1: sctp-peer's assoc_status lines) and prints those of the
# client ports given: a message never echoed was lost on a path (unacked, a path
# inactive), held in the send queue (pending) or never sent.
lb_server_status() {
	local port=$1 pidf log n
	shift
	for pidf in "$TOPO_DIR"/be*-"$port".pid; do
		[ -f "$pidf" ] || continue
		log=${pidf%.pid}.log
		n=$(grep -c '"event":"status_end"' "$log")
		kill -USR1 "$(cat "$pidf")" 2>/dev/null &&
			wait_until 5 _lb_status_ended "$log" "$n"
	done
	lb_python - "$TOPO_DIR" "$port" "$@" <<'PY' | sed 's/^/    server: /'
import sys
import peerlog
print("\n".join(peerlog.server_status(sys.argv[1], sys.argv[2], set(map(int, sys.argv[3:])))))
PY
}
_lb_status_ended() { [ "$(grep -c '"event":"status_end"' "$1")" -gt "$2" ]; }

# lb_failover NAME SVC PORT LOCAL REMOTE LPORT_BASE [ARGS...]: 6 associations at 50 msg/s,
# each step waiting for what it needs rather than for a time: once every association
# has 25 echoes, path A is cut (both ends); once every association has declared path A
# unreachable and then had 50 more echoes (over path B), the traffic stops and path A
# is restored.  Counters are cumulative for the service: compare the lines, not the
# totals.  Checks lb_check_assocs, that sctplb kept every association on its backend,
# that every association declared path A unreachable after the cut (the delay is
# printed, not judged: it is usrsctp's timers plus the machine's load, and sctplb cannot
# shorten it), that path A's counters stayed frozen from then on and that path B
# carried the DATA (sctplb paths --json, client to backend).
# LB_SERVER_PORT: the servers' port when NAT maps PORT to another (default PORT).
lb_failover() {
	local name=$1 svc=$2 port=$3 local=$4 remote=$5 lbase=$6 log off cut_ms t0 t1
	local c_before c_cut c_down c_during c_after pins_before pins_after rc detected=0 flowed=0
	shift 6
	log=$TOPO_DIR/$name.log
	if ! lb_traffic "$name" --local "$local" --remote "$remote" --port "$port" \
		--lport-base "$lbase" --assocs 6 --rate 50 --duration "$TOPO_UNTIL_STOPPED" "$@"; then
		fail "$name" "associations not up: $(tail -c 300 "$log")"
		lb_traffic_stop
		return
	fi
	lb_wait_echoes "$name" 25 ||
		fail "${name}_before_cut" "not 25 echoes on every association in ${TOPO_DEADLINE} s: $(lb_received "$name")"
	c_before=$(lb_path_counters "$svc")
	pins_before=$(lb_assoc_backends "$svc")
	off=$(stat -c %s "$log")
	cut_ms=$(now_ms)
	topo_cut_path A
	c_cut=$(lb_path_counters "$svc")
	if wait_until "$TOPO_DEADLINE" topo_unreachable "$log" "$off" "${remote%%,*}" 6; then
		detected=1
		c_down=$(lb_path_counters "$svc")
		lb_wait_echoes "$name" 50 "$(lb_received "$name")" && flowed=1
	else
		c_down=$(lb_path_counters "$svc")
	fi
	c_during=$(lb_path_counters "$svc")
	lb_traffic_stop
	rc=$?
	c_after=$(lb_path_counters "$svc")
	topo_restore_path A
	pins_after=$(lb_assoc_backends "$svc")
	echo "  $name: path A declared unreachable $(topo_unreachable_ms "$log" "$off" "${remote%%,*}" "$cut_ms")" \
		"ms after the cut (first..last association); longest gap between echoes" \
		"$("$SCTP_PEER" stats "$log" max_gap_ms 2>/dev/null)ms"
	echo "  $name: sctplb paths, client to backend, path:packets:DATA:HEARTBEATs summed over backends"
	echo "    before the cut:                  $c_before"
	echo "    at the cut:                      $c_cut"
	echo "    path A down for every assoc:     $c_down"
	echo "    50 echoes each after that:       $c_during"
	echo "    end of the traffic:              $c_after"
	lb_check_assocs "$name" "$log" "$svc" "${LB_SERVER_PORT:-$port}"
	[ "$rc" -eq 0 ] || fail "${name}_exit" "traffic exited $rc"
	if [ "$pins_before" = "$pins_after" ] && [ -n "$pins_before" ]; then
		pass "${name}_same_backend"
	else
		fail "${name}_same_backend" "sctplb pins before: $pins_before; after: $pins_after"
	fi
	if [ "$detected" = 1 ]; then
		pass "${name}_detected"
	else
		fail "${name}_detected" "not every association declared path A unreachable in ${TOPO_DEADLINE} s after the cut"
	fi
	t0=$(_lb_counter "$c_down" 0 1) t1=$(_lb_counter "$c_during" 0 1)
	if [ "$flowed" = 1 ] && [ "$t0" = "$t1" ] &&
		[ "$(_lb_counter "$c_during" 1 2)" -gt "$(_lb_counter "$c_down" 1 2)" ]; then
		pass "${name}_path_b_carries"
	else
		fail "${name}_path_b_carries" "50 more echoes each: $([ "$flowed" = 1 ] && echo yes || echo no);\
 path A packets $t0 -> $t1 once down, path B DATA $(_lb_counter "$c_down" 1 2) -> $(_lb_counter "$c_during" 1 2)"
	fi
}

# _lb_counter "COUNTERS" PATH FIELD: field (1 packets, 2 DATA, 3 HEARTBEATs) of PATH.
_lb_counter() {
	local c
	for c in $1; do
		[ "${c%%:*}" = "$2" ] && { echo "$c" | cut -d: -f$(($3 + 1)); return; }
	done
	echo 0
}

# lb_no_leftovers: our namespaces and pin dir are gone (call after lb_destroy).
lb_no_leftovers() {
	local ids=$1 pin=$2 left
	left=$(ip netns list | grep -c "^$ids-")
	if [ "$left" -eq 0 ] && [ ! -e "$pin" ]; then
		pass no_leftovers
	else
		fail no_leftovers "$left namespaces, pin dir $(ls -d "$pin" 2>/dev/null)"
	fi
}
