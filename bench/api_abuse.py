#!/usr/bin/env python3
"""bench/api_abuse.py - msee-emu's REST API under slow and hostile clients (issue #14), stdlib.

Against an API that is already running (tests/integration/test_api_abuse.sh starts one with a
circuit and a CE), for --duration seconds at once:
  idle      --idle connections that never send a byte (a leaked keep-alive pool);
  slow      --slow slowloris connections: a request line, then one header octet a second;
  big       --big POSTs with a 1 MB body (the API takes 64 KiB: 413 expected);
  normal    one client, one request (GET --path) every --interval s on a fresh connection,
            the latency of each (send to last byte of the answer) is the figure.
Reports what each kind got back and the normal client's p50/p95/p99/max, as a table on stderr
and, with --json, as JSON on stdout. Exit status 0 once it ran (the caller judges the figures).

  python3 bench/api_abuse.py --api 127.48.0.100:18183 [--duration 20] [--idle 1000]
          [--slow 100] [--big 20] [--interval 0.02] [--path /v1/sessions] [--json]
"""
import argparse
import json
import resource
import selectors
import socket
import sys
import threading
import time


def connect(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.setblocking(False)
    return s


def watch_closed(socks, until, answers):
    """Reads every socket until `until`; records per socket what came ('closed', a status)."""
    pending = {s: b"" for s in socks}
    sel = selectors.DefaultSelector()  # epoll: select() stops at descriptor 1023
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    while pending and time.time() < until:
        for key, _ in sel.select(0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                pending[s] += data
                continue
            sel.unregister(s)
            head = pending.pop(s)
            key = ("status " + head.split(b" ", 2)[1].decode()) if head.startswith(b"HTTP/") \
                else "closed"
            answers[key] = answers.get(key, 0) + 1
            s.close()
    answers["still open"] = len(pending)
    for s in pending:
        s.close()


def slowloris(socks, until, stop):
    i = 0
    while time.time() < until and not stop.is_set():
        for s in list(socks):
            try:
                s.send(b"X-a: b\r\n"[i % 8:i % 8 + 1])
            except OSError:
                socks.remove(s)
        i += 1
        time.sleep(1.0)


def big_post(host, port, path, out):
    body = b"{" + b" " * 1_000_000 + b"}"
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode())
        try:
            s.sendall(body)
        except OSError:
            pass  # the server answered and closed before the whole body: fine
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "none"
    except OSError as e:
        status = f"error {e.__class__.__name__}"
    out.append(status)


def normal_client(host, port, path, interval, until, lat, errors):
    while time.time() < until:
        t0 = time.perf_counter()
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            if not data.startswith(b"HTTP/1.1 200"):
                errors.append(data[:40].decode(errors="replace"))
            else:
                lat.append((time.perf_counter() - t0) * 1000)
        except OSError as e:
            errors.append(str(e))
        time.sleep(interval)


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p / 100))], 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--api", required=True, help="HOST:PORT of msee-emu's API")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=100)
    ap.add_argument("--big", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--path", default="/v1/sessions")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    host, port = a.api.rsplit(":", 1)
    port = int(port)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    start = time.time()
    until = start + a.duration
    print(f"api_abuse: {a.idle} idle, {a.slow} slow, {a.big} big, normal every "
          f"{a.interval} s for {a.duration} s against {a.api}", file=sys.stderr)
    idle = [connect(host, port) for _ in range(a.idle)]
    slow = []
    for _ in range(a.slow):
        s = connect(host, port)
        s.send(f"GET {a.path} HTTP/1.1\r\n".encode())
        slow.append(s)
    stop = threading.Event()
    lat, errors, big = [], [], []
    idle_answers, slow_answers = {}, {}
    threads = [
        threading.Thread(target=watch_closed, args=(idle, until, idle_answers)),
        threading.Thread(target=watch_closed, args=(list(slow), until, slow_answers)),
        threading.Thread(target=slowloris, args=(slow, until, stop)),
        threading.Thread(target=normal_client,
                         args=(host, port, a.path, a.interval, until, lat, errors)),
    ] + [threading.Thread(target=big_post, args=(host, port, "/v1/reload", big))
         for _ in range(a.big)]
    for t in threads:
        t.start()
    last = time.time()
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        if time.time() - last >= 5:
            last = time.time()
            print(f"  {last - start:4.0f} s: {len(lat)} normal requests answered",
                  file=sys.stderr)
    stop.set()
    big_answers = {}
    for b in big:
        big_answers[b] = big_answers.get(b, 0) + 1
    out = {"idle": idle_answers, "slow": slow_answers, "big": big_answers,
           "normal": {"count": len(lat), "errors": len(errors), "firstError": errors[:1],
                      "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                      "max": round(max(lat), 2) if lat else None}}
    n = out["normal"]
    print(f"idle: {idle_answers}\nslow: {slow_answers}\nbig:  {big_answers}\n"
          f"normal {a.path}: {n['count']} answered, {n['errors']} errors, p50 {n['p50']} ms, "
          f"p95 {n['p95']} ms, p99 {n['p99']} ms, max {n['max']} ms", file=sys.stderr)
    if a.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
