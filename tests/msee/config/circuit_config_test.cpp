// Loading ExpressRoute circuit configs (msee/config/config.hpp) in our native format: every
// field, the defaults, route filters (R77); every error with its JSON path, Azure-rule findings
// prefixed with their rule; the catalogue file; config-kind detection. The az CLI and ARM shapes
// are in circuit_azure_test.cpp.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include "msee/config/config.hpp"

#include "../fixtures.hpp"
#include "circuit_samples.hpp"

using namespace msee;
using namespace msee::config;
namespace wire = msee::bgp::wire;

namespace {

using test::comm, test::dump, test::has_error, test::pfx;
using test::kAzShow, test::native;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Native format

TEST_CASE("R7: a native config parses into circuits, peerings, VNets and emulation knobs",
          "[circuit-config]") {
  // MSEE: R7, R56, Q1, Q13, Q14, R33
  auto r = parse_emulator_config(R"({
    "$schema": "./msee-emu.schema.json",
    "description": "test",
    "emulator": {"addressing": "loopback", "bgpPort": 1179, "logRoutes": true,
                 "documentationPrefixesArePublic": true},
    "routeFilters": [{"name": "rf", "communities": ["12076:51002", "12076:5060"]}],
    "circuits": [{
      "name": "ckt",
      "serviceKey": "00000000-0000-4000-8000-000000000001",
      "sku": {"name": "Premium_UnlimitedData", "tier": "Premium", "family": "UnlimitedData"},
      "serviceProviderProperties": {"serviceProviderName": "Equinix",
                                    "peeringLocation": "Amsterdam", "bandwidthInMbps": 10000},
      "peerings": [{
        "peeringType": "AzurePrivatePeering",
        "state": "Disabled",
        "peerASN": 4200000001,
        "primaryPeerAddressPrefix": "192.168.100.128/30",
        "secondaryPeerAddressPrefix": "192.168.100.132/30",
        "vlanId": 100,
        "sharedKey": "Key1",
        "ipv6PeeringConfig": {"primaryPeerAddressPrefix": "fdcc:0:0:1::/126",
                              "secondaryPeerAddressPrefix": "fdcc:0:0:1::4/126",
                              "state": "Disabled"},
        "emulation": {"bfd": false, "bfdMinInterval": 750, "bfdMultiplier": 5, "holdTime": 90,
                      "minHoldTime": 10, "maxPrefixRestartSeconds": 120,
                      "maxPrefixWarningPercent": 75, "countRejectedPrefixes": true,
                      "maxPrefixes": {"ipv4": 50, "ipv6": 5}, "allowAsIn": 1,
                      "customerCommunities": "passThrough", "personality": "juniper",
                      "loopback": {"primaryPeerAddressPrefix": "127.1.0.0/30",
                                   "secondaryPeerAddressPrefix": "127.1.0.4/30"}}
      }, {
        "peeringType": "MicrosoftPeering",
        "peerASN": 12345,
        "primaryPeerAddressPrefix": "203.0.113.0/30",
        "secondaryPeerAddressPrefix": "203.0.113.4/30",
        "vlanId": 300,
        "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"],
                                   "advertisedPublicPrefixesState": "ValidationNeeded",
                                   "customerASN": 3356, "routingRegistryName": "RIPENCC"},
        "routeFilter": "rf",
        "emulation": {"loopback": {"primaryPeerAddressPrefix": "127.1.0.8/30",
                                   "secondaryPeerAddressPrefix": "127.1.0.12/30"}}
      }],
      "vnets": [{"name": "hub", "region": "West Europe", "addressPrefixes": ["10.1.0.0/16"],
                 "bgpCommunity": "12076:20001"}],
      "globalReach": []
    }]
  })");
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  const auto& cfg = *r;
  CHECK(cfg.emulator.addressing == msee::Addressing::Loopback);
  CHECK(cfg.emulator.bgp_port == 1179);
  CHECK(cfg.emulator.log_routes);
  CHECK(cfg.emulator.documentation_prefixes_public);
  REQUIRE(cfg.route_filters.size() == 1);
  CHECK(cfg.route_filters[0].communities ==
        std::vector<wire::Community>{comm(12076, 51002), comm(12076, 5060)});
  REQUIRE(cfg.circuits.size() == 1);
  const auto& c = cfg.circuits[0];
  CHECK(c.name == "ckt");
  CHECK(c.sku_tier == msee::SkuTier::Premium);
  CHECK(c.sku_family == msee::SkuFamily::UnlimitedData);
  CHECK(c.bandwidth_in_mbps == 10000);
  CHECK(c.peering_location == "Amsterdam");
  CHECK(c.service_provider_name == "Equinix");
  REQUIRE(c.peerings.size() == 2);
  const auto& p = c.peerings[0];
  CHECK(p.peering_type == msee::PeeringType::AzurePrivatePeering);
  CHECK(p.state == msee::PeeringState::Disabled);
  CHECK(p.peer_asn == 4200000001u);
  CHECK(p.primary_peer_address_prefix == pfx("192.168.100.128/30"));
  CHECK(p.vlan_id == 100);
  CHECK(p.shared_key == "Key1");
  REQUIRE(p.ipv6_peering_config);
  CHECK(p.ipv6_peering_config->secondary_peer_address_prefix == pfx("fdcc:0:0:1::4/126"));
  CHECK(p.ipv6_peering_config->state == msee::PeeringState::Disabled);
  const auto& e = p.emulation;
  CHECK_FALSE(e.bfd);
  CHECK(e.bfd_min_interval_ms == 750);
  CHECK(e.bfd_multiplier == 5);
  CHECK(e.hold_time == 90);
  CHECK(e.min_hold_time == 10);
  CHECK(e.max_prefix_restart_s == 120);
  CHECK(e.max_prefix_warning_percent == 75);
  CHECK(e.count_rejected_prefixes);
  CHECK(e.max_prefixes_v4 == std::optional<std::uint32_t>(50));
  CHECK(e.max_prefixes_v6 == std::optional<std::uint32_t>(5));
  CHECK(e.allow_as_in == 1);
  CHECK_FALSE(e.strip_customer_communities);
  CHECK(e.personality == msee::Personality::Juniper);
  CHECK(e.loopback_primary == pfx("127.1.0.0/30"));
  const auto& m = c.peerings[1];
  CHECK(m.peering_type == msee::PeeringType::MicrosoftPeering);
  CHECK(m.route_filter == "rf");
  REQUIRE(m.microsoft_peering_config);
  CHECK(m.microsoft_peering_config->advertised_public_prefixes ==
        std::vector<wire::Prefix>{pfx("198.51.100.0/24")});
  CHECK(m.microsoft_peering_config->advertised_public_prefixes_state ==
        msee::PrefixesState::ValidationNeeded);
  CHECK(m.microsoft_peering_config->customer_asn == 3356);
  CHECK(m.microsoft_peering_config->routing_registry_name == "RIPENCC");
  CHECK(m.emulation.bfd);  // defaults: R28
  CHECK(m.emulation.hold_time == 180);  // R27
  CHECK(m.emulation.strip_customer_communities);  // Q14
  REQUIRE(c.vnets.size() == 1);
  CHECK(c.vnets[0].region == "westeurope");
  CHECK(c.vnets[0].bgp_community == comm(12076, 20001));
  CHECK(c.vnets[0].address_prefixes == std::vector<wire::Prefix>{pfx("10.1.0.0/16")});
  SECTION("sources name the JSON paths") {
    CHECK(c.source.path == "/circuits/0");
    CHECK(p.source.path == "/circuits/0/peerings/0");
    CHECK(e.source.path == "/circuits/0/peerings/0/emulation");
    CHECK(m.microsoft_peering_config->source.path ==
          "/circuits/0/peerings/1/microsoftPeeringConfig");
    CHECK(c.vnets[0].source.path == "/circuits/0/vnets/0");
  }
}

TEST_CASE("R7: defaults of a minimal native peering", "[circuit-config]") {
  // MSEE: R7, R27, R28, R29, Q1, Q13, Q14
  auto r = parse_emulator_config(native());
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  const auto& p = r->circuits.at(0).peerings.at(0);
  CHECK(p.state == msee::PeeringState::Enabled);
  CHECK(p.shared_key.empty());
  CHECK_FALSE(p.ipv6_peering_config);
  CHECK(p.route_filter.empty());
  CHECK(p.emulation.bfd);
  CHECK(p.emulation.bfd_min_interval_ms == 300);
  CHECK(p.emulation.bfd_multiplier == 3);
  CHECK(p.emulation.hold_time == 180);
  CHECK(p.emulation.max_prefix_restart_s == 60);
  CHECK(p.emulation.max_prefix_warning_percent == 80);
  CHECK_FALSE(p.emulation.count_rejected_prefixes);
  CHECK(p.emulation.allow_as_in == 2);
  CHECK(p.emulation.strip_customer_communities);
  CHECK(p.emulation.personality == msee::Personality::Cisco);
  CHECK(r->emulator.addressing == msee::Addressing::Direct);
  CHECK(r->emulator.bgp_port == 179);
  CHECK_FALSE(r->emulator.documentation_prefixes_public);
}

TEST_CASE("R77: a route filter is referenced by name or by its Azure resource id",
          "[circuit-config]") {
  // MSEE: R77
  const std::string filters =
      R"("emulator": {"documentationPrefixesArePublic": true},
         "routeFilters": [{"name": "rf-x", "rules": [{"name": "allow", "access": "Allow",
                           "routeFilterRuleType": "Community",
                           "communities": ["12076:51002"]}]}],)";
  auto ms = [](const std::string& ref) {
    return R"(}, {
        "peeringType": "MicrosoftPeering", "peerASN": 12345,
        "primaryPeerAddressPrefix": "203.0.113.0/30",
        "secondaryPeerAddressPrefix": "203.0.113.4/30", "vlanId": 300,
        "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"]},
        "routeFilter": )" + ref;
  };
  SECTION("by id") {
    auto r = parse_emulator_config(native(
        ms(R"({"id":
                 "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeFilters/rf-x"})"),
        filters));
    INFO((r ? std::string() : dump(r.error())));
    REQUIRE(r.has_value());
    CHECK(r->circuits[0].peerings[1].route_filter == "rf-x");
    CHECK(r->route_filters[0].communities == std::vector<wire::Community>{comm(12076, 51002)});
  }
  SECTION("by name") {
    auto r = parse_emulator_config(native(ms(R"("rf-x")"), filters));
    REQUIRE(r.has_value());
    CHECK(r->circuits[0].peerings[1].route_filter == "rf-x");
  }
  SECTION("a Deny rule is refused") {
    const std::string deny =
        R"("emulator": {"documentationPrefixesArePublic": true},
           "routeFilters": [{"name": "rf-x", "rules": [{"access": "Deny",
                             "communities": ["12076:51002"]}]}],)";
    auto r = parse_emulator_config(native(ms(R"("rf-x")"), deny));
    REQUIRE_FALSE(r.has_value());
    INFO(dump(r.error()));
    CHECK(has_error(r.error(), "/routeFilters/0/rules/0/access", "Allow"));
  }
}

TEST_CASE("R77: a route filter holds exactly one Allow rule", "[circuit-config]") {
  // MSEE: R77 — "a separate resource ... with exactly one rule of type Allow". The parser
  // merges the communities of any number of Allow rules and nothing reports the second rule.
  auto r = parse_emulator_config(native(
      "", R"("routeFilters": [{"name": "rf", "rules": [
               {"name": "one", "access": "Allow", "communities": ["12076:51002"]},
               {"name": "two", "access": "Allow", "communities": ["12076:51003"]}]}],)"));
  REQUIRE_FALSE(r.has_value());
  INFO(dump(r.error()));
  bool at_rules = false;
  for (const auto& e : r.error()) {
    at_rules = at_rules || e.path.rfind("/routeFilters/0/rules", 0) == 0;
  }
  CHECK(at_rules);
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST_CASE("R7: a misspelt key is an unknown key at its path", "[circuit-config]") {
  // MSEE: R7 — a typo never falls back to a default silently.
  auto r = parse_emulator_config(native(R"(, "sharedKye": "abc")"));
  REQUIRE_FALSE(r.has_value());
  INFO(dump(r.error()));
  CHECK(has_error(r.error(), "/circuits/0/peerings/0/sharedKye", "unknown key"));
  SECTION("in the emulation block") {
    auto e = parse_emulator_config(native(R"(, "emulation": {"holdtime": 90})"));
    REQUIRE_FALSE(e.has_value());
    CHECK(has_error(e.error(), "/circuits/0/peerings/0/emulation/holdtime", "unknown key"));
  }
  SECTION("at the top level and in emulator") {
    auto t = parse_emulator_config(
        native("", R"("emulatr": {}, "emulator": {"adressing": "loopback"},)"));
    REQUIRE_FALSE(t.has_value());
    INFO(dump(t.error()));
    CHECK(has_error(t.error(), "/emulatr", "unknown key"));
    CHECK(has_error(t.error(), "/emulator/adressing", "unknown key"));
  }
  SECTION("a misspelt peerASN is one finding that names the key meant") {
    std::string s = native();
    s.replace(s.find("\"peerASN\""), 9, "\"peerASM\"");
    auto m = parse_emulator_config(s);
    REQUIRE_FALSE(m.has_value());
    INFO(dump(m.error()));
    // Not three (unknown key, required, R20 required): one, with the fix.
    CHECK(m.error().size() == 1);
    CHECK(has_error(m.error(), "/circuits/0/peerings/0/peerASM",
                    "unknown key; did you mean \"peerASN\"?"));
  }
  SECTION("a key in the wrong case is suggested in the right one") {
    auto v = parse_emulator_config(native(R"(, "vlanID": 100)"));
    REQUIRE_FALSE(v.has_value());
    INFO(dump(v.error()));
    CHECK(has_error(v.error(), "/circuits/0/peerings/0/vlanID", "did you mean \"vlanId\"?"));
  }
  SECTION("a key far from every known one gets no guess") {
    auto g = parse_emulator_config(native(R"(, "colourScheme": 1)"));
    REQUIRE_FALSE(g.has_value());
    INFO(dump(g.error()));
    CHECK(has_error(g.error(), "/circuits/0/peerings/0/colourScheme", "unknown key"));
    CHECK_FALSE(has_error(g.error(), "/circuits/0/peerings/0/colourScheme", "did you mean"));
  }
}

TEST_CASE("R7: text that is not JSON gives exactly one error", "[circuit-config]") {
  // MSEE: R7
  auto r = parse_emulator_config(R"({"circuits": [ {"name": "ckt", } )");
  REQUIRE_FALSE(r.has_value());
  INFO(dump(r.error()));
  REQUIRE(r.error().size() == 1);
  CHECK(r.error()[0].path == "/");
  CHECK_THAT(r.error()[0].reason, Catch::Contains("not valid JSON"));
  // A number beyond a double is nlohmann's out_of_range, not a parse_error: still one error
  // (config_fuzz, tests/msee/config/vectors/bad/b8a0813a...bin; it used to escape --check).
  auto big = parse_emulator_config(R"({"circuits": [{"name": "ckt", "vlanId": 1e400}]})");
  REQUIRE_FALSE(big.has_value());
  REQUIRE(big.error().size() == 1);
  CHECK(big.error()[0].path == "/");
  CHECK_THAT(big.error()[0].reason, Catch::Contains("number overflow"));
}

TEST_CASE("R7: a value of the wrong type is reported with its path and why", "[circuit-config]") {
  // MSEE: R7, R12
  std::string s = native();
  s.replace(s.find("\"vlanId\": 100"), 13, "\"vlanId\": \"100\"");
  auto r = parse_emulator_config(s);
  REQUIRE_FALSE(r.has_value());
  INFO(dump(r.error()));
  CHECK(has_error(r.error(), "/circuits/0/peerings/0/vlanId", "must be an integer"));
  SECTION("an enum value that is not one of Azure's") {
    auto e = parse_emulator_config(native(R"(, "state": "On")"));
    REQUIRE_FALSE(e.has_value());
    CHECK(has_error(e.error(), "/circuits/0/peerings/0/state", "Enabled, Disabled"));
  }
  SECTION("a prefix with host bits") {
    std::string h = native();
    h.replace(h.find("192.168.100.128/30"), 18, "192.168.100.129/30");
    auto e = parse_emulator_config(h);
    REQUIRE_FALSE(e.has_value());
    CHECK(has_error(e.error(), "/circuits/0/peerings/0/primaryPeerAddressPrefix",
                    "not a prefix"));
  }
  SECTION("a community that is not ASN:value") {
    auto e = parse_emulator_config(native(
        "", R"("routeFilters": [{"name": "rf", "communities": ["12076-5010"]}],)"));
    REQUIRE_FALSE(e.has_value());
    CHECK(has_error(e.error(), "/routeFilters/0/communities/0", "not a valid community"));
  }
}

TEST_CASE("R12: the VLAN ID is 1-4094", "[circuit-config]") {
  // MSEE: R12
  for (const char* vlan : {"0", "4095", "-1"}) {
    INFO(vlan);
    std::string s = native();
    s.replace(s.find("\"vlanId\": 100"), 13, std::string("\"vlanId\": ") + vlan);
    auto r = parse_emulator_config(s);
    REQUIRE_FALSE(r.has_value());
    INFO(dump(r.error()));
    CHECK(r.error().size() == 1);
    CHECK(has_error(r.error(), "/circuits/0/peerings/0/vlanId", ""));
  }
  std::string ok = native();
  ok.replace(ok.find("\"vlanId\": 100"), 13, "\"vlanId\": 4094");
  CHECK(parse_emulator_config(ok).has_value());
}

TEST_CASE("R19: Azure-rule findings come back as errors prefixed with the rule",
          "[circuit-config]") {
  // MSEE: R19, R26 — parse and validation errors together.
  std::string s = native(R"(, "sharedKey": "bad key!")");
  s.replace(s.find("65001"), 5, "65515");
  auto r = parse_emulator_config(s);
  REQUIRE_FALSE(r.has_value());
  INFO(dump(r.error()));
  CHECK(r.error().size() == 2);
  CHECK(has_error(r.error(), "/circuits/0/peerings/0/peerASN", "R19: "));
  CHECK(has_error(r.error(), "/circuits/0/peerings/0/sharedKey", "R26: "));
}

TEST_CASE("R7: load_emulator_config reports a missing file", "[circuit-config]") {
  // MSEE: R7
  auto r = load_emulator_config("/nonexistent/msee-emu-config.json");
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().size() == 1);
  CHECK_THAT(r.error()[0].reason, Catch::Contains("cannot open"));
}

TEST_CASE("R55: a Microsoft-peering catalogue file replaces the built-in one",
          "[circuit-config]") {
  // MSEE: R55, R52
  auto path = std::filesystem::temp_directory_path() /
              ("msee-catalogue-test-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"([{"service": "Exchange Online", "region": "global",
                "communities": ["12076:5010"], "prefixes": ["40.92.0.0/15"]},
               {"region": "West Europe", "communities": ["12076:51002"],
                "prefixes": ["20.2.0.0/16", "2603:1002::/32"]}])";
  }
  auto r = load_catalogue(path.string());
  std::filesystem::remove(path);
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].service == "Exchange Online");
  CHECK((*r)[1].region == "westeurope");
  CHECK((*r)[1].prefixes.size() == 2);
  CHECK_FALSE(load_catalogue("/nonexistent/catalogue.json").has_value());
}

// ---------------------------------------------------------------------------------------------
// Config kind

TEST_CASE("R7: detect_config_kind tells router configs from emulator configs",
          "[circuit-config]") {
  // MSEE: R7
  CHECK(detect_config_kind(R"({"router": {"asn": 65000}, "neighbors": []})") ==
        ConfigKind::Router);
  CHECK(detect_config_kind(R"({"neighbors": []})") == ConfigKind::Router);
  CHECK(detect_config_kind(R"({"circuits": []})") == ConfigKind::Emulator);
  CHECK(detect_config_kind(R"([{"name": "ckt"}])") == ConfigKind::Emulator);
  CHECK(detect_config_kind(R"({"resources": []})") == ConfigKind::Emulator);
  CHECK(detect_config_kind(R"({"properties": {}})") == ConfigKind::Emulator);
  CHECK(detect_config_kind(kAzShow) == ConfigKind::Emulator);
  CHECK(detect_config_kind(R"({})") == ConfigKind::Unknown);
  CHECK(detect_config_kind("not json") == ConfigKind::Unknown);
  CHECK(detect_config_kind("") == ConfigKind::Unknown);
  SECTION("the bundled files") {
    auto read = [](const char* name) {
      std::ifstream in(std::string(MSEE_SOURCE_DIR) + "/config/" + name);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    CHECK(detect_config_kind(read("router-default.json")) == ConfigKind::Router);
    CHECK(detect_config_kind(read("router-example.json")) == ConfigKind::Router);
    CHECK(detect_config_kind(read("default.json")) == ConfigKind::Emulator);
    CHECK(detect_config_kind(read("global-reach.json")) == ConfigKind::Emulator);
  }
}

TEST_CASE("emulator.dataplane: true, the object form, and precise errors", "[circuit-config]") {
  // issue #13: the data plane's switch, tables and gateway interfaces.
  auto on = parse_emulator_config(native("", R"("emulator": {"dataplane": true},)"));
  REQUIRE(on.has_value());
  CHECK(on->emulator.dataplane.enabled);
  CHECK(on->emulator.dataplane.table_base == 1000);
  CHECK(msee::dataplane_table(on->emulator.dataplane, 2, msee::PeeringType::MicrosoftPeering) ==
        1022);
  auto obj = parse_emulator_config(native("", R"("emulator": {"dataplane": {"tableBase": 5000,
      "gateways": {"ckt/primary": "gw0p1", "ckt/secondary": "gw0p2"}}},)"));
  REQUIRE(obj.has_value());
  CHECK(obj->emulator.dataplane.enabled);
  CHECK(obj->emulator.dataplane.table_base == 5000);
  CHECK(obj->emulator.dataplane.gateways.at("ckt/secondary") == "gw0p2");
  CHECK_FALSE(parse_emulator_config(native()).value().emulator.dataplane.enabled);

  auto bad_link = parse_emulator_config(
      native("", R"("emulator": {"dataplane": {"gateways": {"ckt/tertiary": "gw0"}}},)"));
  REQUIRE_FALSE(bad_link.has_value());
  CHECK(has_error(bad_link.error(), "/emulator/dataplane/gateways/ckt/tertiary", "primary"));
  auto bad_table = parse_emulator_config(
      native("", R"("emulator": {"dataplane": {"tableBase": 254}},)"));
  REQUIRE_FALSE(bad_table.has_value());
  CHECK(has_error(bad_table.error(), "/emulator/dataplane/tableBase", ""));
  auto loop = parse_emulator_config(
      native("", R"("emulator": {"addressing": "loopback", "dataplane": true},)"));
  REQUIRE_FALSE(loop.has_value());
  CHECK(has_error(loop.error(), "/emulator/dataplane", "loopback addressing has no data plane"));
  auto typo = parse_emulator_config(native("", R"("emulator": {"dataplane": "yes"},)"));
  REQUIRE_FALSE(typo.has_value());
  CHECK(has_error(typo.error(), "/emulator/dataplane", "must be true, false or an object"));
}
