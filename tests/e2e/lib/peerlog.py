"""The JSON lines that sctp-peer and ksctp-peer write (tests/e2e/tools): one reader
for every end-to-end script.  Lines that are not JSON (a peer's warnings) are skipped."""
import glob
import json


def events(path):
    """Every JSON object of the log at PATH, in order."""
    out = []
    with open(path) as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if isinstance(j, dict):
                out.append(j)
    return out


def last_stats(path):
    """The last "stats" line of a client's log (its final figures), or None."""
    st = None
    for j in events(path):
        if j.get("event") == "stats":
            st = j
    return st


def server_events(tdir, port, kinds):
    """The events of the given kinds in every server log of PORT under TDIR
    (be*-PORT.log, as tests/e2e/lib/topo.sh names them)."""
    out = []
    for path in sorted(glob.glob("%s/be*-%s.log" % (tdir, port))):
        out.extend(j for j in events(path) if j.get("event") in kinds)
    return out


def server_status(tdir, port, lports):
    """What the servers of PORT under TDIR said of the associations of the client
    ports LPORTS in their last "assoc_status" lines (sctp-peer server, SIGUSR1),
    one string per association."""
    out = []
    for path in sorted(glob.glob("%s/be*-%s.log" % (tdir, port))):
        evs = events(path)
        ids = {j["assoc_id"]: j["rport"] for j in evs
               if j.get("event") == "comm_up" and j.get("rport") in lports}
        last, moves = {}, {}
        for j in evs:
            if j.get("event") == "assoc_status" and j.get("assoc_id") in ids:
                last[j["assoc_id"]] = j
            elif j.get("event") == "path" and j.get("assoc_id") in ids:
                moves.setdefault(j["assoc_id"], []).append("%s %s" % (j["addr"], j["state"]))
        for aid, j in sorted(last.items()):
            paths = " ".join("%s %s cwnd=%s rto=%s" % (p["addr"], p.get("state"), p.get("cwnd"),
                                                        p.get("rto")) for p in j.get("paths", []))
            m = moves.get(aid, [])
            out.append("%s assoc %d (lport %d): %s unacked=%s pending=%s msgs=%s primary=%s; %s; "
                       "%d path events, the last: %s" % (
                           j["name"], aid, ids[aid], j.get("state", j.get("error")), j.get("unacked"),
                           j.get("pending"), j.get("msgs"), j.get("primary"), paths, len(m),
                           ", ".join(m[-4:])))
    return out
