"""What the traffic probe's records say: pure functions, records in, figures out.

A stream is one direction of one flow of one pair: the sender's send times (index = sequence
number) and the receiver's records [seq, send time, link] (the link the packet came in on).
All times are ms on one clock (CLOCK_MONOTONIC), relative to a t0 the caller chooses: the
probe's start for `lab traffic`, the first injection for a drill.

An outage is a run of lost sequence numbers: it lasts from the send time of the first lost
packet to the send time of the first packet received again (so one lost packet at 1 ms spacing
is a 1 ms outage); a run still lost when the stream ended is open and lasts until one interval
after the last packet sent. Reordering is counted (a packet arriving after a higher sequence
number) but is not loss.
"""
ASYM_MIN_MS = 10  # shorter than this, forward and return changing link apart is a transition
MAX_LISTED = 20


def link_label(netns, ifname, if_links, multi_circuit):
    """The link a packet came in on: {"<netns>/<ifname>": {"circuit","path"}}, or the raw
    interface name when the topology does not name it."""
    key = f"{netns}/{ifname}"
    ln = if_links.get(key)
    if not ln:
        return key
    return f"{ln['circuit']}/{ln['path']}" if multi_circuit else ln["path"]


def merge(sides, pairs, if_links, t0_ms):
    """The side processes' JSON -> the streams (one per pair, direction and flow)."""
    multi = len({v["circuit"] for v in if_links.values()}) > 1
    sent, recv, pacing = {}, {}, []
    for s in sides:
        ticks = [t / 1e6 - t0_ms for t in s["ticks"]]
        for ep in s["endpoints"]:
            for f in range(len(ep["ports"])):
                sent[(ep["pair"], ep["dir"], f)] = ticks
        for key, rows in s["received"].items():
            pair, d, f = key.split("/")
            recv[(int(pair), d, int(f))] = [
                [r[0], r[1] / 1e6 - t0_ms, link_label(s["netns"], r[2], if_links, multi)]
                for r in rows]
        pacing.append({"netns": s["netns"], **s["pacing"],
                       "sendErrors": s.get("sendErrors", {})})
    streams = []
    for (pair, d, f), ticks in sorted(sent.items()):
        p = pairs[pair]
        streams.append({"pair": pair, "pairLabel": label(p), "dir": d, "flow": f,
                        "sentMs": ticks, "received": recv.get((pair, d, f), [])})
    interval = sides[0]["intervalNs"] / 1e6 if sides else 1.0
    return {"streams": streams, "intervalMs": interval, "pacing": pacing,
            "pairs": [dict(p, label=label(p)) for p in pairs]}


def label(p):
    short = {"AzurePrivatePeering": "private", "MicrosoftPeering": "microsoft"}
    return f"{p['circuit']} {short.get(p['peeringType'], p['peeringType'])} {p['family']}"


def segments(received):
    """[(from ms, to ms, link)]: maximal runs of consecutive sequence numbers over one link
    (a loss ends a run: the flow went over no link meanwhile)."""
    out, prev = [], None
    for seq, t, ln in sorted(received):
        if out and out[-1][2] == ln and seq == prev + 1:
            out[-1][1] = t
        else:
            out.append([t, t, ln])
        prev = seq
    return [tuple(s) for s in out]


def analyze_flow(sent_ms, received, interval_ms=1.0, window=None):
    """One stream's figures. window (from ms, to ms) splits the links into before / during /
    after; without it, before is the first link, after the last."""
    n = len(sent_ms)
    got, dups, reordered, top = {}, 0, 0, -1
    for seq, t, ln in received:
        if seq in got:
            dups += 1
            continue
        if seq < top:
            reordered += 1
        top = max(top, seq)
        got[seq] = (t, ln)
    outages, start = [], None
    for seq in range(n):
        if seq not in got and start is None:
            start = seq
        elif seq in got and start is not None:
            outages.append({"fromMs": round(sent_ms[start], 1), "toMs": round(sent_ms[seq], 1),
                            "ms": round(sent_ms[seq] - sent_ms[start], 1), "lost": seq - start})
            start = None
    if start is not None:
        end = sent_ms[-1] + interval_ms
        outages.append({"fromMs": round(sent_ms[start], 1), "toMs": None,
                        "ms": round(end - sent_ms[start], 1), "lost": n - start, "open": True})
    in_order = [(seq, got[seq][0], got[seq][1]) for seq in sorted(got) if seq < n]
    segs = segments(in_order)
    changes = [{"atMs": round(b[0], 1), "from": a[2], "to": b[2]}
               for a, b in zip(segs, segs[1:]) if a[2] != b[2]]
    if window is None:
        before = segs[0][2] if segs else None
        during = list(dict.fromkeys(sg[2] for sg in segs))
        after = segs[-1][2] if segs else None
    else:
        lo, hi = window
        before = next((ln for _, t, ln in reversed(in_order) if t < lo), None)
        during = list(dict.fromkeys(ln for _, t, ln in in_order if lo <= t <= hi))
        after = in_order[-1][2] if in_order and in_order[-1][1] > hi else None
    received_n = sum(1 for s in got if s < n)
    return {"sent": n, "received": received_n, "lost": n - received_n,
            "duplicates": dups, "reordered": reordered, "outages": outages[:MAX_LISTED],
            "outageCount": len(outages),
            "worstOutageMs": max((o["ms"] for o in outages), default=0),
            "linksBefore": before, "linksDuring": during, "linksAfter": after,
            "linkChanges": changes[:MAX_LISTED], "segments": segs}


def asymmetry(fwd_segs, rev_segs, min_ms=ASYM_MIN_MS):
    """The time (ms) forward and return packets of one flow came in over different links at
    the same time, and those periods (merged, each at least min_ms)."""
    spans = []
    for a0, a1, la in fwd_segs:
        for b0, b1, lb in rev_segs:
            lo, hi = max(a0, b0), min(a1, b1)
            if la != lb and hi > lo:
                spans.append([lo, hi])
    spans.sort()
    merged = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    merged = [[round(lo, 1), round(hi, 1)] for lo, hi in merged if hi - lo >= min_ms]
    return round(sum(hi - lo for lo, hi in merged), 1), merged[:MAX_LISTED]


def report(merged, window=None):
    """Per pair, direction and flow: sent, lost, outages, links before/during/after, and
    asymmetry; per direction and overall: the worst outage."""
    interval = merged["intervalMs"]
    flows = []
    by_key = {}
    for s in merged["streams"]:
        r = analyze_flow(s["sentMs"], s["received"], interval, window)
        row = {"pair": s["pair"], "pairLabel": s["pairLabel"], "dir": s["dir"],
               "flow": s["flow"], **r}
        by_key[(s["pair"], s["dir"], s["flow"])] = row
        flows.append(row)
    for row in flows:
        other = by_key.get((row["pair"], "az->ce" if row["dir"] == "ce->az" else "ce->az",
                            row["flow"]))
        ms, spans = asymmetry(row["segments"], other["segments"]) if other else (0, [])
        row["asymmetricMs"], row["asymmetricWindows"] = ms, spans
        row["asymmetric"] = bool(spans)
    for row in flows:
        del row["segments"]
    dirs = {}
    for d in ("ce->az", "az->ce"):
        rows = [r for r in flows if r["dir"] == d]
        if rows:
            dirs[d] = {"sent": sum(r["sent"] for r in rows), "lost": sum(r["lost"] for r in rows),
                       "worstOutageMs": max(r["worstOutageMs"] for r in rows),
                       "flowsWithLoss": sum(1 for r in rows if r["lost"])}
    return {"pairs": merged["pairs"], "intervalMs": interval, "window": window,
            "pacing": merged["pacing"], "flows": flows, "directions": dirs,
            "worstOutageMs": max((d["worstOutageMs"] for d in dirs.values()), default=None),
            "asymmetricFlows": sum(1 for r in flows if r["asymmetric"] and r["dir"] == "ce->az")}


def rows(rep):
    """The flows as table rows (the CLI's table)."""
    out = []
    for r in rep["flows"]:
        o = r["outages"]
        out.append({"pair": r["pairLabel"], "dir": r["dir"], "flow": r["flow"],
                    "sent": r["sent"], "lost": r["lost"],
                    "outages": ", ".join(f"{x['fromMs']:g}+{x['ms']:g}" for x in o[:3])
                    + (" …" if r["outageCount"] > 3 else ""),
                    "worstMs": r["worstOutageMs"], "before": r["linksBefore"],
                    "during": "/".join(r["linksDuring"]), "after": r["linksAfter"],
                    "asym": f"{r['asymmetricMs']:g} ms" if r["asymmetric"] else "",
                    "reord": r["reordered"] or ""})
    return out
