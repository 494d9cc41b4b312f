"""bench/benchlib/api_setup.py - the lab api_latency.py builds, and how it talks about it.

Owns: the topology (one Premium circuit with private peering on 127.47.0.0/29, the API
address), the endpoints measured and their order in the client's cycle, the generated
msee-emu circuit config and the CE's BIRD config (N static /24s on both sessions), the two
errors (run failed, environment unusable) and the progress lines on stderr.
"""
import sys
import time

# ----------------------------------------------------------------------------------- topology
CIRCUIT = "er-apibench"
PEERING = "AzurePrivatePeering"
CE_ASN = 65001
MSEE_ASN = 12076
LINKS = {"primary": ("127.47.0.1", "127.47.0.2"), "secondary": ("127.47.0.5", "127.47.0.6")}
LOOPBACK_PREFIXES = ("127.47.0.0/30", "127.47.0.4/30")
VNET_PREFIX = "10.1.0.0/16"            # two gateway rows (AS 65515) in every routeTables answer
ROUTE_BASE = 0x64400000                # 100.64.0.0: route i is the /24 at 100.64.0.0 + i*256
PREMIUM_IPV4_LIMIT = 10000             # R36: Premium private peering IPv4
DEFAULT_API = "127.47.0.100:18190"
SMALL = ("summary", "sessions", "metrics")
ENDPOINT_ORDER = ("summary", "sessions", "metrics", "routeTables", "summary/2nd")
PHASE_ORDER = ("baseline", "loading", "steady", "churn")


def path_of(endpoint, path="primary"):
    base = f"/v1/circuits/{CIRCUIT}/peerings/{PEERING}"
    return {"summary": f"{base}/routeTablesSummary?path={path}",
            "routeTables": f"{base}/routeTables?path={path}",
            "sessions": "/v1/sessions",
            "metrics": "/metrics"}[endpoint]


MIX = ["summary", "sessions", "metrics"] * 3 + ["routeTables"]   # every 10th: the full table


def say(msg):
    print(f"[api_latency {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class RunError(Exception):
    """The run failed (exit 1)."""


class EnvError(Exception):
    """The environment cannot run the benchmark (exit 2)."""


# ------------------------------------------------------------------------------------ configs
def circuit_config(n_routes):
    peering = {
        "peeringType": PEERING,
        "state": "Enabled",
        "peerASN": CE_ASN,
        "primaryPeerAddressPrefix": "192.168.47.0/30",
        "secondaryPeerAddressPrefix": "192.168.47.4/30",
        "vlanId": 100,
        "emulation": {"loopback": {"primaryPeerAddressPrefix": LOOPBACK_PREFIXES[0],
                                   "secondaryPeerAddressPrefix": LOOPBACK_PREFIXES[1]}},
    }
    if n_routes > PREMIUM_IPV4_LIMIT:
        peering["emulation"]["maxPrefixes"] = {"ipv4": n_routes}
    return {
        "description": "bench/api_latency.py: Premium private peering on loopback, CE = BIRD",
        "emulator": {"addressing": "loopback"},
        "circuits": [{
            "name": CIRCUIT,
            "serviceKey": "00000000-0000-4000-8000-000000000047",
            "sku": {"name": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"},
            "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                          "peeringLocation": "Amsterdam",
                                          "bandwidthInMbps": 1000},
            "peerings": [peering],
            "vnets": [{"name": "hub-vnet", "region": "westeurope",
                       "addressPrefixes": [VNET_PREFIX]}],
        }],
    }


def route_text(i):
    a = ROUTE_BASE + i * 256
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.0/24"


def bird_config(n_routes, workdir):
    ce_p, msee_p = LINKS["primary"]
    ce_s, msee_s = LINKS["secondary"]
    c = [f'log "{workdir}/bird.log" {{ warning, error, fatal }};',
         f"router id {ce_p};",
         "protocol device { }",
         "protocol static big4 {", "  ipv4;"]
    c += [f"  route {route_text(i)} blackhole;" for i in range(n_routes)]
    c += ["}",
          "template bgp msee {",
          f"  local as {CE_ASN};",
          "  strict bind yes; multihop;",
          "  hold time 180; connect delay time 1; connect retry time 2; error wait time 1, 5;",
          '  ipv4 { import all; export where proto = "big4"; };',
          "}",
          f"protocol bgp msee_primary from msee {{ local {ce_p}; neighbor {msee_p} as {MSEE_ASN}; }}",
          f"protocol bgp msee_secondary from msee {{ local {ce_s}; neighbor {msee_s} as {MSEE_ASN}; }}"]
    return "\n".join(c) + "\n"
