#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Spoofed-handshake flood for the end-to-end tests (tests/e2e/lib/ecmp.sh).

Each pair is an INIT (vtag 0, a random Initiate Tag) and a COOKIE-ECHO (a random vtag,
as if it were the server's tag, and a random cookie) from the same spoofed source
address and port to one VIP and the service port: what a forwarder that learns
associations from COOKIE-ECHOs takes for a new association (direct server return: nothing
confirms it).  Frames are written with an AF_PACKET socket straight onto --ifname, so no
route, source check or netfilter rule of the sending namespace changes them; each has a
correct CRC32c (RFC 9260 appendix B) and IP checksum, so the backends' stacks see
well-formed packets (and drop the cookies, which fail their MAC).

Prints one line: pairs=N packets=N seconds=S pps=P.  Standard library only.
"""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def sctp_packet(sport, dport, vtag, chunk):
    hdr = struct.pack("!HHII", sport, dport, vtag, 0)
    pkt = hdr + chunk
    # The CRC32c goes in little-endian byte order (RFC 9260 appendix B).
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]


def init_chunk(itag):
    # INIT: tag, a_rwnd, outbound streams, inbound streams, initial TSN (RFC 9260 3.3.2)
    return struct.pack("!BBHIIHHI", 1, 0, 20, itag, 65535, 10, 10, random.getrandbits(32))


def cookie_chunk(cookie):
    return struct.pack("!BBH", 10, 0, 4 + len(cookie)) + cookie


def ip_checksum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), random.getrandbits(16), 0x4000,
                    64, 132, 0, src, dst)
    h = h[:10] + struct.pack("!H", ip_checksum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 132, 64, src, dst) + payload


def rand_addr(net):
    n = ipaddress.ip_network(net)
    # not the network's first address; random host inside
    return (n[1 + random.randrange(n.num_addresses - 2)] if n.num_addresses > 2 else n[0]).packed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--dst-mac", required=True, help="MAC of the next hop (the router)")
    ap.add_argument("--vip", required=True, help="VIPs (IPv4 and/or IPv6), comma separated: "
                    "the pairs go to each in turn")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=0, help="pairs per second (0: no pacing)")
    ap.add_argument("--src4", default="203.0.113.128/25")
    ap.add_argument("--src6", default="2001:db8:e::/48")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    if a.seed is not None:
        random.seed(a.seed)
    try:
        targets = [(ipaddress.ip_address(v).version, ipaddress.ip_address(v).packed)
                   for v in a.vip.split(",") if v]
    except ValueError as e:
        sys.exit("sctp_flood: --vip: %s" % e)
    if not targets:
        sys.exit("sctp_flood: --vip: no address")
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((a.ifname, 0))
    except OSError as e:
        sys.exit("sctp_flood: AF_PACKET socket on %s: %s (root, and the interface exists?)" % (a.ifname, e))
    dmac = bytes.fromhex(a.dst_mac.replace(":", ""))
    smac = s.getsockname()[4][:6]
    eth = {4: dmac + smac + b"\x08\x00", 6: dmac + smac + b"\x86\xdd"}
    t0 = time.monotonic()
    sent = 0
    for i in range(a.pairs):
        if a.rate > 0:
            due = t0 + i / a.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
        fam, vip = targets[i % len(targets)]
        src = rand_addr(a.src4 if fam == 4 else a.src6)
        sport = random.randrange(1024, 65536)
        ip = ipv4 if fam == 4 else ipv6
        tag = random.getrandbits(32) or 1
        vtag = random.getrandbits(32) or 1
        for chunk, vt in ((init_chunk(tag), 0), (cookie_chunk(os.urandom(32)), vtag)):
            s.send(eth[fam] + ip(src, vip, sctp_packet(sport, a.port, vt, chunk)))
            sent += 1
    dt = time.monotonic() - t0
    print("pairs=%d packets=%d seconds=%.2f pps=%d" % (a.pairs, sent, dt, sent / dt if dt else 0))


if __name__ == "__main__":
    main()
