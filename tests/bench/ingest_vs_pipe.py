#!/usr/bin/env python3
"""ingest_vs_pipe.py — writes the input for the ingest benchmark: N event lines (text format)
and the very XADD commands `warroom ingest` sends for them, in the Redis protocol, so that
`redis-cli --pipe` can replay the same writes as the baseline. The partition is computed here
independently (CRC16/XMODEM of the canonical key, mod the partition count).

usage: ingest_vs_pipe.py N LINES_FILE RESP_FILE [--series S] [--partitions P] [--ns NS]
"""
import random
import sys
import time


def crc16_xmodem(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def resp(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def main():
    argv = sys.argv[1:]
    opts = {"--series": "100", "--partitions": "8", "--ns": "wr"}
    pos = []
    i = 0
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            pos.append(argv[i])
            i += 1
    if len(pos) != 3:
        sys.exit(__doc__)
    n, lines_path, resp_path = int(pos[0]), pos[1], pos[2]
    nseries, nparts, ns = int(opts["--series"]), int(opts["--partitions"]), opts["--ns"]
    rng = random.Random(42)
    series = []
    for s in range(nseries):
        labels = "host=h%03d,region=r%d" % (s, s % 4)
        key = "bench_ms{%s}" % labels
        part = crc16_xmodem(key.encode()) % nparts
        series.append((labels.encode(), key.encode(), ("%s:ev:{p%d}" % (ns, part)).encode()))
    minid = str(int(time.time() * 1000) - 3600 * 1000).encode()
    with open(lines_path, "wb") as lf, open(resp_path, "wb") as rf:
        for k in range(n):
            labels, key, stream = series[k % nseries]
            v = repr(round(rng.lognormvariate(3.5, 0.6), 3)).encode()
            lf.write(key + b" " + v + b"\n")
            rf.write(resp([b"XADD", stream, b"MINID", b"~", minid, b"*", b"metric",
                           b"bench_ms", b"value", v, b"labels", labels]))


if __name__ == "__main__":
    main()
