#!/usr/bin/env python3
"""bench/drill_outages.py - worst traffic outage per drill over N runs (issue #13).

    sudo python3 bench/drill_outages.py [--runs 10] [--ce frr] [--drills silent-failure,maintenance,failover-test]

Brings up a lab (`msee-ctl lab up --ce CE`, data plane on), runs each drill N times with the
traffic probe and prints, per drill, the worst outage (ms, either direction) of every run, their
median and maximum, the CE's detection time where the drill has one, and how many runs passed
every check. Takes the lab down at the end. MSEE_CTL names msee-ctl (default build/msee-ctl).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--ce", default="frr")
    ap.add_argument("--drills", default="silent-failure,maintenance,failover-test")
    ap.add_argument("--lab-name", default="outbench")
    a = ap.parse_args()
    ctl = os.environ.get("MSEE_CTL", os.path.join(SRC, "build", "msee-ctl"))
    env = dict(os.environ, MSEE_LAB_NAME=a.lab_name)
    up = subprocess.run([ctl, "lab", "up", "--ce", a.ce], env=env, capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit(f"lab up failed:\n{up.stdout}{up.stderr}")
    rows = []
    try:
        for drill in a.drills.split(","):
            worst, detect, ok = [], [], 0
            for i in range(1, a.runs + 1):
                r = subprocess.run([ctl, "-o", "json", "drill", drill, "--hold", "2"], env=env,
                                   capture_output=True, text=True)
                try:
                    rep = json.loads(r.stdout)
                except json.JSONDecodeError:
                    print(f"  {drill} run {i}: no report (exit {r.returncode}): {r.stderr[-300:]}",
                          flush=True)
                    continue
                f = rep.get("figures", {})
                w = f.get("worstOutageMs")
                worst.append(w if w is not None else float("nan"))
                # Detection time: from the failure step (maintenance: BGP down, not the drain),
                # as both are points of the timeline (docs/drills.md §2).
                took = (None if f.get("detectionMs") is None
                        else f["detectionMs"] - f.get("failureAtMs", 0))
                if took is not None:
                    detect.append(took)
                ok += 1 if rep.get("ok") else 0
                print(f"  {drill} run {i}: worst outage {w} ms, detection "
                      f"{took} ms, {'ok' if rep.get('ok') else 'FAILED'}", flush=True)
            rows.append((drill, worst, detect, ok))
    finally:
        subprocess.run([ctl, "lab", "down"], env=env, capture_output=True)
    print(f"\nCE {a.ce}, {a.runs} runs per drill")
    print("drill            worst outage ms: median   max   detection ms (median)  passed")
    for drill, worst, detect, ok in rows:
        med = statistics.median(worst) if worst else float("nan")
        mx = max(worst) if worst else float("nan")
        det = statistics.median(detect) if detect else None
        print(f"{drill:<16} {med:>24.0f} {mx:>5.0f}   {det if det is not None else '-':>21}  "
              f"{ok}/{len(worst)}")


if __name__ == "__main__":
    main()
