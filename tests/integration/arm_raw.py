"""Raw HTTPS requests to msee-emu's ARM endpoint (standard library + python3-cryptography, which
Debian's python3-azure pulls in): what Azure's clients never send on purpose. Tokens that are
missing, tampered with, expired (signed with the emulator's own key from the state directory, so
only the expiry is wrong) or for another audience get 401 with ARM's codes; unknown
subscriptions, resource groups, circuits and peerings get 404 with ARM's codes; a wrong client
secret gets OAuth's invalid_client; a PUT that breaks Azure's rules is refused and changes
nothing.

  arm_raw.py BASE_URL STATE_DIR SUBSCRIPTION RESOURCE_GROUP CIRCUIT
"""
import base64
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

BASE, STATE, SUB, RG, CIRCUIT = sys.argv[1:6]
AUDIENCE = "https://management.core.windows.net/"
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
    try:
        return r.status, json.loads(data) if data else None, dict(r.getheaders())
    except ValueError:
        return r.status, data, dict(r.getheaders())


secret = open(os.path.join(STATE, "client-secret")).read().strip()


def token(scope=AUDIENCE + ".default", client_secret=secret):
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "msee-emu",
                                   "client_secret": client_secret, "scope": scope})
    return request("POST", "/adfs/oauth2/token", form,
                   {"Content-Type": "application/x-www-form-urlencoded"})


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims):
    """A JWT signed with the emulator's own key: valid but for the claims we choose."""
    key = serialization.load_pem_private_key(
        open(os.path.join(STATE, "token-signing-key.pem"), "rb").read(), password=None)
    head = b64(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(sig)}"


CIRCUITS = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/expressRouteCircuits"
V = "?api-version=2022-07-01"

status, doc, _ = request("GET", "/adfs/.well-known/openid-configuration")
check("openid-configuration names the token endpoint under /adfs",
      status == 200 and doc["token_endpoint"] == BASE + "/adfs/oauth2/token", doc)
status, doc, _ = request("GET", "/metadata/endpoints?api-version=2015-01-01")
check("metadata/endpoints: loginEndpoint .../adfs and the audience",
      status == 200 and doc["authentication"]["loginEndpoint"] == BASE + "/adfs" and
      doc["authentication"]["audiences"] == [AUDIENCE], doc)

status, good, _ = token()
check("token endpoint: client_credentials with the right secret gives a Bearer token",
      status == 200 and good["token_type"] == "Bearer" and good["expires_in"] > 0, good)
good = good["access_token"]
status, doc, _ = request("GET", CIRCUITS + "/" + CIRCUIT + V, headers={"Authorization": "Bearer " + good})
check("GET circuit with that token: 200, the REST spec's shape (properties, peerASN)",
      status == 200 and doc["name"] == CIRCUIT and
      doc["properties"]["peerings"][0]["properties"]["peerASN"] > 0 and
      "resourceGroup" not in doc and "peerAsn" not in json.dumps(doc), doc)

status, doc, _ = token(client_secret="not-the-secret")
check("token endpoint: a wrong client secret is invalid_client (401)",
      status == 401 and doc["error"] == "invalid_client", (status, doc))
status, doc, _ = request("POST", "/adfs/oauth2/token", "grant_type=password&username=x",
                         {"Content-Type": "application/x-www-form-urlencoded"})
check("token endpoint: another grant type is unsupported_grant_type (400)",
      status == 400 and doc["error"] == "unsupported_grant_type", (status, doc))


def arm_401(what, auth, code):
    headers = {"Authorization": auth} if auth is not None else {}
    status, doc, hdrs = request("GET", CIRCUITS + "/" + CIRCUIT + V, headers=headers)
    got = doc.get("error", {}).get("code") if isinstance(doc, dict) else doc
    check(f"{what}: 401 {code}", status == 401 and got == code and
          "WWW-Authenticate" in hdrs, (status, doc))


now = int(time.time())
claims = {"aud": AUDIENCE, "iss": BASE + "/adfs", "iat": now, "nbf": now, "exp": now + 600,
          "appid": "msee-emu", "tid": "x"}
arm_401("no Authorization header", None, "AuthenticationFailed")
arm_401("not a bearer token", "Basic Zm9vOmJhcg==", "AuthenticationFailed")
arm_401("garbage token", "Bearer not.a.jwt", "InvalidAuthenticationToken")
h, p, s = good.split(".")
arm_401("tampered token (payload changed, signature kept)",
        "Bearer " + h + "." + b64(json.dumps(dict(claims, aud=AUDIENCE, exp=now + 99999)).encode()) + "." + s,
        "InvalidAuthenticationToken")
arm_401("expired token (right key, exp an hour ago)",
        "Bearer " + sign(dict(claims, iat=now - 7200, nbf=now - 7200, exp=now - 3600)),
        "ExpiredAuthenticationToken")
status, other, _ = token(scope="https://graph.microsoft.com/.default")
arm_401("token issued for another audience (graph)", "Bearer " + other["access_token"],
        "InvalidAuthenticationTokenAudience")
check("the same claims with the right audience and expiry pass",
      request("GET", CIRCUITS + "/" + CIRCUIT + V,
              headers={"Authorization": "Bearer " + sign(claims)})[0] == 200)

auth = {"Authorization": "Bearer " + good}
for what, path, code in (
        ("unknown subscription", CIRCUITS.replace(SUB, "11111111-2222-3333-4444-555555555555") + "/" + CIRCUIT,
         "SubscriptionNotFound"),
        ("unknown resource group", CIRCUITS.replace(RG, "no-such-rg") + "/" + CIRCUIT, "ResourceGroupNotFound"),
        ("unknown circuit", CIRCUITS + "/no-such-circuit", "ResourceNotFound"),
        ("unknown peering", CIRCUITS + "/" + CIRCUIT + "/peerings/MicrosoftPeering", "NotFound"),
        ("unknown path", "/subscriptions/" + SUB + "/providers/Microsoft.Compute/virtualMachines", "NotFound")):
    status, doc, _ = request("GET", path + V, headers=auth)
    check(f"{what}: 404 {code}", status == 404 and doc["error"]["code"] == code, (status, doc))
status, doc, _ = request("POST", CIRCUITS + "/" + CIRCUIT + "/peerings/AzurePrivatePeering/routeTables/middle" + V,
                         headers=auth)
check("route table of a device path that is neither primary nor secondary: 400",
      status == 400 and "error" in doc, (status, doc))

# A PUT Azure's rules refuse (R9: the primary /30 must be a /30) changes nothing.
status, peering, _ = request("GET", CIRCUITS + "/" + CIRCUIT + "/peerings/AzurePrivatePeering" + V, headers=auth)
bad = json.loads(json.dumps(peering))
bad["properties"]["primaryPeerAddressPrefix"] = "10.9.9.0/29"
status, doc, _ = request("PUT", CIRCUITS + "/" + CIRCUIT + "/peerings/AzurePrivatePeering" + V,
                         json.dumps(bad), dict(auth, **{"Content-Type": "application/json"}))
after = request("GET", CIRCUITS + "/" + CIRCUIT + "/peerings/AzurePrivatePeering" + V, headers=auth)[1]
check("PUT with a /29 as the primary peer prefix: 400 with the rule, nothing changed",
      status == 400 and "error" in doc and
      after["properties"]["primaryPeerAddressPrefix"] == peering["properties"]["primaryPeerAddressPrefix"],
      (status, doc))
status, doc, _ = request("PUT", CIRCUITS + "/" + CIRCUIT + "/peerings/AzurePrivatePeering" + V,
                         "{not json", dict(auth, **{"Content-Type": "application/json"}))
check("PUT with a body that is not JSON: 400 InvalidRequestFormat",
      status == 400 and doc["error"]["code"] == "InvalidRequestFormat", (status, doc))

print(f"{len(FAILS)} raw check(s) failed" if FAILS else "all raw checks passed", flush=True)
sys.exit(1 if FAILS else 0)
