"""bench/benchlib/api_client.py - api_latency.py's HTTP client and what it records.

Owns: Api (one HTTP/1.1 connection, keep-alive or new per request, timing each GET from the
request to the body's last byte), Recorder (latency samples, body sizes, row counts and errors
per phase and endpoint, shared between threads) and the client thread that cycles through the
endpoint mix back to back.
"""
import http.client
import threading
import time

from .api_setup import MIX, path_of


class Api:
    """One HTTP/1.1 connection (keep-alive unless fresh=True); get() returns
    (status, body bytes, seconds from sending the request to the body's last byte)."""

    def __init__(self, host, port, fresh=False, timeout=30.0):
        self.host, self.port, self.fresh, self.timeout = host, port, fresh, timeout
        self.conn = None

    def get(self, target):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.timeout)
            t0 = time.perf_counter()
            try:
                if self.fresh:
                    self.conn.connect()
                self.conn.request("GET", target, headers={"Accept": "application/json"})
                r = self.conn.getresponse()
                body = r.read()
                dt = time.perf_counter() - t0
                if self.fresh or r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, body, dt
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # a keep-alive connection the server closed while idle: reconnect once
                self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Recorder:
    """Latency samples per (phase, endpoint), appended from several threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = None
        self.samples = {}        # (phase, endpoint) -> [seconds]
        self.bytes = {}          # (phase, endpoint) -> [body bytes]
        self.rows = {}           # (phase, endpoint) -> last row count
        self.errors = {}         # (phase, endpoint) -> [message]
        self.timeline = []       # (t, endpoint, seconds) for the slowest picture

    def set_phase(self, phase):
        with self.lock:
            self.phase = phase

    def current(self):
        with self.lock:
            return self.phase

    def add(self, phase, endpoint, dt, nbytes, rows=None, t=None):
        with self.lock:
            self.samples.setdefault((phase, endpoint), []).append(dt)
            self.bytes.setdefault((phase, endpoint), []).append(nbytes)
            if rows is not None:
                self.rows[(phase, endpoint)] = rows
            self.timeline.append((t if t is not None else time.monotonic(), phase, endpoint, dt))

    def error(self, phase, endpoint, msg):
        with self.lock:
            self.errors.setdefault((phase, endpoint), []).append(msg)


def client_thread(host, port, fresh, rec, stop):
    api = Api(host, port, fresh)
    i = 0
    try:
        while not stop.is_set():
            phase = rec.current()
            ep = MIX[i % len(MIX)]
            i += 1
            t_start = time.monotonic()
            try:
                status, body, dt = api.get(path_of(ep))
            except (OSError, http.client.HTTPException) as e:
                rec.error(phase, ep, f"{type(e).__name__}: {e}")
                api.close()
                time.sleep(0.05)
                continue
            if status != 200:
                rec.error(phase, ep, f"HTTP {status}: {body[:120]!r}")
                continue
            rows = body.count(b'"network"') if ep == "routeTables" else None
            rec.add(phase, ep, dt, len(body), rows, t_start)
    finally:
        api.close()
