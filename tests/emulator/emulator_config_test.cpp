// The bundled example configs (config/*.json) as goldens: each loads, validates and yields the
// expected sessions and advertisements; and router_config_for(), the pure mapping of a plan
// onto Speaker neighbours (AS 12076, MSEE addresses, timers, limits, MD5, Global Reach).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "msee/config/config.hpp"
#include "emulator/emulator.hpp"

#include "../msee/fixtures.hpp"

using namespace msee;
using namespace msee::emulator;
using namespace msee::speaker;
using namespace msee::config;
namespace wire = msee::bgp::wire;

namespace {

using test::dump, test::ip, test::pfx, test::session;

msee::EmulatorConfig load(const char* name) {
  auto r = load_emulator_config(std::string(MSEE_SOURCE_DIR) + "/config/" + name);
  INFO(name);
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  return *r;
}

msee::EmulatorConfig parse(const std::string& text) {
  auto r = parse_emulator_config(text);
  INFO((r ? std::string() : dump(r.error())));
  REQUIRE(r.has_value());
  return *r;
}

const NeighborConfig* neighbor(const RouterConfig& rc, const std::string& name) {
  for (const auto& n : rc.neighbors) {
    if (n.name == name) {
      return &n;
    }
  }
  return nullptr;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> advertised(const msee::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan.advertisements) {
    out.push_back(a.prefix.to_string());
  }
  return sorted(out);
}

// Circuit A (Premium, Amsterdam): private peering IPv4 + IPv6 with MD5, a Disabled Microsoft
// peering with a route filter, one VNet. Circuit B (Standard, London): private peering, linked to
// A by Global Reach.
const char* kTwoCircuits = R"({
  "emulator": {"addressing": "direct", "bgpPort": 1179, "documentationPrefixesArePublic": true},
  "routeFilters": [{"name": "rf", "communities": ["12076:51002"]}],
  "circuits": [{
    "name": "a",
    "sku": {"tier": "Premium", "family": "MeteredData"},
    "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
    "peerings": [{
      "peeringType": "AzurePrivatePeering", "peerASN": 65001, "vlanId": 100,
      "primaryPeerAddressPrefix": "192.168.1.0/30", "secondaryPeerAddressPrefix": "192.168.1.4/30",
      "sharedKey": "Key1",
      "ipv6PeeringConfig": {"primaryPeerAddressPrefix": "fdcc:0:0:1::/126",
                            "secondaryPeerAddressPrefix": "fdcc:0:0:1::4/126"}
    }, {
      "peeringType": "MicrosoftPeering", "state": "Disabled", "peerASN": 12345, "vlanId": 300,
      "primaryPeerAddressPrefix": "203.0.113.0/30", "secondaryPeerAddressPrefix": "203.0.113.4/30",
      "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"]},
      "routeFilter": "rf"
    }],
    "vnets": [{"name": "hub", "region": "westeurope", "addressPrefixes": ["10.1.0.0/16"]}],
    "globalReach": [{"peerCircuit": "b", "addressPrefix": "192.168.250.0/29"}]
  }, {
    "name": "b",
    "sku": {"tier": "Standard", "family": "MeteredData"},
    "serviceProviderProperties": {"peeringLocation": "London", "bandwidthInMbps": 1000},
    "peerings": [{
      "peeringType": "AzurePrivatePeering", "peerASN": 65002, "vlanId": 100,
      "primaryPeerAddressPrefix": "192.168.2.0/30", "secondaryPeerAddressPrefix": "192.168.2.4/30"
    }]
  }]
})";

}  // namespace

// ---------------------------------------------------------------------------------------------
// Goldens: the bundled configs

TEST_CASE("R9: config/default.json: one loopback circuit, two sessions, two VNets",
          "[circuit-config]") {
  // MSEE: R3, R9, R47, R56
  auto cfg = load("default.json");
  CHECK(cfg.emulator.addressing == msee::Addressing::Loopback);
  REQUIRE(cfg.circuits.size() == 1);
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  CHECK(plan.sessions.size() == 2);
  CHECK(plan.advertisements.size() == 2);
  CHECK(advertised(plan) == std::vector<std::string>{"10.1.0.0/16", "10.2.0.0/16"});
  const auto* p = session(plan, "er-lab-circuit/AzurePrivatePeering/primary");
  const auto* s = session(plan, "er-lab-circuit/AzurePrivatePeering/secondary");
  REQUIRE(p != nullptr);
  REQUIRE(s != nullptr);
  CHECK(p->msee_address == ip("127.1.0.2"));
  CHECK(p->ce_address == ip("127.1.0.1"));
  CHECK(s->msee_address == ip("127.1.0.6"));
  CHECK(p->azure_msee_address == ip("192.168.100.130"));
  CHECK(p->peer_asn == 65001);
  auto rc = router_config_for(cfg, plan);
  CHECK(rc.neighbors.size() == 2);
  CHECK(rc.listen.size() == 2);
  CHECK(rc.announce.size() == 2);
}

TEST_CASE("R9: config/standard-private.json: the /29 split, MD5, three VNet prefixes",
          "[circuit-config]") {
  // MSEE: R9, R26, R47
  auto cfg = load("standard-private.json");
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  CHECK(plan.sessions.size() == 2);
  CHECK(plan.advertisements.size() == 3);
  CHECK(advertised(plan) ==
        std::vector<std::string>{"10.1.0.0/16", "10.3.0.0/16", "10.4.0.0/22"});
  const auto* p = session(plan, "er-ams-standard/AzurePrivatePeering/primary");
  const auto* s = session(plan, "er-ams-standard/AzurePrivatePeering/secondary");
  REQUIRE(p != nullptr);
  REQUIRE(s != nullptr);
  CHECK(p->msee_address == ip("192.168.100.130"));
  CHECK(p->ce_address == ip("192.168.100.129"));
  CHECK(s->msee_address == ip("192.168.100.134"));
  CHECK(s->ce_address == ip("192.168.100.133"));
  CHECK(p->md5_password == "Lab0nlyKey2026");
  CHECK(p->bfd);
  CHECK(p->route_limit == 4000);
}

TEST_CASE("R53: config/premium-private-microsoft.json: eight sessions, VNets and filter prefixes",
          "[circuit-config]") {
  // MSEE: R32, R36, R52, R53, R55, R56
  auto cfg = load("premium-private-microsoft.json");
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  CHECK(plan.sessions.size() == 8);
  // VNets: 10.10.0.0/16, fd10:10::/48, 10.20.0.0/16. Route filter 12076:5010 + 12076:51002 on
  // the built-in catalogue: West Europe Azure (v4 + v6) and Storage, Exchange Online (3).
  CHECK(plan.advertisements.size() == 9);
  CHECK(advertised(plan) ==
        sorted({"10.10.0.0/16", "fd10:10::/48", "10.20.0.0/16", "20.2.0.0/16",
                "2603:1002::/32", "20.130.0.0/16", "40.92.0.0/15", "52.100.0.0/14",
                "2a01:111:f400::/48"}));
  CHECK(session(plan, "er-ams-premium/AzurePrivatePeering/primary")->route_limit == 10000);
  CHECK(session(plan, "er-ams-premium/AzurePrivatePeering/primary/ipv6")->route_limit == 100);
  CHECK(session(plan, "er-ams-premium/MicrosoftPeering/secondary")->route_limit == 200);
  CHECK_FALSE(session(plan, "er-ams-premium/MicrosoftPeering/secondary/ipv6")->bfd);
  auto rc = router_config_for(cfg, plan);
  CHECK(rc.neighbors.size() == 8);
  CHECK(rc.listen.size() == 8);
}

TEST_CASE("R74: config/global-reach.json: two circuits exporting to each other",
          "[circuit-config]") {
  // MSEE: R74
  auto cfg = load("global-reach.json");
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  CHECK(plan.sessions.size() == 4);
  CHECK(plan.advertisements.size() == 2);
  CHECK(sorted(session(plan, "er-amsterdam/AzurePrivatePeering/primary")->export_from) ==
        sorted({"er-london/AzurePrivatePeering/primary",
                "er-london/AzurePrivatePeering/secondary"}));
  CHECK(sorted(session(plan, "er-london/AzurePrivatePeering/secondary")->export_from) ==
        sorted({"er-amsterdam/AzurePrivatePeering/primary",
                "er-amsterdam/AzurePrivatePeering/secondary"}));
  CHECK(session(plan, "er-london/AzurePrivatePeering/primary")->msee_address ==
        ip("127.2.1.2"));
}

TEST_CASE("R7: config/arm-circuit.json: a raw ARM resource with a VNet next to it",
          "[circuit-config]") {
  // MSEE: R7, R9, R56
  auto cfg = load("arm-circuit.json");
  REQUIRE(cfg.circuits.size() == 1);
  CHECK(cfg.circuits[0].name == "er-ams-arm");
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  CHECK(plan.sessions.size() == 2);
  CHECK(advertised(plan) == std::vector<std::string>{"10.20.0.0/16"});
  const auto* p = session(plan, "er-ams-arm/AzurePrivatePeering/primary");
  REQUIRE(p != nullptr);
  CHECK(p->msee_address == ip("10.10.10.2"));
  CHECK(p->peer_asn == 65020);
}

// ---------------------------------------------------------------------------------------------
// router_config_for

TEST_CASE("R18: the emulated MSEEs speak as AS 12076, and a Disabled peering's sessions are "
          "configured administratively down",
          "[circuit-config]") {
  // MSEE: R18, R3, R66 — disabled sessions exist so that enabling the peering at run time
  // brings them up.
  auto cfg = parse(kTwoCircuits);
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  REQUIRE(plan.sessions.size() == 8);  // a: 4 private + 2 Microsoft (disabled); b: 2
  auto rc = router_config_for(cfg, plan);
  CHECK(rc.asn == 12076);
  std::vector<std::string> enabled, up, all;
  for (const auto& s : plan.sessions) {
    all.push_back(s.name);
    if (s.enabled) {
      enabled.push_back(s.name);
    }
  }
  for (const auto& n : rc.neighbors) {
    if (!n.admin_down) {
      up.push_back(n.name);
    }
  }
  CHECK(enabled.size() == 6);
  CHECK(rc.neighbors.size() == all.size());
  CHECK(sorted(up) == sorted(enabled));
  REQUIRE(neighbor(rc, "a/MicrosoftPeering/primary") != nullptr);
  CHECK(neighbor(rc, "a/MicrosoftPeering/primary")->admin_down);
  CHECK(rc.router_id == session(plan, "a/AzurePrivatePeering/primary")->router_id);
}

TEST_CASE("R25: each neighbour is the customer's link address seen from the MSEE's",
          "[circuit-config]") {
  // MSEE: R25, R9, R10, R3
  auto cfg = parse(kTwoCircuits);
  auto plan = msee::make_plan(cfg, {});
  auto rc = router_config_for(cfg, plan);
  for (const auto& s : plan.sessions) {
    const auto* n = neighbor(rc, s.name);
    if (!s.enabled) {
      continue;
    }
    INFO(s.name);
    REQUIRE(n != nullptr);
    CHECK(n->address == s.ce_address);
    REQUIRE(n->local_address);
    CHECK(*n->local_address == s.msee_address);
    CHECK(n->port == 1179);
    CHECK(n->peer_asn == s.peer_asn);
    REQUIRE(n->router_id);
    CHECK(*n->router_id == s.router_id);
  }
  const auto* p6 = neighbor(rc, "a/AzurePrivatePeering/primary/ipv6");
  REQUIRE(p6 != nullptr);
  CHECK(p6->address == ip("fdcc:0:0:1::1"));
  CHECK(*p6->local_address == ip("fdcc:0:0:1::2"));
  CHECK(p6->peer_asn == 65001);  // R13
}

TEST_CASE("Q12: neighbours are active, hold 180, remove-private-as, allowas-in 2, no reflection",
          "[circuit-config]") {
  // MSEE: Q12, R27, R23, R24, R43, Q3
  auto cfg = parse(kTwoCircuits);
  auto rc = router_config_for(cfg, msee::make_plan(cfg, {}));
  REQUIRE_FALSE(rc.neighbors.empty());
  for (const auto& n : rc.neighbors) {
    INFO(n.name);
    CHECK_FALSE(n.passive);           // Q12: initiates and accepts
    CHECK(n.hold_time == 180);        // R27
    CHECK(n.min_hold_time == 3);      // Q11
    CHECK(n.remove_private_as);       // R23
    CHECK(n.allow_as_in == 2);        // R24
    CHECK_FALSE(n.export_routes);     // R43: no transit between customers
    CHECK(n.import);
    CHECK(n.capabilities.four_octet_as);   // R20
    CHECK(n.capabilities.route_refresh);   // Q3
    CHECK_FALSE(n.capabilities.graceful_restart_time);  // Q3: off by default
    CHECK(n.import_policy != nullptr);     // R39–R42
    CHECK(n.max_prefix_restart_s == 60);   // R37, Q1
    CHECK_FALSE(n.max_prefix_count_rejected);  // Q1
  }
}

TEST_CASE("R32: one address family per session, the limit on that family", "[circuit-config]") {
  // MSEE: R32, R36, Q2
  auto cfg = parse(kTwoCircuits);
  auto rc = router_config_for(cfg, msee::make_plan(cfg, {}));
  const auto* a4 = neighbor(rc, "a/AzurePrivatePeering/secondary");
  const auto* a6 = neighbor(rc, "a/AzurePrivatePeering/secondary/ipv6");
  const auto* b4 = neighbor(rc, "b/AzurePrivatePeering/primary");
  REQUIRE(a4 != nullptr);
  REQUIRE(a6 != nullptr);
  REQUIRE(b4 != nullptr);
  CHECK(a4->capabilities.families == std::vector<wire::AfiSafi>{wire::kIpv4Unicast});
  CHECK(a6->capabilities.families == std::vector<wire::AfiSafi>{wire::kIpv6Unicast});
  CHECK(a4->max_prefix_v4.limit == 10000);  // Premium
  CHECK(a4->max_prefix_v4.warning_percent == 80);
  CHECK(a4->max_prefix_v6.limit == 0);
  CHECK(a6->max_prefix_v6.limit == 100);
  CHECK(a6->max_prefix_v4.limit == 0);
  CHECK(b4->max_prefix_v4.limit == 4000);  // Standard
}

TEST_CASE("R26: the MD5 password is the peering's shared key", "[circuit-config]") {
  // MSEE: R26
  auto cfg = parse(kTwoCircuits);
  auto rc = router_config_for(cfg, msee::make_plan(cfg, {}));
  CHECK(neighbor(rc, "a/AzurePrivatePeering/primary")->md5_password == "Key1");
  CHECK(neighbor(rc, "a/AzurePrivatePeering/primary/ipv6")->md5_password == "Key1");
  CHECK(neighbor(rc, "b/AzurePrivatePeering/primary")->md5_password.empty());
}

TEST_CASE("R74: Global Reach becomes export_from on the neighbours", "[circuit-config]") {
  // MSEE: R74
  auto cfg = parse(kTwoCircuits);
  auto rc = router_config_for(cfg, msee::make_plan(cfg, {}));
  CHECK(sorted(neighbor(rc, "a/AzurePrivatePeering/primary")->export_from) ==
        sorted({"b/AzurePrivatePeering/primary", "b/AzurePrivatePeering/secondary"}));
  CHECK(sorted(neighbor(rc, "b/AzurePrivatePeering/secondary")->export_from) ==
        sorted({"a/AzurePrivatePeering/primary", "a/AzurePrivatePeering/secondary"}));
  CHECK(neighbor(rc, "a/AzurePrivatePeering/primary/ipv6")->export_from.empty());  // b no v6
}

TEST_CASE("R4: the emulator listens once on each MSEE address", "[circuit-config]") {
  // MSEE: R4 — each MSEE has its own address; no shared gateway address. Disabled peerings
  // listen too (their sessions refuse connections until enabled, R66).
  auto cfg = parse(kTwoCircuits);
  auto plan = msee::make_plan(cfg, {});
  auto rc = router_config_for(cfg, plan);
  std::set<wire::IpAddress> expected;
  for (const auto& s : plan.sessions) {
    expected.insert(s.msee_address);
  }
  std::set<wire::IpAddress> got;
  for (const auto& l : rc.listen) {
    CHECK(l.port == 1179);
    CHECK(got.insert(l.address).second);  // unique
  }
  CHECK(got == expected);
  CHECK(got.count(ip("203.0.113.2")) == 1);  // the Disabled Microsoft peering
  CHECK(got.count(ip("192.168.1.2")) == 1);
}

TEST_CASE("R66: a Disabled peering's announcements are configured for when it is enabled",
          "[circuit-config]") {
  // MSEE: R66, R47, R52 — its sessions are down, so nothing is sent until it is enabled.
  auto cfg = parse(kTwoCircuits);
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  auto rc = router_config_for(cfg, plan);
  const Announcement* vnet = nullptr;
  const Announcement* ms = nullptr;
  for (const auto& a : rc.announce) {
    if (a.prefixes == std::vector<wire::Prefix>{pfx("10.1.0.0/16")}) {
      vnet = &a;
    }
    if (a.prefixes == std::vector<wire::Prefix>{pfx("20.2.0.0/16")}) {
      ms = &a;
    }
  }
  REQUIRE(vnet != nullptr);
  CHECK(sorted(vnet->to) ==
        sorted({"a/AzurePrivatePeering/primary", "a/AzurePrivatePeering/secondary"}));
  REQUIRE(vnet->attributes.as_path);
  CHECK(vnet->attributes.as_path->to_string() == "65515");  // R23 strips it on export
  REQUIRE(ms != nullptr);
  for (const auto& to : ms->to) {
    INFO(to);
    CHECK(to.starts_with("a/MicrosoftPeering/"));
    CHECK(neighbor(rc, to)->admin_down);
  }
}

TEST_CASE("R39: the neighbours of one peering share its inbound policy", "[circuit-config]") {
  // MSEE: R39, R41 — private peering accepts a default route.
  auto cfg = parse(kTwoCircuits);
  auto rc = router_config_for(cfg, msee::make_plan(cfg, {}));
  const auto* p = neighbor(rc, "a/AzurePrivatePeering/primary");
  const auto* s = neighbor(rc, "a/AzurePrivatePeering/secondary");
  REQUIRE(p != nullptr);
  REQUIRE(s != nullptr);
  CHECK(p->import_policy == s->import_policy);
  CHECK(p->import_policy != neighbor(rc, "b/AzurePrivatePeering/primary")->import_policy);
  CHECK_FALSE(p->import_policy->prefix(pfx("0.0.0.0/0")));
}
