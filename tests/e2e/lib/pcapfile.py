"""The frames of a classic pcap file (tcpdump -w, little-endian, Ethernet), for the
end-to-end scripts that read their captures."""
import struct


def frames(path):
    """Every captured frame of the file at PATH, in order, as bytes."""
    d = open(path, "rb").read()
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        yield d[off + 16:off + 16 + incl]
        off += 16 + incl
