#!/usr/bin/env python3
"""Traffic helpers of test_lab_dataplane.sh (run inside a namespace with `ip netns exec`).

  dp_tool.py recv-tos ADDR PORT SECONDS     UDP receiver: prints one JSON line per datagram
                                            {"tos": N, "len": N, "from": ADDR} (IP_RECVTOS /
                                            IPV6_RECVTCLASS), exits after SECONDS or 5 datagrams
  dp_tool.py send-tos SRC DST PORT TOS [N]  sends N (default 3) UDP datagrams with TOS / traffic
                                            class TOS from SRC
  dp_tool.py tcp-sink ADDR PORT SECONDS     accepts one connection, prints the bytes received
  dp_tool.py tcp-send SRC DST PORT BYTES    connects from SRC, sends BYTES bytes
"""
import json
import socket
import sys
import time


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_tos(addr, port, secs):
    f = fam(addr)
    s = socket.socket(f, socket.SOCK_DGRAM)
    if f == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
    s.bind((addr, int(port)))
    print("ready", file=sys.stderr, flush=True)
    end = time.monotonic() + float(secs)
    n = 0
    while n < 5 and time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data, anc, _, src = s.recvmsg(65535, 256)
        except socket.timeout:
            break
        tos = None
        for level, typ, val in anc:
            if (level, typ) in ((socket.IPPROTO_IP, socket.IP_TOS),
                                (socket.IPPROTO_IPV6, socket.IPV6_TCLASS)):
                tos = val[0] if len(val) == 1 else int.from_bytes(val[:4], sys.byteorder)
        print(json.dumps({"tos": tos, "len": len(data), "from": src[0]}), flush=True)
        n += 1


def send_tos(src, dst, port, tos, count=3):
    f = fam(dst)
    s = socket.socket(f, socket.SOCK_DGRAM)
    if f == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(tos, 0))
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(tos, 0))
    s.bind((src, 0))
    for _ in range(int(count)):
        s.sendto(b"dscp probe", (dst, int(port)))
        time.sleep(0.05)


def tcp_sink(addr, port, secs):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1)
    s.settimeout(float(secs))
    print("ready", file=sys.stderr, flush=True)
    c, _ = s.accept()
    c.settimeout(float(secs))
    total = 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        total += len(b)
    print(total)


def tcp_send(src, dst, port, nbytes):
    s = socket.socket(fam(dst), socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(20)
    s.connect((dst, int(port)))
    left = int(nbytes)
    chunk = b"x" * 65536
    while left > 0:
        left -= s.send(chunk[:min(left, len(chunk))])
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


if __name__ == "__main__":
    cmds = {"recv-tos": recv_tos, "send-tos": send_tos, "tcp-sink": tcp_sink,
            "tcp-send": tcp_send}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](*sys.argv[2:])
