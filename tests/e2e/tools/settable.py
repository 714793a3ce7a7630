#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The handshakes table (a keyed set-associative table, include/sctplb_settable.h)
of a pin directory, for the end-to-end scripts, through bpftool:

  settable.py count PIN_DIR                 entries (ways with a stamp)
  settable.py put PIN_DIR KEY_HEX VAL_HEX STAMP   KEY -> VAL, the datapath's victim rule

A script cannot use user/lib/settable.c; this follows it (and
tests/bpf/test_settable checks the C side against the datapath).  The index is
SipHash-1-3 of the key's bytes under settings.settable_key, times the number
of sets, >> 32.  The layout is SCTPLB_HANDSHAKE_WAYS (8) ways:
{ lock u32, fp u16[8], stamp u32[8], pad to 8, { key 24 bytes, value 24 bytes }[8] },
fp the key's 32-bit words xor-folded to 16 bits.
"""
import json
import struct
import subprocess
import sys

WAYS, KEY, VAL = 8, 24, 24
FP_OFF, STAMPS_OFF, ENTRIES_OFF, ENTRY = 4, 20, 56, KEY + VAL
SETTABLE_KEY_OFF = 32       # struct sctplb_config: after 8 __u32 fields
M64 = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash(key, msg, c=1, d=3):
    k0, k1 = struct.unpack("<QQ", key)
    v = [0x736f6d6570736575 ^ k0, 0x646f72616e646f6d ^ k1, 0x6c7967656e657261 ^ k0,
         0x7465646279746573 ^ k1]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & M64; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & M64; v[3] = rotl(v[3], 16); v[3] ^= v[2]
            v[0] = (v[0] + v[3]) & M64; v[3] = rotl(v[3], 21); v[3] ^= v[0]
            v[2] = (v[2] + v[1]) & M64; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    def block(m):
        v[3] ^= m
        rounds(c)
        v[0] ^= m
    full = len(msg) // 8 * 8
    for i in range(0, full, 8):
        block(struct.unpack_from("<Q", msg, i)[0])
    b = (len(msg) & 0xff) << 56
    for i, byte in enumerate(msg[full:]):
        b |= byte << (8 * i)
    block(b)
    v[2] ^= 0xff
    rounds(d)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def bpftool(*args):
    return json.loads(subprocess.check_output(["bpftool", "-j"] + list(args)))


def raw(value):
    return bytes(int(x, 16) for x in value)


def read(pin, m, idx):
    return raw(bpftool("map", "lookup", "pinned", pin + "/" + m, "key",
                       *[str(b) for b in struct.pack("<I", idx)])["value"])


def count(pin):
    n = 0
    for e in bpftool("map", "dump", "pinned", pin + "/handshakes"):
        s = raw(e["value"])
        n += sum(1 for w in range(WAYS) if struct.unpack_from("<I", s, STAMPS_OFF + 4 * w)[0])
    return n


def put(pin, key, val, stamp):
    nsets = bpftool("map", "show", "pinned", pin + "/handshakes")["max_entries"]
    hkey = read(pin, "settings", 0)[SETTABLE_KEY_OFF:SETTABLE_KEY_OFF + 16]
    idx = ((siphash(hkey, key) & 0xffffffff) * nsets) >> 32
    s = bytearray(read(pin, "handshakes", idx))
    stamps = [struct.unpack_from("<I", s, STAMPS_OFF + 4 * w)[0] for w in range(WAYS)]
    way = next((w for w in range(WAYS) if stamps[w] and
                s[ENTRIES_OFF + w * ENTRY:ENTRIES_OFF + w * ENTRY + KEY] == key), None)
    if way is None:   # an empty way, else the oldest not kept (stag 0), else the oldest
        def rank(w):
            stag = struct.unpack_from("<I", s, ENTRIES_OFF + w * ENTRY + KEY + 20)[0]
            return 0 if not stamps[w] else (1 << 32 if stag else 0) | stamps[w]
        way = min(range(WAYS), key=lambda w: (rank(w), w))
    o = ENTRIES_OFF + way * ENTRY
    s[o:o + KEY] = key
    s[o + KEY:o + ENTRY] = val
    struct.pack_into("<I", s, STAMPS_OFF + 4 * way, max(stamp, 1))
    x = 0
    for (word,) in struct.iter_unpack("<I", key):
        x ^= word
    struct.pack_into("<H", s, FP_OFF + 2 * way, (x ^ (x >> 16)) & 0xffff)
    subprocess.check_call(["bpftool", "map", "update", "pinned", pin + "/handshakes", "key"] +
                          [str(b) for b in struct.pack("<I", idx)] + ["value"] +
                          [str(b) for b in s])


if __name__ == "__main__":
    if sys.argv[1] == "count":
        print(count(sys.argv[2]))
    elif sys.argv[1] == "put":
        put(sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("usage: settable.py count PIN_DIR | put PIN_DIR KEY_HEX VAL_HEX STAMP")
