"""The Azure SDK for Python (Debian's python3-azure: azure-identity, azure-mgmt-network) against
msee-emu's ARM endpoint, with nothing patched: ClientSecretCredential logs in to the emulator's
ADFS-style authority, NetworkManagementClient talks to its base_url. Every value is compared with
what msee-ctl prints for the same circuit (the REST API), never with constants.

Run by test_arm_sdk.sh with Debian's /usr/bin/python3:
  arm_sdk.py BASE_URL STATE_DIR SUBSCRIPTION RESOURCE_GROUP CIRCUIT
with MSEE_CTL and MSEE_API (msee-ctl --api) in the environment. Prints PASS:/FAIL: lines and
exits 1 if any check failed.
"""
import json
import os
import subprocess
import sys
import time

from azure.identity import ClientSecretCredential
from azure.mgmt.network import NetworkManagementClient

BASE, STATE, SUB, RG, CIRCUIT = sys.argv[1:6]
AUDIENCE = "https://management.core.windows.net/"
PEERING = "AzurePrivatePeering"
FAILS = []


def check(what, ok, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else "  " + str(detail)), flush=True)
    if not ok:
        FAILS.append(what)


def ctl(*args):
    out = subprocess.run([os.environ["MSEE_CTL"], "--api", os.environ["MSEE_API"], "-o", "json",
                          *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def rows(kind, path):
    return ctl(kind, "--circuit", CIRCUIT, "--peering-name", PEERING, "--path", path)["value"]


secret = open(os.path.join(STATE, "client-secret")).read().strip()
credential = ClientSecretCredential("adfs", "msee-emu", secret, authority=BASE)
client = NetworkManagementClient(credential, SUB, base_url=BASE,
                                 credential_scopes=[AUDIENCE + ".default"])

# show: the circuit and its peering, value by value against msee-ctl show.
c = client.express_route_circuits.get(RG, CIRCUIT)
want = ctl("show", "--circuit", CIRCUIT)
wp = want["peerings"][0]
p = c.peerings[0]
check("get circuit: id, name, location, sku, serviceKey, stag, provider as msee-ctl shows them",
      (c.id, c.name, c.location, c.sku.name, c.sku.tier, c.service_key, c.stag,
       c.service_provider_properties.bandwidth_in_mbps, c.provisioning_state, c.etag) ==
      (want["id"], want["name"], want["location"], want["sku"]["name"], want["sku"]["tier"],
       want["serviceKey"], want["stag"], want["serviceProviderProperties"]["bandwidthInMbps"],
       want["provisioningState"], want["etag"]),
      (c.id, c.name, c.sku, c.stag))
check("get circuit: the peering's peerASN, azureASN, VLAN, /30s and state (the spec's peerASN "
      "spelling deserialised by the SDK)",
      (p.name, p.peer_asn, p.azure_asn, p.vlan_id, p.primary_peer_address_prefix,
       p.secondary_peer_address_prefix, p.state) ==
      (wp["name"], wp["peerAsn"], wp["azureAsn"], wp["vlanId"], wp["primaryPeerAddressPrefix"],
       wp["secondaryPeerAddressPrefix"], wp["state"]),
      p.as_dict())
listed = [x.name for x in client.express_route_circuits.list(RG)]
check("list circuits in the resource group", listed == [x["name"] for x in ctl("list")["value"]],
      listed)
check("list circuits in the subscription",
      [x.name for x in client.express_route_circuits.list_all()] == listed)
check("get peering", client.express_route_circuit_peerings.get(RG, CIRCUIT, PEERING).peer_asn ==
      wp["peerAsn"])


# Route tables and summary: both LRO modes. The initial answer's status shows which one ran.
def lro(begin, mode, *args):
    statuses = []
    kwargs = {"raw_response_hook": lambda r: statuses.append(r.http_response.status_code)}
    if mode:
        kwargs["headers"] = {"x-msee-lro": mode}
    result = begin(RG, CIRCUIT, PEERING, *args, **kwargs).result()
    return result, statuses[0] if statuses else None


for path, mode, code in (("primary", None, 202), ("secondary", "sync", 200)):
    t, status = lro(client.express_route_circuits.begin_list_routes_table, mode, path)
    got = sorted((r.network, r.next_hop, r.loc_prf, r.weight, r.path) for r in t.value)
    exp = sorted((r["network"], r["nextHop"], r["locPrf"], r["weight"], r["path"])
                 for r in rows("list-route-tables", path))
    check(f"list route table {path} ({code} {'+ Location polled' if code == 202 else 'at once'}) "
          f"matches msee-ctl list-route-tables ({len(exp)} rows)",
          status == code and got == exp and len(exp) > 0, (status, got, exp))
for path, mode, code in (("primary", "sync", 200), ("secondary", None, 202)):
    s, status = lro(client.express_route_circuits.begin_list_routes_table_summary, mode, path)
    got = [(r.neighbor, r.v, r.as_property, r.state_pfx_rcd) for r in s.value]
    exp = [(r["neighbor"], r["v"], r["as"], r["statePfxRcd"])
           for r in rows("list-route-tables-summary", path)]
    check(f"route table summary {path} ({code}) matches msee-ctl list-route-tables-summary",
          status == code and got == exp and len(exp) > 0, (status, got, exp))
a, status = lro(client.express_route_circuits.begin_list_arp_table, None, "primary")
check("ARP table primary (202) matches msee-ctl list-arp-tables",
      [(r.interface, r.ip_address, r.mac_address) for r in a.value] ==
      [(r["interface"], r["ipAddress"], r["macAddress"]) for r in rows("list-arp-tables", "primary")],
      a.as_dict())


# Disable the peering, then enable it again (PUT, applied by difference like a reload).
def sessions():
    return {s["path"]: s for s in ctl("sessions")["value"] if s["peeringType"] == PEERING}


def wait(pred, secs):
    end = time.time() + secs
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.3)
    return pred()


for state, mode in (("Disabled", None), ("Enabled", "sync")):
    peering = client.express_route_circuit_peerings.get(RG, CIRCUIT, PEERING)
    peering.state = state
    statuses = []
    kwargs = {"raw_response_hook": lambda r: statuses.append(r.http_response.status_code)}
    if mode:
        kwargs["headers"] = {"x-msee-lro": mode}
    done = client.express_route_circuit_peerings.begin_create_or_update(
        RG, CIRCUIT, PEERING, peering, **kwargs).result()
    shown = client.express_route_circuit_peerings.get(RG, CIRCUIT, PEERING)
    ctl_state = ctl("show", "--circuit", CIRCUIT)["peerings"][0]["state"]
    check(f"PUT peering state={state}: the poller's result, a new GET and msee-ctl show agree",
          (done.state, shown.state, ctl_state, done.provisioning_state) ==
          (state, state, state, "Succeeded"), (done.state, shown.state, ctl_state, statuses))
    if state == "Disabled":
        check("disabled: msee-ctl sessions shows both MSEE sessions administratively down",
              wait(lambda: all(s["adminState"] == "Down" and s["state"] != "Established"
                               for s in sessions().values()), 10), sessions())
    else:
        check("enabled again: both sessions back to Established with the CE",
              wait(lambda: all(s["state"] == "Established" for s in sessions().values()), 40),
              sessions())

print(f"{len(FAILS)} SDK check(s) failed" if FAILS else "all SDK checks passed", flush=True)
sys.exit(1 if FAILS else 0)
