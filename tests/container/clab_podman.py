"""Deploys a containerlab topology (.clab.yml) with podman, the way containerlab deploys it, so
the container test runs exactly the topologies we ship (containerlab is not in Debian).

What it reads of the file, as containerlab does: `name`, and for each node `kind` (linux only),
`image` (through an image map: the registry images are stood in for by local builds), `binds`
(relative to the topology file), `env`, `cap-add`, `sysctls` and `exec`; `links` with their two
`node:interface` endpoints. What it does, in containerlab's order: create every node's container
(named clab-<lab>-<node>, as containerlab names them) with no network (`--network none`,
containerlab's eth0 management link is left out) and CLAB_INTFS set to the node's link count,
start them, make each link a veth pair in the host namespace and move its ends into the two
containers' network namespaces by PID under the interface names of the endpoints, then run the
nodes' `exec` commands. Containers are removed by id (by name only a leftover of this test's,
recognised by its label).
"""
import os
import shlex
import shutil
import subprocess
import time

import yaml


class DeployError(Exception):
    pass


def run(argv, check=True, timeout=120, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise DeployError(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def load(path):
    """The topology of `path` with what we use checked: {name, nodes, links}."""
    with open(path) as f:
        doc = yaml.safe_load(f)
    topo = doc.get("topology") or {}
    nodes, links = topo.get("nodes") or {}, topo.get("links") or []
    if not doc.get("name") or not nodes:
        raise DeployError(f"{path}: no name or no nodes")
    for name, n in nodes.items():
        if n.get("kind") != "linux":
            raise DeployError(f"{path}: node {name} is of kind {n.get('kind')}, not linux")
    ends = []
    for link in links:
        eps = link.get("endpoints") or []
        if len(eps) != 2 or any(e.split(":")[0] not in nodes for e in eps):
            raise DeployError(f"{path}: bad link {link}")
        ends += [tuple(e.split(":", 1)) for e in eps]
    if len(ends) != len(set(ends)):
        raise DeployError(f"{path}: an interface is in two links")
    return {"name": doc["name"], "nodes": nodes, "links": [l["endpoints"] for l in links],
            "dir": os.path.dirname(os.path.abspath(path))}


class Lab:
    """One deployed topology. `podman` is the podman command line (a list); `image_map` maps the
    topology's image names to the local images that stand in for them; `workdir` receives a copy
    of the topology's directory, so that images which chown their binds (FRR's) change the copy,
    not the source tree."""

    def __init__(self, path, podman, image_map, workdir):
        self.path, self.podman, self.image_map = path, podman, image_map
        self.topo = load(path)
        self.dir = os.path.join(workdir, self.topo["name"])
        shutil.copytree(self.topo["dir"], self.dir)
        self.ids = {}   # node -> container id
        self.pids = {}  # node -> PID of the container's process 1 (on the host)
        self.tmp_links = []  # veth names made in the host namespace (gone once moved)

    def pm(self, *args, check=True, timeout=120):
        return run(self.podman + list(args), check=check, timeout=timeout)

    def image(self, node):
        img = self.topo["nodes"][node]["image"]
        return self.image_map.get(img, img)

    def bind(self, spec):
        host, rest = spec.split(":", 1)
        if not os.path.isabs(host):
            host = os.path.join(self.dir, host)
        if not os.path.exists(host):
            raise DeployError(f"{self.path}: bind {spec}: {host} does not exist")
        return f"{host}:{rest}"

    def deploy(self):
        count = {n: 0 for n in self.topo["nodes"]}
        for eps in self.topo["links"]:
            for e in eps:
                count[e.split(":")[0]] += 1
        for name, node in self.topo["nodes"].items():
            # No periodic health timer: podman runs it through systemd, which these machines
            # lack (the test runs the HEALTHCHECK itself with `podman healthcheck run`).
            # containerlab's container name, which `msee-ctl lab attach --containerlab` expects;
            # one a crashed run of this test left is removed first (by our label only).
            cname = f"clab-{self.topo['name']}-{name}"
            old = self.pm("inspect", "-f", "{{index .Config.Labels \"msee-test\"}}", cname,
                          check=False)
            if old.returncode == 0 and old.stdout.strip() == self.topo["name"]:
                self.pm("rm", "-f", "-t", "2", cname, check=False)
            argv = ["create", "--name", cname, "--network", "none", "--hostname", name,
                    "--health-interval", "disable", "--label", f"msee-test={self.topo['name']}",
                    "-e", f"CLAB_INTFS={count[name]}"]
            for k, v in (node.get("env") or {}).items():
                argv += ["-e", f"{k}={v}"]
            for b in node.get("binds") or []:
                argv += ["-v", self.bind(b)]
            for c in node.get("cap-add") or []:
                argv += ["--cap-add", c]
            for k, v in (node.get("sysctls") or {}).items():
                argv += ["--sysctl", f"{k}={v}"]
            self.ids[name] = self.pm(*argv, self.image(name)).stdout.strip()
        for name, cid in self.ids.items():
            self.pm("start", cid)
            self.pids[name] = int(self.pm("inspect", "-f", "{{.State.Pid}}", cid).stdout)
        for i, (a, b) in enumerate(self.topo["links"]):
            self.link(i, a, b)
        for name, node in self.topo["nodes"].items():
            for cmd in node.get("exec") or []:
                p = self.pm("exec", self.ids[name], *shlex.split(cmd), check=False)
                if p.returncode != 0:
                    raise DeployError(f"{name}: exec '{cmd}' failed: {p.stdout}{p.stderr}")

    def link(self, i, a, b):
        """A veth pair for link i between endpoints a and b ("node:interface")."""
        tmp = [f"mt{os.getpid() % 100000}l{i}{s}" for s in "ab"]
        run(["ip", "link", "add", tmp[0], "type", "veth", "peer", "name", tmp[1]])
        self.tmp_links.append(tmp[0])
        for t, end in zip(tmp, (a, b)):
            node, intf = end.split(":", 1)
            pid = self.pids[node]
            run(["ip", "link", "set", t, "netns", str(pid)])
            run(["nsenter", f"--net=/proc/{pid}/ns/net", "ip", "link", "set", t, "name", intf])
            run(["nsenter", f"--net=/proc/{pid}/ns/net", "ip", "link", "set", intf, "up"])

    def exec(self, node, *argv, check=True, timeout=60):
        return self.pm("exec", self.ids[node], *argv, check=check, timeout=timeout)

    def logs(self, node):
        p = self.pm("logs", self.ids[node], check=False)
        return p.stdout + p.stderr

    def wait(self, what, fn, timeout=60, interval=0.5):
        """fn() until it returns a true value; that value, or DeployError after timeout s."""
        end = time.monotonic() + timeout
        last = None
        while time.monotonic() < end:
            try:
                v = fn()
                if v:
                    return v
            except (DeployError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
                last = e
            time.sleep(interval)
        raise DeployError(f"{self.topo['name']}: timed out after {timeout} s waiting for {what}"
                          + (f" (last error: {last})" if last else ""))

    def destroy(self):
        for name, cid in self.ids.items():
            self.pm("rm", "-f", "-t", "2", cid, check=False)
        self.ids = {}
        # A deploy that failed half-way may leave a pair in the host namespace: ours by name.
        for t in self.tmp_links:
            if os.path.exists(f"/sys/class/net/{t}"):
                run(["ip", "link", "del", t], check=False)
        self.tmp_links = []
