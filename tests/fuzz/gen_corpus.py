#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Writes the fuzzers' seed corpus (tests/fuzz/corpus/): valid frames of every
kind for the configuration fuzz_parse.c sets up (VIPs 203.0.113.1/.3 and
2001:db8:f::1, port 5000, UDP 9899; the associations and handshakes it
pre-populates).  Run again after changing either; the frames are committed."""
import ipaddress, os, struct, sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MAC = bytes.fromhex("020000000010") + bytes.fromhex("02000000c101")

def ip(a):
    return ipaddress.ip_address(a).packed

def crc32c(b):
    c = 0xffffffff
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0x82f63b78 if c & 1 else c >> 1
    return c ^ 0xffffffff

def pad4(b):
    return b + b"\0" * (-len(b) % 4)

def chunk(t, flags, value, pad=True):
    c = struct.pack("!BBH", t, flags, 4 + len(value)) + value
    return pad4(c) if pad else c

def data_chunk(n=8):
    return chunk(0, 3, struct.pack("!IHHI", 1000, 0, 0, 46) + bytes(range(n)))

def addr_param(a):
    b = ip(a)
    return struct.pack("!HH", 5 if len(b) == 4 else 6, 4 + len(b)) + b

def init_chunk(tag, addrs, t=1, cookie=False):
    v = struct.pack("!IIHHI", tag, 131072, 10, 10, 1000)
    for a in addrs:
        v += addr_param(a)
    v += struct.pack("!HHHH", 12, 8, 5, 6)
    if cookie:
        v += struct.pack("!HH", 7, 20) + bytes(16)
    return chunk(t, 0, v)

def sctp(sport, dport, vtag, chunks):
    h = struct.pack("!HHII", sport, dport, vtag, 0) + b"".join(chunks)
    c = crc32c(h)
    return h[:8] + struct.pack("<I", c) + h[12:]

def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload

def ipv4(src, dst, proto, payload, opts=b""):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), 0x1234, 0x4000,
                    64, proto, 0, ip(src), ip(dst)) + opts
    return 0x0800, h + payload

def ipv4_frag(src, dst, proto, payload, ident, frag_off):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag_off,
                    64, proto, 0, ip(src), ip(dst))
    return 0x0800, h + payload

def ipv6_frag(src, dst, proto, payload, ident, offset, more):
    body = struct.pack("!BBHI", proto, 0, (offset << 3) | more, ident) + payload
    h = struct.pack("!IHBB16s16s", 0x60000000, len(body), 44, 64, ip(src), ip(dst))
    return 0x86dd, h + body

def icmp4(src, dst, typ, code, quoted):
    return ipv4(src, dst, 1, struct.pack("!BBHI", typ, code, 0, 1400) + quoted)

def icmp6(src, dst, typ, code, quoted):
    return ipv6(src, dst, 58, struct.pack("!BBHI", typ, code, 0, 1280) + quoted)

def ipv6(src, dst, proto, payload, ext=()):
    body = b""
    nh = proto
    for e in reversed(ext):   # build inside out
        if e == 51:
            body = struct.pack("!BBHI", nh, 2, 0, 0x100) + bytes(8) + body
        else:
            body = struct.pack("!BB", nh, 0) + b"\x01\x04" + bytes(4) + body
        nh = e
    body += payload
    h = struct.pack("!IHBB16s16s", 0x60000000, len(body), nh, 64, ip(src), ip(dst))
    return 0x86dd, h + body

def eth(l3, vlan=None, pad=0):
    et, b = l3
    if vlan is not None:
        return MAC + struct.pack("!HHH", 0x8100, vlan, et) + b + bytes(pad)
    return MAC + struct.pack("!H", et) + b + bytes(pad)

def init_hash(tag, sport, dport):
    m = 0xffffffff
    h = tag ^ 0x5c7b1b5a
    h ^= (((sport << 16) | dport) * 0x9e3779b1) & m
    h ^= h >> 16
    h = (h * 0x85ebca6b) & m
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & m
    h ^= h >> 16
    return h

def tag_for(backend, sport, dport=5000, start=0x11223344):
    """An Initiate Tag whose Maglev slot holds backend (fuzz_parse.c's pattern)."""
    pattern = [1, 2, 3, 4, 5, 6, 0, 1, 2, 1]
    t = start
    sw = lambda p: ((p & 0xff) << 8) | (p >> 8)  # ports as the datapath reads them
    while pattern[init_hash(t, sw(sport), sw(dport)) % 65537 % 10] != backend:
        t += 1
    return t

V4, V4P2, V6 = "203.0.113.1", "203.0.113.3", "2001:db8:f::1"
C4A, C4B, C4C, C4D = "203.0.113.100", "203.0.113.101", "203.0.113.102", "203.0.113.103"
C6A, C6B = "2001:db8:c::100", "2001:db8:c::101"
TS1, TC1, TS2, TC2 = 0x5e000001, 0x7c000001, 0x5e000002, 0x7c000002

SEEDS = {
    "v4_data": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, TS1, [data_chunk()]))),
    "v4_data_path2": eth(ipv4(C4A, V4P2, 132, sctp(40000, 5000, TS1, [data_chunk()]))),
    "v4_opts_sack_data": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, TS1,
        [chunk(3, 0, struct.pack("!II", 1000, 131072) + bytes(4)), data_chunk(3)]),
        opts=b"\x01" * 11 + b"\x00")),
    "v4_vlan_heartbeat": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, TS1,
        [chunk(4, 0, struct.pack("!HH", 1, 12) + bytes(8))])), vlan=100),
    "v4_padded_shutdown_ack": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, TS1, [chunk(8, 0, b"")])), pad=10),
    "v6_data": eth(ipv6(C6A, V6, 132, sctp(40001, 5000, TS2, [data_chunk(), data_chunk(5)]))),
    "v6_ext_data": eth(ipv6(C6A, V6, 132, sctp(40001, 5000, TS2, [data_chunk()]), ext=(0, 60, 51))),
    "v4_udp_data": eth(ipv4(C4A, V4, 17, udp(9899, 9899, sctp(40000, 5000, TS1, [data_chunk()])))),
    "v6_udp_heartbeat": eth(ipv6(C6A, V6, 17, udp(9899, 9899, sctp(40001, 5000, TS2,
        [chunk(4, 0, struct.pack("!HH", 1, 8) + bytes(4))])))),
    "v4_init_addrs": eth(ipv4(C4D, V4, 132, sctp(40005, 5000, 0,
        [init_chunk(tag_for(1, 40005), [C4D, C6B, "192.0.2.55"])]))),
    "v6_init": eth(ipv6(C6B, V6, 132, sctp(40000, 5000, 0, [init_chunk(0x7c000006, [C6B])]))),
    "v4_udp_init": eth(ipv4(C4B, V4, 17, udp(9899, 9899, sctp(40002, 5000, 0,
        [init_chunk(0x7c000004, [C4B, C6A])])))),
    "v4_init_restart": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, 0, [init_chunk(0x7c0000aa, [])]))),
    "v4_cookie_data": eth(ipv4(C4B, V4, 132, sctp(40002, 5000, 0x5e000010,
        [chunk(10, 0, bytes(32)), data_chunk()]))),
    "v4_cookie_collision": eth(ipv4(C4C, V4, 132, sctp(40000, 5000, TS1, [chunk(10, 0, bytes(32))]))),
    "v6_cookie": eth(ipv6(C6B, V6, 132, sctp(40000, 5000, 0x5e000011, [chunk(10, 0, bytes(24))]))),
    "v4_abort_t": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, TC1, [chunk(6, 1, b"")]))),
    "v6_sack_shutdown_complete_t": eth(ipv6(C6A, V6, 132, sctp(40001, 5000, TC2,
        [chunk(14, 1, b"")]))),
    "v4_abort_inactive": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, 0x5e000003, [chunk(6, 0, b"")]))),
    "v4_65_chunks": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, TS1, [data_chunk(4)] * 65))),
    "v4_unknown_vtag": eth(ipv4(C4A, V4, 132, sctp(40000, 5000, 0x0badbad0, [data_chunk()]))),
    "v4_init_maglev2": eth(ipv4(C4D, V4P2, 132, sctp(40006, 5000, 0, [init_chunk(tag_for(2, 40006), [C4D])]))),
    "v4_svc2_init": eth(ipv4(C4A, "203.0.113.2", 132, sctp(40000, 5000, 0, [init_chunk(1, [])]))),
    # Fragments: a first fragment cut inside DATA; later fragments whose first
    # fuzz_parse.c remembered (id 0x4242); one that came first.
    "v4_frag_first": eth(ipv4_frag(C4A, V4, 132, sctp(40000, 5000, TS1, [data_chunk(64)])[:60],
                                   0x1111, 0x2000)),
    "v4_frag_later": eth(ipv4_frag(C4A, V4, 132, bytes(range(48)), 0x4242, 0x0008)),
    "v4_frag_later_unknown": eth(ipv4_frag(C4A, V4, 132, bytes(range(48)), 0x4343, 0x0008)),
    "v6_frag_first": eth(ipv6_frag(C6A, V6, 132, sctp(40001, 5000, TS2, [data_chunk(64)])[:56],
                                   0x1111, 0, 1)),
    "v6_frag_later": eth(ipv6_frag(C6A, V6, 132, bytes(range(40)), 0x4242, 7, 0)),
    # ICMP errors quoting a backend's packet from the VIP to the client (vtag Tc).
    "v4_icmp_frag_needed": eth(icmp4("192.0.2.254", V4, 3, 4,
        ipv4(V4, C4A, 132, sctp(5000, 40000, TC1, [data_chunk(200)]))[1][:28])),
    "v6_icmp_too_big": eth(icmp6("2001:db8::fe", V6, 2, 0,
        ipv6(V6, C6A, 132, sctp(5000, 40001, TC2, [data_chunk(200)]))[1][:48])),
    "v4_icmp_udp_unreach": eth(icmp4("192.0.2.254", V4, 3, 3,
        ipv4(V4, C4A, 17, udp(9899, 9899, sctp(5000, 40000, TC1, [data_chunk()])))[1][:36])),
    "v4_icmp_init_ack": eth(icmp4("192.0.2.254", V4, 11, 0,
        ipv4(V4, C4B, 132, sctp(5000, 40002, 0x7c000004, [data_chunk()]))[1][:28])),
    # Replies (the return path): INIT-ACK from the VIP to a pending client.
    "v4_reply_init_ack": eth(ipv4(V4, C4B, 132, sctp(5000, 40002, 0x7c000004,
        [init_chunk(0x5e000020, [V4], t=2, cookie=True)]))),
    "v4_reply_data": eth(ipv4(V4, C4A, 132, sctp(5000, 40000, TC1, [data_chunk()]))),
    "v4_reply_abort_t": eth(ipv4(V4, C4A, 132, sctp(5000, 40000, TS1, [chunk(6, 1, b"")]))),
}

def main():
    os.makedirs(OUT, exist_ok=True)
    for name, frame in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(frame)
    print(f"{len(SEEDS)} seeds in {OUT}")

if __name__ == "__main__":
    sys.exit(main())
