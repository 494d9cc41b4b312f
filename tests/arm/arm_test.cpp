// The ARM endpoint's routing (ArmServer::handle) against an emulator that is built but not
// started, with keys in a temporary state directory: the token issuer and the token checks
// (signature, expiry, audience → ARM's 401 codes), the REST spec's shapes, ARM's 404 codes,
// both long-running modes, PUT peering by difference; base64url and scope parsing.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "arm/arm.hpp"
#include "arm/token.hpp"
#include "msee/config/config.hpp"

using namespace msee;
using json = nlohmann::json;

namespace {
const char* kConfig = R"({
  "emulator": {"addressing": "loopback"},
  "circuits": [{"name": "ckt", "sku": {"tier": "Standard"},
    "id": "/subscriptions/5ub/resourceGroups/Rg1/providers/Microsoft.Network/expressRouteCircuits/ckt",
    "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
    "peerings": [{"peeringType": "AzurePrivatePeering", "peerASN": 65001, "vlanId": 100,
      "sharedKey": "TopSecret1", "primaryPeerAddressPrefix": "192.168.1.0/30",
      "secondaryPeerAddressPrefix": "192.168.1.4/30",
      "emulation": {"loopback": {"primaryPeerAddressPrefix": "127.46.0.0/30",
                                 "secondaryPeerAddressPrefix": "127.46.0.4/30"}}}],
    "vnets": [{"name": "hub", "region": "westeurope", "addressPrefixes": ["10.1.0.0/16"]}]}]})";
const std::string kCircuit =
    "/subscriptions/5ub/resourceGroups/rg1/providers/Microsoft.Network/expressRouteCircuits/ckt";

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("msee-arm-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

struct Fixture {
  boost::asio::io_context io;
  speaker::EventLog events;
  emulator::Emulator emulator{io, *config::parse_emulator_config(kConfig),
                              msee::builtin_catalogue(), events};
  std::string dir = temp_dir();
  arm::ArmServer server{io, emulator, api::ApiConfig{}, [this] {
                          arm::ArmConfig c;
                          c.port = 0;  // an ephemeral loopback port; never served here
                          c.state_dir = dir;
                          c.apply = [this](msee::EmulatorConfig cfg) {
                            return emulator.reload(std::move(cfg), msee::builtin_catalogue());
                          };
                          return c;
                        }()};
  Fixture() { REQUIRE(server.start()); }
  ~Fixture() {
    server.stop();
    std::filesystem::remove_all(dir);
  }
  std::string secret() const {
    std::ifstream in(dir + "/client-secret");
    std::string s;
    in >> s;
    return s;
  }
  arm::ArmResponse call(const std::string& method, const std::string& target,
                        const std::string& auth = "", const std::string& body = "",
                        const std::string& lro = "") {
    return server.handle({method, target, "127.0.0.1:8443", auth, "", body, lro});
  }
  std::string token(const std::string& scope = "https://management.core.windows.net/.default") {
    auto r = call("POST", "/adfs/oauth2/token", "",
                  "grant_type=client_credentials&client_id=msee-emu&client_secret=" + secret() +
                      "&scope=" + scope);
    REQUIRE(r.status == 200);
    return "Bearer " + json::parse(r.body)["access_token"].get<std::string>();
  }
  std::string code(const arm::ArmResponse& r) { return json::parse(r.body)["error"]["code"]; }
};
}  // namespace

TEST_CASE("ARM: base64url and scopes", "[arm]") {
  for (const auto& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    CHECK(arm::base64url_decode(arm::base64url(s)) == s);
  }
  CHECK(arm::base64url("\xfb\xff") == "-_8");
  CHECK_FALSE(arm::base64url_decode("a=b"));
  CHECK(arm::audience_of_scope("https://management.core.windows.net//.default") ==
        "https://management.core.windows.net/");
  CHECK(arm::audience_of_scope("https://x/.default offline_access") == "https://x");
}

TEST_CASE("ARM: the token endpoint, and tokens checked for signature, expiry, audience", "[arm]") {
  Fixture f;
  auto good = f.token();
  CHECK(f.call("GET", kCircuit, good).status == 200);
  auto bad_secret = f.call("POST", "/adfs/oauth2/token", "",
                           "grant_type=client_credentials&client_id=msee-emu&client_secret=no");
  CHECK(bad_secret.status == 401);
  CHECK(json::parse(bad_secret.body)["error"] == "invalid_client");
  auto r = f.call("GET", kCircuit);
  CHECK((r.status == 401 && f.code(r) == "AuthenticationFailed"));
  r = f.call("GET", kCircuit, "Bearer abc.def.ghi");
  CHECK((r.status == 401 && f.code(r) == "InvalidAuthenticationToken"));
  auto tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  r = f.call("GET", kCircuit, tampered);
  CHECK((r.status == 401 && f.code(r) == "InvalidAuthenticationToken"));
  r = f.call("GET", kCircuit, f.token("https://graph.microsoft.com/.default"));
  CHECK((r.status == 401 && f.code(r) == "InvalidAuthenticationTokenAudience"));
  auto pki = arm::Pki::open(f.dir, "127.0.0.1");
  REQUIRE(pki);
  auto past = std::chrono::system_clock::now() - std::chrono::hours(2);
  auto expired = arm::issue_token(*pki, {"iss", "https://management.core.windows.net/", "msee-emu",
                                         "t", past, past + std::chrono::hours(1)});
  r = f.call("GET", kCircuit, "Bearer " + expired);
  CHECK((r.status == 401 && f.code(r) == "ExpiredAuthenticationToken"));
}

TEST_CASE("ARM: the REST spec's shapes and ARM's 404 codes", "[arm]") {
  Fixture f;
  auto t = f.token();
  auto r = f.call("GET", kCircuit + "?api-version=2022-07-01", t);
  REQUIRE(r.status == 200);
  auto c = json::parse(r.body);
  CHECK(c["properties"]["peerings"][0]["properties"]["peerASN"] == 65001);
  CHECK(c["properties"]["peerings"][0]["properties"]["azureASN"] == 12076);
  CHECK(c["sku"]["tier"] == "Standard");
  CHECK(r.body.find("TopSecret1") == std::string::npos);
  CHECK(r.body.find("peerAsn") == std::string::npos);
  CHECK(f.code(f.call("GET", "/subscriptions/other/resourceGroups/rg1/providers/"
                             "Microsoft.Network/expressRouteCircuits/ckt", t)) == "SubscriptionNotFound");
  CHECK(f.code(f.call("GET", "/subscriptions/5ub/resourceGroups/x/providers/"
                             "Microsoft.Network/expressRouteCircuits/ckt", t)) == "ResourceGroupNotFound");
  CHECK(f.code(f.call("GET", kCircuit + "x", t)) == "ResourceNotFound");
  CHECK(f.code(f.call("GET", kCircuit + "/peerings/MicrosoftPeering", t)) == "NotFound");
  CHECK(f.call("DELETE", kCircuit, t).status == 405);
  CHECK(f.code(f.call("GET", kCircuit + "/stats", t)) == "NotFound");  // not served through ARM
}

TEST_CASE("ARM: long-running route tables, 200 at once or 202 + Location", "[arm]") {
  Fixture f;
  auto t = f.token();
  auto path = kCircuit + "/peerings/AzurePrivatePeering/routeTables/primary?api-version=1";
  auto now = f.call("POST", path, t, "", "sync");
  REQUIRE(now.status == 200);
  auto later = f.call("POST", path, t);
  REQUIRE(later.status == 202);
  REQUIRE(later.headers.at(0).first == "Location");
  auto loc = later.headers.at(0).second;
  REQUIRE(loc.starts_with("https://127.0.0.1:8443/subscriptions/5ub/providers/Microsoft.Network/"
                          "locations/westeurope/operationResults/"));
  auto polled = f.call("GET", loc.substr(std::string("https://127.0.0.1:8443").size()), t);
  CHECK(polled.status == 200);
  CHECK(json::parse(polled.body) == json::parse(now.body));
  CHECK(json::parse(now.body)["value"].size() == 2);  // the VNet via two gateway instances
}

TEST_CASE("ARM: PUT peering applies by difference, and bad bodies change nothing", "[arm]") {
  Fixture f;
  auto t = f.token();
  auto url = kCircuit + "/peerings/AzurePrivatePeering";
  auto p = json::parse(f.call("GET", url, t).body);
  p["properties"]["state"] = "Disabled";
  auto r = f.call("PUT", url, t, p.dump(), "sync");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["properties"]["state"] == "Disabled");
  CHECK(json::parse(f.call("GET", url, t).body)["properties"]["state"] == "Disabled");
  CHECK(f.emulator.config().circuits[0].peerings[0].shared_key == "TopSecret1");  // "********" kept it
  p["properties"]["vlanId"] = "x";
  CHECK(f.call("PUT", url, t, p.dump()).status == 400);
  p["properties"]["vlanId"] = 100;
  p["properties"]["primaryPeerAddressPrefix"] = "192.168.1.0/29";  // R9: a /30
  r = f.call("PUT", url, t, p.dump());
  CHECK((r.status == 400 && f.code(r) == "InvalidRequestFormat"));
  CHECK(f.call("PUT", url, t, "[1]").status == 400);
  CHECK(f.emulator.config().circuits[0].peerings[0].primary_peer_address_prefix->to_string() ==
        "192.168.1.0/30");
}
