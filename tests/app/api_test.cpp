// REST API routing (handle_api_request) against an emulator that is built but not started:
// Azure's shapes, error statuses with Azure-style bodies, the bearer token, and that the MD5
// key never appears.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include "app/api.hpp"
#include "app/circuit_config.hpp"

using namespace msee;
using json = nlohmann::json;

namespace {
const char* kConfig = R"({
  "emulator": {"addressing": "loopback"},
  "circuits": [{"name": "ckt", "sku": {"tier": "Standard"},
    "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
    "peerings": [{"peeringType": "AzurePrivatePeering", "peerASN": 65001, "vlanId": 100,
      "sharedKey": "TopSecret1", "primaryPeerAddressPrefix": "192.168.1.0/30",
      "secondaryPeerAddressPrefix": "192.168.1.4/30",
      "emulation": {"loopback": {"primaryPeerAddressPrefix": "127.45.0.0/30",
                                 "secondaryPeerAddressPrefix": "127.45.0.4/30"}}}],
    "vnets": [{"name": "hub", "region": "westeurope", "addressPrefixes": ["10.1.0.0/16"]}]}]})";

struct Fixture {
  boost::asio::io_context io;
  app::EventLog events;
  app::Emulator emulator{io, *app::parse_emulator_config(kConfig), er::builtin_catalogue(),
                         events};
  app::ApiConfig config;
  app::ApiResponse get(const std::string& target, const std::string& auth = "") {
    return app::handle_api_request(emulator, config, {"GET", target, auth},
                                   std::chrono::steady_clock::now());
  }
};
}  // namespace

TEST_CASE("API: list-route-tables and summary in az's shapes (R82, R83)", "[api]") {
  Fixture f;
  auto rt = f.get("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary");
  REQUIRE(rt.status == 200);
  auto j = json::parse(rt.body);
  REQUIRE(j["value"].size() == 2);  // the VNet via two gateway instances; no CE routes yet
  CHECK(j["value"][0] == json{{"network", "10.1.0.0/16"}, {"nextHop", "10.1.0.4"},
                              {"locPrf", ""}, {"weight", 0}, {"path", "65515"}});
  auto sum = f.get("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTablesSummary?path=Secondary");
  REQUIRE(sum.status == 200);
  auto s = json::parse(sum.body);
  CHECK(s["value"][0]["neighbor"] == "127.45.0.5");
  CHECK(s["value"][0]["as"] == 65001);
  CHECK(s["value"][0]["statePfxRcd"] == "Idle");  // never started
}

TEST_CASE("API: errors carry a status and an Azure-style message", "[api]") {
  Fixture f;
  auto check = [&](const std::string& target, unsigned status, const std::string& text) {
    auto r = f.get(target);
    INFO(target << " -> " << r.body);
    CHECK(r.status == status);
    auto j = json::parse(r.body);
    CHECK(j["error"]["message"].get<std::string>().find(text) != std::string::npos);
  };
  check("/v1/circuits/nope", 404, "no circuit named 'nope'");
  check("/v1/circuits/ckt/peerings/MicrosoftPeering/routeTables?path=primary", 404,
        "has no peering 'MicrosoftPeering'");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables", 400, "'path' parameter");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=x", 400,
        "primary or secondary");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary&family=ipv5",
        400, "ipv4 or ipv6");
  check("/v1/circuits/ckt/peerings/AzurePrivatePeering/routeTables?path=primary&family=ipv6",
        404, "no ipv6 sessions");
  check("/v1/circuits/%zz", 400, "percent-encoding");
  check("/nothing", 404, "/v1");
  auto post = app::handle_api_request(f.emulator, f.config, {"POST", "/v1/circuits", ""},
                                      std::chrono::steady_clock::now());
  CHECK(post.status == 405);
}

TEST_CASE("API: a configured token is required on every request", "[api]") {
  Fixture f;
  f.config.token = "t0k3n";
  CHECK(f.get("/v1/circuits").status == 401);
  CHECK(f.get("/v1/circuits", "Bearer wrong").status == 401);
  CHECK(f.get("/v1/circuits", "Bearer t0k3n").status == 200);
  CHECK(f.get("/metrics", "Bearer t0k3n").status == 200);
}

TEST_CASE("API: the MD5 key appears in no output", "[api]") {
  Fixture f;
  for (const char* t : {"/v1/circuits", "/v1/circuits/ckt", "/v1/sessions", "/metrics"}) {
    auto r = f.get(t);
    INFO(t);
    CHECK(r.status == 200);
    CHECK(r.body.find("TopSecret1") == std::string::npos);
  }
  auto j = json::parse(f.get("/v1/circuits/ckt").body);
  CHECK(j["peerings"][0]["sharedKeyConfigured"] == true);
}
