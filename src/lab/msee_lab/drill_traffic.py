"""What the probe's packets say about a drill (issue #13): the traffic figures and checks of a
drill report — worst outages per direction, flows on the failed or drained link, the BFD bound
on a silent failure's loss (R63), a drain that loses nothing (R64), and why a CE that pins its
traffic (--prefer-primary, R91) loses packets. Called by drills.Drill.report."""
from . import traffic


def traffic_report(drill, figures, check, fail_at, restore_at, took, other):
    """The probe's figures and checks: what the packets say about the drill. Times are ms
    after the first injection; the failure window is from the failing phase to the restore.
    took: per failed session, its detection time after the failure step (ms), or None."""
    # Links before the first injection (a drain moves traffic before BGP goes down).
    tr = traffic.report(drill.traffic_merged, (0, restore_at))
    tr["notes"] = notes = []
    flows = tr["flows"]
    on = lambda ln, path: ln in (path, f"{drill.circuit}/{path}")  # noqa: E731
    figures["worstOutageMs"] = tr["worstOutageMs"]
    figures["worstOutageByDirectionMs"] = {d: x["worstOutageMs"]
                                           for d, x in tr["directions"].items()}
    figures["probeLost"] = {d: x["lost"] for d, x in tr["directions"].items()}
    if drill.kind == "peering-reset":  # the reset peering's flows, on either link (R66)
        failed = lambda r: tr["pairs"][r["pair"]]["peeringType"] == drill.args.peering  # noqa
    else:
        failed = lambda r: on(r["linksBefore"], drill.path)  # noqa: E731
    figures["flowsOnFailedLinkBefore"] = sum(1 for r in flows if failed(r))
    figures["asymmetricFlows"] = tr["asymmetricFlows"]
    pin = (getattr(drill, "state", None) or {}).get("ceOptions", {}).get("preferPrimary")
    why_pin = ("the CE pins its traffic to the primary link (local preference 200, "
               "--prefer-primary, R91): it ignores Microsoft's drain prepend (R64), so "
               "its packets stay on the drained link until BGP goes down")
    kind = drill.kind
    # A data plane that forwards nothing would make every figure below meaningless: the
    # second of traffic before the first injection must get through in each direction.
    dead = [f"{p['label']} {d}" for i, p in enumerate(tr["pairs"]) for d in ("ce->az", "az->ce")
            if not any(r["linksBefore"] for r in flows if r["pair"] == i and r["dir"] == d)]
    check("probe: packets got through both ways before the first injection (the data plane "
          "forwards)", not dead,
          f"nothing arrived before the drill on {', '.join(dead)}: does the CE's kernel route "
          f"the VNets via the MSEEs (ip route get VM from CE-HOST in the CE)?")
    if kind == "silent-failure":
        for i, p in enumerate(tr["pairs"]):
            s = next((x for x in drill.link_sessions(drill.path)
                      if x["peeringType"] == p["peeringType"]
                      and x["family"] == p["family"]), None)
            rows = [r for r in flows if r["pair"] == i]
            worst = max((r["worstOutageMs"] for r in rows), default=0)
            if s is None:
                continue
            if drill.ce_bfd and s["bfd"]:
                det = took.get(s["name"])
                limit = None if det is None else det + 300
                check(f"traffic {p['label']}: lost at most the detection time + 300 ms "
                      f"(BFD; R63)", limit is not None and worst <= limit,
                      f"worst outage {worst:g} ms, detection {det} ms")
            elif worst:
                notes.append(f"{p['label']}: flows lost up to {worst:g} ms: no BFD on this "
                             f"session (R30), so the CE kept sending into the failed link "
                             f"until its hold timer ({drill.hold_s} s) or the restore")
    if kind == "maintenance":
        def link_at(r, t):  # the flow's link at time t (ms), from its link changes
            ln = r["linksBefore"]
            for c in r["linkChanges"]:
                if c["atMs"] <= t:
                    ln = c["to"]
            return ln
        stayed = [r for r in flows if r["dir"] == "ce->az"
                  and on(link_at(r, fail_at), drill.path)]
        figures["flowsOnDrainedLinkAtBgpDown"] = len(stayed)
        check("probe: the drain moved the CE's packets off the link before BGP went "
              "down (R64)", not stayed,
              f"{len(stayed)} ce->az flow(s) still on the drained {drill.path} link at "
              f"{fail_at} ms" + (f"; {why_pin}" if pin and stayed else ""))
        lost = {d: x["lost"] for d, x in tr["directions"].items()}
        check("maintenance drain: no probe packet lost in either direction (R64)",
              not any(lost.values()),
              ", ".join(f"{d} {n} lost (worst {tr['directions'][d]['worstOutageMs']:g} ms)"
                        for d, n in lost.items()) + (f"; {why_pin}" if pin and any(
                            lost.values()) else ""))
    if pin and kind == "failover-test" and any(r["lost"] for r in flows
                                               if r["dir"] == "ce->az"):
        notes.append(why_pin)
    if kind != "peering-reset":
        kept = [r for r in flows if on(r["linksBefore"], other)]
        bad = [r for r in kept if r["lost"]]
        check(f"flows on the {other} link lost nothing", not bad,
              f"{len(kept)} flow direction(s) on the {other} link"
              + "".join(f"; {r['pairLabel']} {r['dir']} flow {r['flow']} lost {r['lost']}"
                        for r in bad[:4]))
    return tr
