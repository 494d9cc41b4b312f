#!/usr/bin/env python3
"""mrt2pcap — turn the BGP messages of an MRT file (RFC 6396 BGP4MP / BGP4MP_ET records, as
msee-emu --mrt writes them) into a pcap that Wireshark and tshark decode as BGP.

Wireshark has no MRT file reader. Each BGP4MP message record becomes one TCP segment between
the peer and the local address (received messages peer → local, *_LOCAL ones local → peer), on
port 179, with per-direction sequence numbers so TCP reassembly works, stamped with the record's
time (microseconds with BGP4MP_ET). State changes and TABLE_DUMP_V2 records are skipped (counted
on stderr).

Usage: mrt2pcap.py IN.mrt OUT.pcap
       tshark -r OUT.pcap -Y bgp -V
"""
import struct
import sys

LINKTYPE_RAW = 101  # packets start at the IP header (v4 or v6)
BGP4MP, BGP4MP_ET = 16, 17
MESSAGE, MESSAGE_AS4, MESSAGE_LOCAL, MESSAGE_AS4_LOCAL = 1, 4, 6, 7


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_segment(src, dst, seq, payload, v6):
    tcp = struct.pack("!HHIIBBHHH", 179, 179, seq, 0, 5 << 4, 0x18, 65535, 0, 0)
    proto = 6
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(tcp) + len(payload), proto)
    else:
        pseudo = src + dst + struct.pack("!xBH", proto, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, len(tcp) + len(payload), proto, 1) + src + dst
    else:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 1,
                          proto, 0, src, dst)
        ip = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return ip + tcp + payload


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2
    data = open(sys.argv[1], "rb").read()
    out = open(sys.argv[2], "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, LINKTYPE_RAW))  # ns pcap
    seqs = {}
    pos = written = skipped = 0
    while pos + 12 <= len(data):
        ts, rtype, sub, length = struct.unpack_from("!IHHI", data, pos)
        body = data[pos + 12:pos + 12 + length]
        pos += 12 + length
        if len(body) < length:
            print("mrt2pcap: truncated record at the end", file=sys.stderr)
            return 1
        usec = 0
        if rtype == BGP4MP_ET:
            usec = struct.unpack_from("!I", body)[0]
            body = body[4:]
        if rtype not in (BGP4MP, BGP4MP_ET) or sub not in (MESSAGE, MESSAGE_AS4, MESSAGE_LOCAL,
                                                           MESSAGE_AS4_LOCAL):
            skipped += 1
            continue
        asn = 4 if sub in (MESSAGE_AS4, MESSAGE_AS4_LOCAL) else 2
        off = 2 * asn + 2
        afi = struct.unpack_from("!H", body, off)[0]
        alen = 4 if afi == 1 else 16
        off += 2
        peer, local = body[off:off + alen], body[off + alen:off + 2 * alen]
        msg = body[off + 2 * alen:]
        src, dst = (local, peer) if sub in (MESSAGE_LOCAL, MESSAGE_AS4_LOCAL) else (peer, local)
        seq = seqs.get((src, dst), 1)
        seqs[(src, dst)] = (seq + len(msg)) & 0xFFFFFFFF
        pkt = tcp_segment(src, dst, seq, msg, afi == 2)
        out.write(struct.pack("<IIII", ts, usec * 1000, len(pkt), len(pkt)) + pkt)
        written += 1
    print(f"mrt2pcap: {written} BGP message(s) written, {skipped} other record(s) skipped",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
