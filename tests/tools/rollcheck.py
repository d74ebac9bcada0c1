#!/usr/bin/env python3
"""rollcheck.py — an independent reader of warroom's group-mode keys, for tests: speaks RESP over
a socket (no client library), decodes the rollup summaries' scalar part (format v1, documented in
docs/protocol.md) and compares them with a brute-force pass over the raw events.

usage: rollcheck.py HOST PORT NS PARTITIONS (totals | compare [TIER]) 
  totals   one JSON line: rollup count/late of every tier, events in the raw streams,
           checkpoint counters summed over partitions
  compare  per series: count, sum, min, max of the TIER rollups (default 1s) against the raw
           events; prints "ok N series" or the differences, exit 1 on a difference
"""
import json
import math
import socket
import struct
import sys


class Resp:
    """One connection; on a Redis Cluster, a command answered MOVED goes to the named node."""

    def __init__(self, host, port, nodes=None):
        self.s = socket.create_connection((host, int(port)))
        self.f = self.s.makefile("rb")
        self.nodes = nodes if nodes is not None else {}

    def cmd(self, *args):
        try:
            return self.raw(*args)
        except RuntimeError as e:
            msg = str(e)
            if not msg.startswith("MOVED "):
                raise
            addr = msg.split()[2]
            if addr not in self.nodes:
                h, p = addr.rsplit(":", 1)
                self.nodes[addr] = Resp(h, p, self.nodes)
            return self.nodes[addr].raw(*args)

    def raw(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)


def varint(b, i):
    v, shift = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if c < 0x80:
            return v, i
        shift += 7


def rollsum(blob):
    """The scalar part of a v1 summary: count, late, sum, m2, min, max."""
    if blob[0] != 1:
        raise ValueError("rollsum version %d" % blob[0])
    count, i = varint(blob, 1)
    late, i = varint(blob, i)
    if count == 0:
        return dict(count=0, late=late, sum=0.0, min=math.inf, max=-math.inf)
    s, m2, mn, mx, first, last = struct.unpack_from("<6d", blob, i)
    return dict(count=count, late=late, sum=s, min=mn, max=mx)


def xrange_all(r, key):
    start = "-"
    while True:
        page = r.cmd("XRANGE", key, start, "+", "COUNT", 5000)
        for e in page:
            yield e
        if len(page) < 5000:
            return
        ms, seq = page[-1][0].decode().split("-")
        start = "%s-%d" % (ms, int(seq) + 1)


def roll_series(r, ns, parts, tier):
    out = {}
    for p in range(parts):
        for eid, fields in xrange_all(r, "%s:roll:%s:{p%d}" % (ns, tier, p)):
            for k in range(0, len(fields), 2):
                key = fields[k].decode()
                s = rollsum(fields[k + 1])
                o = out.setdefault(key, dict(count=0, late=0, sum=0.0, min=math.inf, max=-math.inf))
                o["count"] += s["count"]
                o["late"] += s["late"]
                o["sum"] += s["sum"]
                o["min"] = min(o["min"], s["min"])
                o["max"] = max(o["max"], s["max"])
    return out


def raw_series(r, ns, parts):
    out = {}
    for p in range(parts):
        for eid, fields in xrange_all(r, "%s:ev:{p%d}" % (ns, p)):
            f = {fields[k].decode(): fields[k + 1].decode() for k in range(0, len(fields), 2)}
            labels = ",".join(sorted(x for x in f.get("labels", "").split(",") if x))
            key = f["metric"] + ("{%s}" % labels if labels else "")
            v = float(f["value"])
            o = out.setdefault(key, dict(count=0, sum=0.0, min=math.inf, max=-math.inf))
            o["count"] += 1
            o["sum"] += v
            o["min"] = min(o["min"], v)
            o["max"] = max(o["max"], v)
    return out


def main():
    host, port, ns, parts, what = sys.argv[1:6]
    parts = int(parts)
    r = Resp(host, port)
    if what == "totals":
        res = {}
        for tier in ("1s", "1m", "1h"):
            ser = roll_series(r, ns, parts, tier)
            res[tier] = sum(s["count"] for s in ser.values())
            res[tier + "_late"] = sum(s["late"] for s in ser.values())
        res["raw"] = sum(r.cmd("XLEN", "%s:ev:{p%d}" % (ns, p)) for p in range(parts))
        for f in ("events", "late", "rejected", "refused"):
            tot = 0
            for p in range(parts):
                v = r.cmd("HGET", "%s:ckpt:{p%d}" % (ns, p), f)
                tot += int(v) if v else 0
            res["ckpt_" + f] = tot
        print(json.dumps(res, sort_keys=True))
        return 0
    tier = sys.argv[6] if len(sys.argv) > 6 else "1s"
    got, want = roll_series(r, ns, parts, tier), raw_series(r, ns, parts)
    bad = 0
    for key in sorted(set(got) | set(want)):
        g, w = got.get(key), want.get(key)
        if g is None or w is None or g["count"] != w["count"] or g["min"] != w["min"] or \
                g["max"] != w["max"] or abs(g["sum"] - w["sum"]) > 1e-6 * max(1.0, abs(w["sum"])):
            bad += 1
            if bad <= 10:
                print("differs: %s rollups=%s raw=%s" % (key, g, w))
    if bad:
        print("%d of %d series differ" % (bad, len(set(got) | set(want))))
        return 1
    print("ok %d series" % len(want))
    return 0


if __name__ == "__main__":
    sys.exit(main())
