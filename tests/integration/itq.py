#!/usr/bin/env python3
"""Query helper for the integration tests (standard library only).

Owns the JSON plumbing of tests/integration/lib.sh: evaluating a Python expression over a
JSON document read from stdin, or over every line of a JSON-lines file (the msee-emu event
log of docs interface.md, ExaBGP's received-update log).

  itq.py json EXPR            stdin is one JSON document bound to `d`; prints EXPR
                              (strings raw, other values as compact JSON); exit 1 if EXPR raises
                              or is None/False
  itq.py has FILE EXPR        exit 0 iff some line `e` of FILE satisfies EXPR
  itq.py count FILE EXPR      prints how many lines satisfy EXPR
  itq.py show FILE EXPR       prints the lines that satisfy EXPR
  itq.py last FILE EXPR VEXPR prints VEXPR evaluated on the last line that satisfies EXPR
  itq.py bird EXPR            stdin is `birdc show route all ...` output, parsed into
                              d = {prefix: {"type": "unicast|unreachable|...", "proto": NAME,
                              "from": ADDR, "BGP.as_path": "...", ...}} (first route per prefix)

Inside expressions: `e`/`d` is the document, `g(obj, "a.b.0.c", default)` walks a path without
raising, `cset(list)` turns a community list into a set of strings for order-free comparison,
`gob(path)` normalises a GoBGP path and `exa(msg, "ipv4 unicast", prefix)` extracts a route
from an ExaBGP JSON update (see below), `re` is the regex module. Lines that are not JSON objects are skipped.
"""
import json
import os
import re
import sys


def g(obj, path, default=None):
    cur = obj
    for part in str(path).split("."):
        if isinstance(cur, dict):
            if part not in cur:
                return default
            cur = cur[part]
        elif isinstance(cur, list):
            try:
                cur = cur[int(part)]
            except (ValueError, IndexError):
                return default
        else:
            return default
    return cur


def cset(values):
    if values is None:
        return set()
    return {str(v) for v in values}


def gob(path):
    """A GoBGP JSON path ({"attrs": [...]}, from `gobgp ... -j`) as plain attributes:
    {"origin": 0, "aspath": [...], "nexthop": "...", "med": n, "communities": {"a:b"},
     "large": {"a:b:c"}, "ext": {"rt:a:b"}, "localpref": n, "types": [codes]}."""
    out = {"communities": set(), "large": set(), "ext": set(), "types": []}
    for a in path.get("attrs", []):
        t = a.get("type")
        out["types"].append(t)
        if t == 1:
            out["origin"] = a.get("value", 0)
        elif t == 2:
            out["aspath"] = [asn for seg in a.get("as_paths", []) for asn in seg.get("asns", [])]
        elif t == 3:
            out["nexthop"] = a.get("nexthop")
        elif t == 4:
            out["med"] = a.get("metric", 0)
        elif t == 5:
            out["localpref"] = a.get("value")
        elif t == 8:
            out["communities"] = {f"{c >> 16}:{c & 0xFFFF}" for c in a.get("communities", [])}
        elif t == 14:
            out["nexthop"] = a.get("nexthop")
        elif t == 16:
            for x in a.get("value", []):
                kind = {2: "rt", 3: "soo"}.get(x.get("subtype"), f"t{x.get('type')}.{x.get('subtype')}")
                out["ext"].add(f"{kind}:{x.get('value')}")
        elif t == 32:
            out["large"] = {f"{x['ASN']}:{x['LocalData1']}:{x['LocalData2']}"
                            for x in a.get("value", [])}
    return out


def exa(msg, family, prefix):
    """ExaBGP JSON update `msg` announcing `prefix` in `family` ("ipv4 unicast") -> its
    attributes plus "next-hop" (None if that message does not announce the prefix)."""
    upd = g(msg, "neighbor.message.update")
    if not isinstance(upd, dict):
        return None
    for nh, nlris in (upd.get("announce", {}).get(family) or {}).items():
        for x in nlris:
            if x.get("nlri") == prefix:
                return dict(upd.get("attribute", {}), **{"next-hop": nh})
    return None


def _env(doc):
    return {"e": doc, "d": doc, "g": g, "cset": cset, "re": re, "json": json, "gob": gob,
            "exa": exa}


def _eval(expr, doc):
    try:
        return eval(expr, {"__builtins__": __builtins__}, _env(doc))  # noqa: S307 - test tool
    except Exception:  # a missing key simply means "does not match"
        return None


def _lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, dict):
                    yield line, doc
    except FileNotFoundError:
        return


def parse_bird_routes(text):
    """birdc 'show route all' -> {prefix: attributes of its first (best) route}."""
    routes = {}
    cur = None
    head = re.compile(r"^(\S+)?\s+(\w+)\s+\[(\S+) [^\]]*?(?: from (\S+))?\]")
    for line in text.splitlines():
        if line.startswith("\t"):
            if cur is not None and ":" in line:
                key, _, val = line.strip().partition(":")
                cur.setdefault(key.strip(), val.strip())
            continue
        m = head.match(line)
        if not m:
            if line and not line.startswith(" "):
                cur = None
            continue
        prefix = m.group(1)
        if prefix is None:   # an alternative route of the previous prefix: keep the first one
            cur = {}
            continue
        cur = {"type": m.group(2), "proto": m.group(3), "from": m.group(4)}
        routes.setdefault(prefix, cur)
    return routes


def _out(value):
    if isinstance(value, str):
        print(value)
    else:
        print(json.dumps(value, sort_keys=True, separators=(",", ":")))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "json" and len(argv) == 3:
        try:
            doc = json.load(sys.stdin)
        except ValueError:
            return 1
        val = _eval(argv[2], doc)
        if val is None or val is False:
            return 1
        _out(val)
        return 0
    if cmd == "bird" and len(argv) == 3:
        val = _eval(argv[2], parse_bird_routes(sys.stdin.read()))
        if val is None or val is False:
            return 1
        _out(val)
        return 0
    if cmd in ("has", "count", "show") and len(argv) == 4:
        n = 0
        for line, doc in _lines(argv[2]):
            if _eval(argv[3], doc):
                n += 1
                if cmd == "has":
                    return 0
                if cmd == "show":
                    print(line)
        if cmd == "count":
            print(n)
            return 0
        if cmd == "show":
            return 0 if n else 1
        return 1
    if cmd == "last" and len(argv) == 5:
        found = None
        for _, doc in _lines(argv[2]):
            if _eval(argv[3], doc):
                found = doc
        if found is None:
            return 1
        val = _eval(argv[4], found)
        if val is None:
            return 1
        _out(val)
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:  # `itq.py show ... | head` closed the pipe early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
