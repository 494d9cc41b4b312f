#!/usr/bin/env python3
"""bench/api_probe.py - a separate client timing msee-emu's API while a benchmark loads it.

Cycles through the given paths back to back on one keep-alive connection until SIGTERM (or
--duration), then writes {path: [milliseconds, ...]} as JSON to --out. A process of its own so
it shares no interpreter lock with the benchmark's harness (bench/location.py --api-probe).

  python3 bench/api_probe.py --api 127.15.255.100:18015 --out probe.json PATH [PATH ...]
"""
import argparse
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.api_client import Api  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api", required=True, help="HOST:PORT")
    ap.add_argument("--out", required=True, help="JSON file written at the end")
    ap.add_argument("--duration", type=float, default=3600.0, help="seconds at most")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    host, port = a.api.rsplit(":", 1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    api = Api(host, int(port))
    samples = {p: [] for p in a.paths}
    errors = {p: 0 for p in a.paths}
    end = time.monotonic() + a.duration
    while not stop and time.monotonic() < end:
        for p in a.paths:
            try:
                status, _, dt = api.get(p)
                if status == 200:
                    samples[p].append(round(dt * 1000, 3))
                else:
                    errors[p] += 1
            except OSError:
                errors[p] += 1
                time.sleep(0.01)
    with open(a.out, "w") as f:
        json.dump({"samples": samples, "errors": errors}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
