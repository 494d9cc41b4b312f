"""`--ce external`: bring your own CE. The lab starts no router in the CE namespace; whatever
runs there (a router started by hand, a VM's tap bridged in) peers with the MSEEs at the plan's
addresses. The drills then read what they can from the MSEE side — msee-emu's REST API: each
session's state and BFD state as the MSEE sees them, and per Azure prefix the AS path each MSEE
advertises — and the traffic probe tells where the CE really sent its packets.

What the MSEE side cannot see is the CE's best path: observe() infers it as a CE without policy
would choose (the shortest AS path, then the lower router ID: the primary MSEE). A CE with
local preference (R91) or weights chooses otherwise; the probe's links are the truth.
"""
import ipaddress
import json
import os

from . import ce as ce_mod
from . import util


class ContainerFrrCe(ce_mod.FrrCe):
    """An FRR CE in a container the lab did not start (`lab attach`, attach.py): sampled like
    the lab's own FRR CE, over its daemons' vty sockets, reached through /proc/PID/root
    (ceOptions' vtyDir). Nothing to start; its config is the topology's."""
    kind = "frr-container"

    def __init__(self, lab_dir, plan, opts, netns, dirname="ce"):
        super().__init__(lab_dir, plan, opts, netns, dirname)
        if not opts.get("vtyDir"):
            raise util.LabError("frr-container: no vty directory recorded (lab attach again)")
        self.dir = opts["vtyDir"]

    def start(self):
        return []

    # announce_extra is FrrCe's: `network` statements through the host's vtysh over the same
    # sockets (its vtysh file goes into the container's /run/frr), taken back afterwards. The
    # CE's policy must let them out: lab/containerlab/configs/frr/frr.conf permits the range
    # and has no network import-check.


class ContainerBirdCe(ce_mod.BirdCe):
    """A BIRD CE in a container the lab did not start (`lab attach`): sampled over BIRD's own
    control socket (ceOptions' birdCtl, through /proc/PID/root), as the lab's BIRD CE is. The
    config is the user's, so its protocols are found by neighbour address in `show protocols
    all`, not by the lab's names. It cannot be told to announce more: no validate-limits."""
    kind = "bird-container"

    def __init__(self, lab_dir, plan, opts, netns, dirname="ce"):
        super().__init__(lab_dir, plan, opts, netns, dirname)
        if not opts.get("birdCtl"):
            raise util.LabError("bird-container: no control socket recorded (lab attach again)")
        self.ctl_path = opts["birdCtl"]
        self.names = {}

    def start(self):
        return []

    def birdc(self, *cmd, timeout=30):
        if not hasattr(self, "ctl"):
            self.ctl = ce_mod.ControlSocket(self.ctl_path, "bird")
        return self.ctl(" ".join(cmd))

    @staticmethod
    def protocol_names(text):
        """{neighbour address: BGP protocol name} from `show protocols all`."""
        out, cur = {}, None
        for line in text.splitlines():
            f = line.split()
            if not f:
                continue
            if not line[0].isspace():
                cur = f[0] if len(f) > 1 and f[1] == "BGP" else None
            elif cur and line.strip().startswith("Neighbor address:"):
                out[f[-1].split("%")[0]] = cur
        return out

    def proto(self, s):
        if s["mseeAddress"] not in self.names:
            self.names = self.protocol_names(self.birdc("show", "protocols", "all"))
        return self.names.get(s["mseeAddress"], f"(no protocol for {s['mseeAddress']})")

    def announce_extra(self, extra):
        raise util.LabError("a BIRD CE in a container runs its own config: the lab cannot make "
                            "it announce more (validate-limits needs FRR there)")

    def shell_argv(self, cmd=()):
        return ["birdc", "-s", self.ctl_path, *cmd]


class ExternalCe(ce_mod.Ce):
    kind = "external"

    def api(self):
        if not hasattr(self, "_api"):
            with open(os.path.join(os.path.dirname(self.dir), "lab.json")) as f:
                st = json.load(f)
            self._api = util.Api(st["erNetns"], st["api"])
        return self._api

    def start(self):
        return []  # the user's CE: nothing to start

    def observe(self, routes=True):
        api = self.api()
        got = {s["name"]: s for s in api.sessions()}
        view = {"sessions": {}, "routes": {}}
        rid = {s["mseeAddress"]: int(ipaddress.ip_address(s["routerId"]))
               for s in self.sessions if s.get("routerId")}
        for s in self.sessions:
            m = got.get(s["name"], {})
            bfd = (m.get("bfd") or {}).get("state")
            st = m.get("state", "Idle")
            view["sessions"][s["mseeAddress"]] = {
                "state": st, "bfd": bfd.lower() if bfd and s.get("bfd") else None,
                "received": 0}
            if not routes or st != "Established":
                continue
            fam = "" if s["family"] == "ipv4" else "&family=ipv6"
            adv = api.get(f"/v1/circuits/{s['circuit']}/peerings/{s['peeringType']}/routes"
                          f"?path={s['path']}{fam}&direction=advertised")["value"]
            view["sessions"][s["mseeAddress"]]["received"] = len(adv)
            for r in adv:
                path = [int(x) for x in str(r.get("asPath", "")).split() if x.isdigit()]
                view["routes"].setdefault(r["prefix"], {"best": None, "paths": {}})[
                    "paths"][s["mseeAddress"]] = path
        for r in view["routes"].values():
            r["best"] = min(r["paths"], key=lambda a: (len(r["paths"][a]), rid.get(a, 0)))
        return view

    def announce_extra(self, extra):
        raise util.LabError("--ce external: the lab cannot make your CE announce prefixes; "
                            "validate-limits needs a CE the lab started")

    def shell_argv(self, cmd=()):
        return ["sh", "-c", " ".join(cmd)] if cmd else ["bash", "-i"]

    def instructions(self):
        """What to configure on the CE: one neighbor per MSEE session (the plan)."""
        lines = []
        for s in self.sessions:
            if not s["enabled"]:
                continue
            lines.append(f"  {s['name']}: CE {s['ceAddress']}/{s['linkPrefixLength']} "
                         f"AS {s['peerASN']} -> MSEE {s['mseeAddress']} AS {s['mseeASN']}"
                         f"{', MD5 key ' + s['sharedKey'] if s.get('sharedKey') else ''}"
                         f"{', BFD 300 ms x 3' if s.get('bfd') else ''}")
        return lines
