"""The circuit link failover test through msee-emu's ARM endpoint (api-version 2025-07-01), with
raw HTTPS requests shaped as the REST spec's examples: Debian's SDK and az predate this API.
Start (202 + Location polled: the test's GUID), all tests' details while it runs, stop (the
single test's details), single details by GUID; values compared with msee-ctl failover-test
status. Bad link types and unknown test ids are refused.

  arm_failover.py BASE_URL STATE_DIR SUBSCRIPTION RESOURCE_GROUP CIRCUIT
with MSEE_CTL and MSEE_API in the environment.
"""
import http.client
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.parse

BASE, STATE, SUB, RG, CIRCUIT = sys.argv[1:6]
u = urllib.parse.urlparse(BASE)
ctx = ssl.create_default_context(cafile=os.path.join(STATE, "ca.pem"))
FAILS = []


def check(what, ok, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else "  " + str(detail)), flush=True)
    if not ok:
        FAILS.append(what)


def request(method, path, body=None, headers=None):
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r.status, json.loads(data) if data else None, dict(r.getheaders())


def ctl(*args):
    return json.loads(subprocess.run([os.environ["MSEE_CTL"], "--api", os.environ["MSEE_API"], "-o",
                                      "json", *args], check=True, capture_output=True, text=True).stdout)


form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "msee-emu",
                               "client_secret": open(os.path.join(STATE, "client-secret")).read().strip(),
                               "scope": "https://management.core.windows.net/.default"})
AUTH = {"Authorization": "Bearer " + request("POST", "/adfs/oauth2/token", form,
                                             {"Content-Type": "application/x-www-form-urlencoded"})[1]["access_token"]}
C = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/expressRouteCircuits/{CIRCUIT}"
V = "api-version=2025-07-01"


def lro(path, body=None, sync=False):
    """POST, then poll the Location of a 202 as the clients do: (initial status, final body)."""
    headers = dict(AUTH, **({"x-msee-lro": "sync"} if sync else {}))
    if body is not None:
        headers["Content-Type"] = "application/json"
    status, doc, hdrs = request("POST", path, json.dumps(body) if body is not None else None, headers)
    first = status
    while status == 202:
        loc = urllib.parse.urlparse(hdrs["Location"])
        time.sleep(float(hdrs.get("Retry-After", "1")))
        status, doc, hdrs = request("GET", loc.path + "?" + loc.query, headers=AUTH)
    return first, status, doc


first, status, guid = lro(f"{C}/startCircuitLinkFailoverTest?{V}&linkType=Primary&circuitTestCategory=BgpDisconnect")
check("startCircuitLinkFailoverTest: 202, Location polled to 200 with the test's GUID",
      (first, status) == (202, 200) and isinstance(guid, str) and len(guid) == 36, (first, status, guid))
status_ctl = ctl("failover-test", "status", "--circuit", CIRCUIT)["value"]
check("msee-ctl failover-test status: the test runs, BgpDisconnect on Primary",
      [(t["linkType"], t["testCategory"], t["status"]) for t in status_ctl] == [("Primary", "BgpDisconnect", "Running")],
      status_ctl)
first, status, all_tests = lro(f"{C}/getCircuitLinkFailoverAllTestsDetails?{V}&fetchLatest=true", sync=True)
check("getCircuitLinkFailoverAllTestsDetails (200 at once): the same GUID, Running, Primary BGP Down, Secondary Up",
      first == 200 and len(all_tests) == 1 and all_tests[0]["testGuid"] == guid and
      all_tests[0]["status"] == "Running" and
      sorted((b["link"], b["status"]) for b in all_tests[0]["bgpStatus"]) == [("Primary", "Down"), ("Secondary", "Up")],
      all_tests)
first, status, stopped = lro(f"{C}/stopCircuitLinkFailoverTest?{V}",
                             {"linkType": "Primary", "circuitTestCategory": "BgpDisconnect",
                              "wasSimulationSuccessful": True, "isVerified": True})
want = ctl("failover-test", "status", "--circuit", CIRCUIT)["value"][0]
check("stopCircuitLinkFailoverTest (202 polled): Completed, wasSimulationSuccessful as msee-ctl reports it",
      first == 202 and stopped[0]["status"] == want["status"] == "Completed" and
      stopped[0]["wasSimulationSuccessful"] == want["wasSimulationSuccessful"] and stopped[0]["isSimulationVerified"],
      (stopped, want))
first, status, single = lro(f"{C}/getCircuitLinkFailoverSingleTestDetails?{V}&linkType=Primary"
                            f"&circuitTestCategory=BgpDisconnect&failoverTestId={guid}")
check("getCircuitLinkFailoverSingleTestDetails by GUID: the CE routes left without redundancy are msee-ctl's",
      status == 200 and sorted(r["route"] for r in single[0]["nonRedundantRoutes"]["duringSimulation"]) ==
      sorted(want["nonRedundantPrefixesDuring"]) and len(want["nonRedundantPrefixesDuring"]) > 0, (single, want))
status, doc, _ = request("POST", f"{C}/startCircuitLinkFailoverTest?{V}&linkType=Tertiary", None, AUTH)
check("start with linkType=Tertiary: 400", status == 400 and "error" in doc, (status, doc))
status, doc, _ = request("POST", f"{C}/getCircuitLinkFailoverSingleTestDetails?{V}&failoverTestId=00000000-0000-4000-8000-000000000000",
                         None, AUTH)
check("single details of an unknown test id: 404 NotFound", status == 404 and doc["error"]["code"] == "NotFound", (status, doc))

print(f"{len(FAILS)} failover check(s) failed" if FAILS else "all failover checks passed", flush=True)
sys.exit(1 if FAILS else 0)
