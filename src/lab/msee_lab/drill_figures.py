"""The figures of a drill report, read off its timeline. docs/drills.md §2 ("The figures")
defines each one; this module is that table in code, and tests/lab/test_drill_figures.py holds
one hand-made timeline per definition.

Pure: timeline events in, figures out; no CE, no clock. Every time is on the timeline's own
axis, ms after the first injection, as the events' atMs — a figure never has its own zero
(issue #18: detectionMs was once counted from maintenance's BGP-down step and sessionsBackMs
from the restore, so neither could be found in the timeline they came with).

The events (drills.Drill.timeline), each with atMs and what:
  drill    a step of the drill (event: its name)
  session  addr, path, up: the CE's BGP session with that MSEE address became Established
           (up) or left it
  bfd      addr, path, up: the CE's BFD session with it changed (up, or down/init/gone)
  best     prefix, fromAddr/toAddr (None: no path at all), from/to (their links): the CE's
           best path for an Azure prefix changed
  aspath   prefix, path, asPath: the AS path heard from one MSEE changed
"""


def replay(tl, before, until=None):
    """The CE's state after the timeline's events (those before `until`, if given): {MSEE
    address: Established?} for the addresses with session events, and {prefix: the MSEE
    address of its best path, or None}, starting from `before` (the baseline: every session
    Established)."""
    up, best = {}, dict(before)
    for e in tl:
        if until is not None and e["atMs"] >= until:
            break
        if e["what"] == "session":
            up[e["addr"]] = e["up"]
        elif e["what"] == "best":
            best[e["prefix"]] = e["toAddr"]
    return up, best


def as_before(tl, before, path_of):
    """Whether the drill ended as it began: every session Established and every Azure
    prefix's best path on the same link as before (the check "everything back as before")."""
    up, best = replay(tl, before)
    return all(up.values()) and all(
        best.get(p) is not None and path_of.get(best[p]) == path_of.get(a)
        for p, a in before.items())


def figures(tl, before, failed, path_of, failure_at, restore_at, end_at, silent=False,
            flap=False):
    """The timeline's figures (docs/drills.md §2).

    tl          the timeline, sorted by atMs
    before      {Azure prefix: MSEE address of the CE's best path before the drill}
    failed      {MSEE address: session name} of the failed sessions: the sessions the drill
                takes down (its link's; a peering reset's: the peering's, on both links)
    path_of     {MSEE address: "primary" | "secondary"}
    failure_at  atMs of the failure step (maintenance: BGP down; else the first step, 0)
    restore_at  atMs of the restore step (the drill's last step)
    end_at      atMs of the drill's last sample
    silent      a silent failure: the CE is not told, so a best path still via the failed
                sessions at the restore is traffic sent into the dead link (blackholed)
    """
    downs = [e for e in tl if e["what"] == "session" and not e["up"]
             and e.get("addr") in failed and e["atMs"] >= failure_at]
    by_session = {name: next((e["atMs"] for e in downs if e["addr"] == a), None)
                  for a, name in failed.items()}
    bfd_down = next((e["atMs"] for e in tl if e["what"] == "bfd" and not e["up"]
                     and e.get("addr") in failed and e["atMs"] >= failure_at), None)
    # Reconvergence: each prefix that was best via a failed session reaches a surviving one.
    # From the first injection, not the failure step: a drain moves prefixes before BGP goes
    # down (MSEE: R64), and that is the point of it.
    on_failed = sorted(p for p, a in before.items() if a in failed)
    moved = {}
    for e in tl:
        if (e["what"] == "best" and e["prefix"] in on_failed and e["prefix"] not in moved
                and e["toAddr"] is not None and e["toAddr"] not in failed):
            moved[e["prefix"]] = e["atMs"]
    reconv = max(moved.values()) if on_failed and len(moved) == len(on_failed) else None
    # Lost: no path at all (a LOST event) until the next best event, or the end of the drill.
    outage, lost_at = {}, {}
    for e in (x for x in tl if x["what"] == "best"):
        p = e["prefix"]
        if e["toAddr"] is None:
            lost_at.setdefault(p, e["atMs"])
        elif p in lost_at:
            outage[p] = max(outage.get(p, 0), e["atMs"] - lost_at.pop(p))
    for p, t in lost_at.items():
        outage[p] = max(outage.get(p, 0), end_at - t)
    # Blackholed: a silent failure's prefixes still via the failed sessions at the restore;
    # lost too, from the failure (or the event that put them there) to the restore.
    stuck = []
    if silent:
        _, at_restore = replay(tl, before, until=restore_at)
        stuck = sorted(p for p, a in at_restore.items() if a in failed)
        for p in stuck:
            since = max([failure_at] + [e["atMs"] for e in tl if e["what"] == "best"
                                        and e["prefix"] == p and e["atMs"] < restore_at])
            outage[p] = max(outage.get(p, 0), restore_at - since)
    # Back: the failed sessions that went down, each at its last session event.
    last = {}
    for e in tl:
        if e["what"] == "session" and e["addr"] in {d["addr"] for d in downs} \
                and e["atMs"] >= failure_at:
            last[e["addr"]] = e
    sessions_back = (max(e["atMs"] for e in last.values())
                     if last and all(e["up"] for e in last.values()) else None)
    changes = [e["atMs"] for e in tl if e["what"] in ("session", "best")]
    all_back = max(changes + [restore_at]) if as_before(tl, before, path_of) else None
    out = {"failureAtMs": failure_at,
           "detectionMs": min((t for t in by_session.values() if t is not None), default=None),
           "detectionBySessionMs": by_session, "bfdDownMs": bfd_down,
           "prefixesOnFailedLinkBefore": len(on_failed), "prefixesMoved": len(moved),
           "reconvergenceMs": reconv,
           "prefixesLost": sorted(set(outage) | set(stuck)),
           "maxOutageMs": max(outage.values(), default=None), "blackholedAtRestore": stuck,
           "restoreAtMs": restore_at, "sessionsBackMs": sessions_back, "allBackMs": all_back}
    if flap:  # the fewest down events any failed session had: every flap seen by all
        out["flapsSeen"] = min((sum(1 for e in downs if e["addr"] == a) for a in failed),
                               default=0)
    return out
