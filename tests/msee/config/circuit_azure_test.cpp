// Loading ExpressRoute circuit configs (msee/config/config.hpp) in the shapes Azure prints:
// `az network express-route show/list` output, az route filter ids, Global Reach from az
// "connections" (R74), az VNet objects, an ARM circuit resource and an ARM deployment template
// with child peering resources (R7). The native format is in circuit_config_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "msee/config/config.hpp"

#include "../fixtures.hpp"
#include "circuit_samples.hpp"

using namespace msee;
using namespace msee::config;
namespace wire = msee::bgp::wire;

namespace {

using test::comm, test::dump, test::has_error, test::pfx;
using test::kAzShow;

}  // namespace

// ---------------------------------------------------------------------------------------------
// az CLI and ARM shapes

TEST_CASE("R7: az network express-route show output loads, read-only fields ignored",
          "[circuit-config]") {
  // MSEE: R7 — "peerAsn" spelling, serviceProviderProperties, etag/provisioningState/... ignored.
  auto r = parse_emulator_config(kAzShow);
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  REQUIRE(r->circuits.size() == 1);
  const auto& c = r->circuits[0];
  CHECK(c.name == "ckt-az");
  CHECK(c.service_key == "00000000-0000-4000-8000-0000000000aa");
  CHECK(c.sku_tier == msee::SkuTier::Standard);
  CHECK(c.bandwidth_in_mbps == 200);
  CHECK(c.peering_location == "Amsterdam");
  REQUIRE(c.peerings.size() == 1);
  CHECK(c.peerings[0].peer_asn == 65001);
  CHECK(c.peerings[0].peering_type == msee::PeeringType::AzurePrivatePeering);
  CHECK(c.peerings[0].shared_key.empty());
  CHECK_FALSE(c.peerings[0].microsoft_peering_config);
  CHECK_FALSE(c.peerings[0].ipv6_peering_config);
  CHECK(c.peerings[0].source.path == "/peerings/0");
}

TEST_CASE("R7: an az list array loads every circuit", "[circuit-config]") {
  // MSEE: R7
  std::string second = kAzShow;
  auto at = second.find("\"name\": \"ckt-az\"");
  second.replace(at, std::string("\"name\": \"ckt-az\"").size(), "\"name\": \"ckt-az2\"");
  auto link = second.find("192.168.100.128/30");
  second.replace(link, 18, "192.168.200.128/30");
  link = second.find("192.168.100.132/30");
  second.replace(link, 18, "192.168.200.132/30");
  auto r = parse_emulator_config("[" + std::string(kAzShow) + "," + second + "]");
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  REQUIRE(r->circuits.size() == 2);
  CHECK(r->circuits[1].name == "ckt-az2");
  CHECK(r->circuits[1].source.path == "/1");
}

TEST_CASE("R77: an az routeFilter {id} is read as the filter's name", "[circuit-config]") {
  // MSEE: R77 — az output carries no route filter definitions, so the reference names a filter
  // the file does not hold: the error shows the name read from the id.
  std::string az = kAzShow;
  auto at = az.find("\"peerings\": [");
  az.insert(at + std::string("\"peerings\": [").size(), R"(
    {"name": "MicrosoftPeering", "peeringType": "MicrosoftPeering", "peerAsn": 12345,
     "primaryPeerAddressPrefix": "80.81.0.0/30", "secondaryPeerAddressPrefix": "80.81.0.4/30",
     "vlanId": 300, "state": "Enabled", "provisioningState": "Succeeded", "etag": "x",
     "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["80.81.1.0/24"],
                                "advertisedPublicPrefixesState": "Configured",
                                "advertisedCommunities": [], "customerAsn": 0,
                                "legacyMode": 0, "routingRegistryName": "RIPENCC"},
     "routeFilter": {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeFilters/x",
                     "resourceGroup": "rg"}},)");
  auto r = parse_emulator_config(az);
  REQUIRE_FALSE(r.has_value());
  INFO(dump(r.error()));
  CHECK(r.error().size() == 1);
  CHECK(has_error(r.error(), "/peerings/0/routeFilter", "\"x\""));
  // The message says what to do with the filter a user has.
  CHECK(has_error(r.error(), "/peerings/0/routeFilter", "az network route-filter show"));
  CHECK(has_error(r.error(), "/peerings/0/routeFilter", "\"routeFilters\""));

  SECTION("az route-filter show output pasted beside the circuit resolves the id") {
    std::string with = az;
    with.insert(with.find('{') + 1, R"(
  "routeFilters": [{
    "etag": "W/\"2\"", "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeFilters/x",
    "ipv6Peerings": [], "location": "westeurope", "name": "x", "peerings": [],
    "provisioningState": "Succeeded", "resourceGroup": "rg",
    "rules": [{"access": "Allow", "communities": ["12076:51002", "12076:51004"],
               "etag": "W/\"2\"", "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeFilters/x/routeFilterRules/r1",
               "name": "r1", "provisioningState": "Succeeded", "resourceGroup": "rg",
               "routeFilterRuleType": "Community"}],
    "tags": {}, "type": "Microsoft.Network/routeFilters"}],)");
    auto ok = parse_emulator_config(with);
    INFO((ok ? std::string() : dump(ok.error())));
    REQUIRE(ok.has_value());
    REQUIRE(ok->route_filters.size() == 1);
    CHECK(ok->route_filters[0].name == "x");
    CHECK(ok->route_filters[0].communities ==
          std::vector<wire::Community>{comm(12076, 51002), comm(12076, 51004)});
    CHECK(ok->circuits[0].peerings[0].route_filter == "x");
  }
  SECTION("routeFilters that is not an array is an error at its path") {
    std::string bad = az;
    bad.insert(bad.find('{') + 1, R"("routeFilters": {"name": "x"},)");
    auto e = parse_emulator_config(bad);
    REQUIRE_FALSE(e.has_value());
    CHECK(has_error(e.error(), "/routeFilters", "must be an array"));
  }
}

TEST_CASE("R74: Global Reach from az connections names the peer circuit", "[circuit-config]") {
  // MSEE: R74 — peerExpressRouteCircuitPeering.id → circuit name; addressPrefix the /29.
  std::string a = kAzShow;
  auto at = a.find("\"connections\": []");
  a.replace(at, std::string("\"connections\": []").size(), R"("connections": [{
      "name": "gr-ams-lon",
      "addressPrefix": "192.168.250.0/29",
      "authorizationKey": null,
      "circuitConnectionStatus": "Connected",
      "etag": "W/\"1\"",
      "expressRouteCircuitPeering": {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/ckt-az/peerings/AzurePrivatePeering"},
      "peerExpressRouteCircuitPeering": {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/ckt-lon/peerings/AzurePrivatePeering"},
      "provisioningState": "Succeeded",
      "type": "Microsoft.Network/expressRouteCircuits/peerings/connections"
  }])");
  std::string b = kAzShow;
  b.replace(b.find("\"name\": \"ckt-az\""), std::string("\"name\": \"ckt-az\"").size(),
            "\"name\": \"ckt-lon\"");
  b.replace(b.find("\"peeringLocation\": \"Amsterdam\""),
            std::string("\"peeringLocation\": \"Amsterdam\"").size(),
            "\"peeringLocation\": \"London\"");
  b.replace(b.find("192.168.100.128/30"), 18, "192.168.200.128/30");
  b.replace(b.find("192.168.100.132/30"), 18, "192.168.200.132/30");
  auto r = parse_emulator_config("[" + a + "," + b + "]");
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  REQUIRE(r->circuits[0].global_reach.size() == 1);
  const auto& g = r->circuits[0].global_reach[0];
  CHECK(g.peer_circuit == "ckt-lon");
  CHECK(g.address_prefix == pfx("192.168.250.0/29"));
  CHECK(g.source.path == "/0/peerings/0/connections/0");
  CHECK(r->circuits[1].global_reach.empty());
}

TEST_CASE("R7: an ARM circuit resource with properties loads, errors at ARM paths",
          "[circuit-config]") {
  // MSEE: R7, R9
  const std::string arm = R"({
    "type": "Microsoft.Network/expressRouteCircuits",
    "apiVersion": "2023-09-01",
    "name": "ckt-arm",
    "location": "westeurope",
    "tags": {},
    "sku": {"name": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"},
    "properties": {
      "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                    "peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
      "allowClassicOperations": false,
      "peerings": [{
        "name": "AzurePrivatePeering",
        "properties": {"peeringType": "AzurePrivatePeering", "peerASN": 65001,
                       "primaryPeerAddressPrefix": "PRIMARY",
                       "secondaryPeerAddressPrefix": "192.168.100.132/30", "vlanId": 100,
                       "state": "Enabled", "azureASN": 12076}
      }]
    }
  })";
  auto with = [&](const char* primary) {
    std::string s = arm;
    s.replace(s.find("PRIMARY"), 7, primary);
    return s;
  };
  auto r = parse_emulator_config(with("192.168.100.128/30"));
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  const auto& c = r->circuits.at(0);
  CHECK(c.name == "ckt-arm");
  CHECK(c.sku_tier == msee::SkuTier::Premium);
  CHECK(c.peering_location == "Amsterdam");
  REQUIRE(c.peerings.size() == 1);
  CHECK(c.peerings[0].peer_asn == 65001);
  CHECK(c.peerings[0].source.path == "/properties/peerings/0/properties");
  auto bad = parse_emulator_config(with("192.168.100.128/29"));
  REQUIRE_FALSE(bad.has_value());
  INFO(dump(bad.error()));
  CHECK(has_error(bad.error(), "/properties/peerings/0/properties/primaryPeerAddressPrefix",
                  "R9"));
}

TEST_CASE("R7: an ARM template with child peering resources and a route filter loads",
          "[circuit-config]") {
  // MSEE: R7, R77 — "ckt/AzurePrivatePeering" names both the circuit and the peering type.
  auto r = parse_emulator_config(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {},
    "resources": [
      {"type": "Microsoft.Network/routeFilters", "apiVersion": "2023-09-01", "name": "rf",
       "location": "westeurope",
       "properties": {"rules": [{"name": "allow-we",
                                 "properties": {"access": "Allow",
                                                "routeFilterRuleType": "Community",
                                                "communities": ["12076:51002"]}}]}},
      {"type": "Microsoft.Network/expressRouteCircuits", "apiVersion": "2023-09-01",
       "name": "ckt", "location": "westeurope",
       "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
       "properties": {"serviceProviderProperties": {"serviceProviderName": "Equinix",
                                                    "peeringLocation": "Amsterdam",
                                                    "bandwidthInMbps": 1000}}},
      {"type": "Microsoft.Network/expressRouteCircuits/peerings", "apiVersion": "2023-09-01",
       "name": "ckt/AzurePrivatePeering",
       "dependsOn": ["[resourceId('Microsoft.Network/expressRouteCircuits', 'ckt')]"],
       "properties": {"peerASN": 65001, "primaryPeerAddressPrefix": "192.168.100.128/30",
                      "secondaryPeerAddressPrefix": "192.168.100.132/30", "vlanId": 100}},
      {"type": "Microsoft.Network/expressRouteCircuits/peerings", "apiVersion": "2023-09-01",
       "name": "ckt/MicrosoftPeering",
       "properties": {"peeringType": "MicrosoftPeering", "peerASN": 12345,
                      "primaryPeerAddressPrefix": "80.81.0.0/30",
                      "secondaryPeerAddressPrefix": "80.81.0.4/30", "vlanId": 300,
                      "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["80.81.1.0/24"]},
                      "routeFilter": {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeFilters/rf"}}},
      {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet"}
    ]
  })");
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  REQUIRE(r->circuits.size() == 1);
  const auto& c = r->circuits[0];
  REQUIRE(c.peerings.size() == 2);
  CHECK(c.peerings[0].peering_type == msee::PeeringType::AzurePrivatePeering);
  CHECK(c.peerings[0].peer_asn == 65001);
  CHECK(c.peerings[0].source.path == "/resources/2/properties");
  CHECK(c.peerings[1].peering_type == msee::PeeringType::MicrosoftPeering);
  CHECK(c.peerings[1].route_filter == "rf");
  REQUIRE(r->route_filters.size() == 1);
  CHECK(r->route_filters[0].name == "rf");
  CHECK(r->route_filters[0].communities == std::vector<wire::Community>{comm(12076, 51002)});
  SECTION("a peering of an unknown circuit is an error at its name") {
    auto bad = parse_emulator_config(R"({"resources": [
      {"type": "Microsoft.Network/expressRouteCircuits/peerings",
       "name": "nope/AzurePrivatePeering",
       "properties": {"peerASN": 65001}}]})");
    REQUIRE_FALSE(bad.has_value());
    INFO(dump(bad.error()));
    CHECK(has_error(bad.error(), "/resources/0/name", "unknown circuit"));
  }
}

TEST_CASE("R7: az VNet objects (location, addressSpace, bgpCommunities) are accepted",
          "[circuit-config]") {
  // MSEE: R7, R56
  auto r = parse_emulator_config(R"({"circuits": [{
      "name": "ckt",
      "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
      "peerings": [{"peeringType": "AzurePrivatePeering", "peerASN": 65001,
                    "primaryPeerAddressPrefix": "192.168.100.128/30",
                    "secondaryPeerAddressPrefix": "192.168.100.132/30", "vlanId": 100}],
      "vnets": [{"name": "hub", "location": "westeurope", "id": "/x", "etag": "y",
                 "provisioningState": "Succeeded", "subnets": [],
                 "addressSpace": {"addressPrefixes": ["10.1.0.0/16", "10.2.0.0/16"]},
                 "bgpCommunities": {"virtualNetworkCommunity": "12076:20001",
                                    "regionalCommunity": "12076:50002"}}]
  }]})");
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  const auto& v = r->circuits[0].vnets.at(0);
  CHECK(v.name == "hub");
  CHECK(v.region == "westeurope");
  CHECK(v.address_prefixes == std::vector<wire::Prefix>{pfx("10.1.0.0/16"), pfx("10.2.0.0/16")});
  CHECK(v.bgp_community == comm(12076, 20001));
}
