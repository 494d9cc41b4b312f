#!/usr/bin/env python3
"""itconf.py — the circuit JSON and the customer edge (CE) configs of the MSEE integration tests,
written by one piece of code instead of pasted into each script. The CE's FRR bgpd and BIRD 2
configs come from msee_lab.ce, the code `msee-ctl lab up` configures its CE with, so the tests
and the lab cannot drift apart; what a test needs beyond it (a route-map, a prefix the MSEE must
refuse) it passes as an option or appends as FRR text. lib.sh's `itconf` runs it.

  itconf.py circuit FILE NAME [--private NET] [--microsoft NET] ...   add a circuit to FILE
  itconf.py frr FILE --dir DIR [--circuit NAME] ... [--append -]      FRR bgpd.conf on stdout
  itconf.py bird FILE --dir DIR ...                                   BIRD bird.conf on stdout

NET is a test's loopback block as its scripts write it, 127.B.C: the MSEE session's /30s are
NET.0/30 (primary) and NET.4/30 (secondary). Python standard library only, plus msee_lab from
this source tree's src/lab.
"""
import argparse
import ipaddress
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../src/lab"))
from msee_lab import ce, lab  # noqa: E402 (after the path it comes from)

MSEE_ASN = 12076  # R18


def peering(kind, net, a):
    """One peering on loopback links NET. Its Azure-side /30s are never bound on loopback
    addressing; they only need to be unique, so they follow NET: 192.168.B.8C/30 (private)
    or 203.0.113.8C/30 (Microsoft), and the /30 after it."""
    b, c = (int(x) for x in net.split(".")[1:3])
    private = kind == "AzurePrivatePeering"
    first = ipaddress.ip_address(f"192.168.{b}.{8 * c}" if private else f"203.0.113.{8 * c}")
    p = {"peeringType": kind, "peerASN": a.peer_asn, "vlanId": 100 if private else 200,
         "primaryPeerAddressPrefix": f"{first}/30", "secondaryPeerAddressPrefix": f"{first + 4}/30"}
    if a.key:
        p["sharedKey"] = a.key
    if not private:
        p["microsoftPeeringConfig"] = {"advertisedPublicPrefixes": a.public.split(","),
                                       "advertisedPublicPrefixesState": "Configured"}
        if a.route_filter:
            p["routeFilter"] = a.route_filter.split("=")[0]
    p["emulation"] = dict(json.loads(a.emulation), loopback={
        "primaryPeerAddressPrefix": f"{net}.0/30", "secondaryPeerAddressPrefix": f"{net}.4/30"})
    return p


def add_circuit(a):
    """Adds circuit NAME to FILE (a new loopback-addressed config when FILE does not exist)."""
    try:
        with open(a.file) as f:
            cfg = json.load(f)
    except FileNotFoundError:
        cfg = {"emulator": {"addressing": "loopback"}, "circuits": []}
    cfg["emulator"].update(json.loads(a.emulator))
    if a.route_filter:
        name, comms = a.route_filter.split("=")
        cfg.setdefault("routeFilters", []).append({"name": name, "communities": comms.split(",")})
    c = {"name": a.name}
    if a.service_key:
        c["serviceKey"] = a.service_key
    c["sku"] = {"tier": "Standard", "family": "MeteredData"}
    c["serviceProviderProperties"] = {"peeringLocation": a.location, "bandwidthInMbps": 1000}
    c["peerings"] = ([peering("AzurePrivatePeering", a.private, a)] if a.private else []) + \
        ([peering("MicrosoftPeering", a.microsoft, a)] if a.microsoft else [])
    vnets = []
    for v in a.vnet:  # "NAME REGION PREFIX[,PREFIX] [COMMUNITY]"
        f = v.split()
        vnets.append({"name": f[0], "region": f[1], "addressPrefixes": f[2].split(",")}
                     | ({"bgpCommunity": f[3]} if len(f) > 3 else {}))
    if vnets:
        c["vnets"] = vnets
    cfg["circuits"].append(c)
    with open(a.file, "w") as f:
        json.dump(cfg, f, indent=1)


def sessions(cfg, circuit, ms_extra):
    """The MSEE sessions of cfg as msee_lab.ce takes them (the fields of `msee-emu --plan`),
    worked out here from the circuit as Azure documents it — the CE holds the first address of
    each /30 (/126), the MSEE the second (R88) — and not from msee-emu's own reading of it,
    which is what the tests check. ms_extra: prefixes the CE announces on Microsoft peering
    beyond the declared ones (for the MSEE to refuse)."""
    loop = cfg.get("emulator", {}).get("addressing") == "loopback"
    out = []
    for ci, c in enumerate(cfg["circuits"]):
        if circuit not in (None, c["name"]):
            continue
        for p in c["peerings"]:
            v6 = p.get("ipv6PeeringConfig") or {}
            for fam, src in (("ipv4", p), ("ipv6", v6)):
                if "primaryPeerAddressPrefix" not in src:
                    continue
                if loop and fam == "ipv6":
                    sys.exit("itconf.py: loopback addressing carries IPv4 sessions only")
                pubs = (src.get("microsoftPeeringConfig") or {}).get("advertisedPublicPrefixes", [])
                if p["peeringType"] == "MicrosoftPeering":
                    pubs = pubs + [x for x in ms_extra if (":" in x) == (fam == "ipv6")]
                for path in ("primary", "secondary"):
                    links = p["emulation"]["loopback"] if loop else src
                    net = ipaddress.ip_network(links[f"{path}PeerAddressPrefix"])
                    out.append({
                        "name": f"{c['name']}/{p['peeringType']}/{path}" +
                                ("/ipv6" if fam == "ipv6" else ""),
                        "circuit": c["name"], "circuitIndex": ci, "path": path, "family": fam,
                        "peeringType": p["peeringType"], "vlanId": p.get("vlanId"),
                        "ceAddress": str(net[1]), "mseeAddress": str(net[2]),
                        "mseeASN": MSEE_ASN, "peerASN": p["peerASN"],
                        "sharedKey": p.get("sharedKey"), "advertisedPublicPrefixes": pubs,
                        # BFD on IPv4 only (R30); a loopback CE is bgpd -Z, without bfdd.
                        "bfd": fam == "ipv4" and not loop})
    if not out:
        sys.exit(f"itconf.py: no MSEE session in {circuit or 'the config'}")
    return out


def make_ce(kind, a):
    with open(a.file) as f:
        cfg = json.load(f)
    plan = {"sessions": sessions(cfg, a.circuit, a.ms_extra.split(",") if a.ms_extra else [])}
    opts = {"cePrefixes": a.prefixes.split(","), "ceHoldTime": a.hold_time,
            "preferPrimary": False, "noCeBfd": a.no_bfd, "ceConnectRetry": a.connect_retry,
            "ceAnnounceAll": a.announce_all}
    os.makedirs(a.dir, exist_ok=True)
    c = lab.CE_KINDS[kind](os.path.dirname(a.dir), plan, opts, None)
    c.dir = a.dir  # the test's own directory for this daemon (the lab's is <lab>/ce)
    return c


def frr(a):
    c = make_ce("frr", a)
    text = c.config()
    if a.append:
        text += "!\n" + (sys.stdin if a.append == "-" else open(a.append)).read()
    if a.daemons:  # zebra.conf and bfdd.conf beside it, for a CE with BFD in a namespace
        for name, body in (("zebra.conf", c.ZEBRA_CONF), ("bfdd.conf", c.BFDD_CONF)):
            with open(os.path.join(a.dir, name), "w") as f:
                f.write(body)
    sys.stdout.write(text)


def bird(a):
    c = make_ce("bird", a)
    c.log_to = "stderr"  # start_bird keeps BIRD's stderr in DIR/bird.log
    for spec in a.extra:  # PEERING/FAMILY=N
        key, n = spec.split("=")
        group = tuple(key.split("/"))
        first = next(s for s in c.sessions if ce.group_key(s) == group)
        c.extra[group] = ce.extra_prefixes(first, int(n))
    c.write_extra()  # DIR/extra.conf, which the config includes
    sys.stdout.write(c.config())


def parser():
    p = argparse.ArgumentParser(prog="itconf.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("circuit", help="add a loopback-addressed circuit to FILE")
    c.add_argument("file")
    c.add_argument("name")
    c.add_argument("--private", metavar="NET", help="private peering on NET.0/30, NET.4/30")
    c.add_argument("--microsoft", metavar="NET", help="Microsoft peering on NET.0/30, NET.4/30")
    c.add_argument("--peer-asn", type=int, default=65001)
    c.add_argument("--key", help="the peerings' MD5 sharedKey")
    c.add_argument("--service-key")
    c.add_argument("--location", default="Amsterdam")
    c.add_argument("--public", default="198.51.100.0/24",
                   help="Microsoft peering's advertisedPublicPrefixes")
    c.add_argument("--route-filter", metavar="NAME=COMMUNITY,...",
                   help="a route filter, attached to Microsoft peering")
    c.add_argument("--vnet", action="append", default=[],
                   metavar="'NAME REGION PREFIX[,PREFIX] [COMMUNITY]'")
    c.add_argument("--emulation", default="{}", help="JSON: every peering's emulation block")
    c.add_argument("--emulator", default="{}", help="JSON merged into the emulator block")
    for kind in ("frr", "bird"):
        x = sub.add_parser(kind, help=f"the {kind.upper()} CE of the circuits in FILE")
        x.add_argument("file")
        x.add_argument("--dir", required=True, help="the daemon's directory (logs, includes)")
        x.add_argument("--circuit", help="only this circuit's sessions (default all)")
        x.add_argument("--prefixes", default="10.50.0.0/16",
                       help="on-premises prefixes announced on private peering")
        x.add_argument("--ms-extra", help="undeclared prefixes also announced on Microsoft "
                                          "peering (the MSEE must refuse them)")
        x.add_argument("--announce-all", action="store_true",
                       help="every prefix the CE originates to every MSEE")
        x.add_argument("--no-bfd", action="store_true")
        x.add_argument("--hold-time", type=int)
        x.add_argument("--connect-retry", type=int, default=1,
                       help="seconds between connection attempts (default 1: fast tests)")
    sub.choices["frr"].add_argument("--append", metavar="FILE|-",
                                    help="FRR config text appended (the test's own)")
    sub.choices["frr"].add_argument("--daemons", action="store_true",
                                    help="also write DIR/zebra.conf and DIR/bfdd.conf")
    sub.choices["bird"].add_argument("--extra", action="append", default=[],
                                     metavar="PEERING/FAMILY=N",
                                     help="N extra prefixes on that peering (route limits)")
    return p


def main():
    a = parser().parse_args()
    {"circuit": add_circuit, "frr": frr, "bird": bird}[a.cmd](a)


if __name__ == "__main__":
    main()
