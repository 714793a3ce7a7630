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
