// Session and advertisement plan (msee/plan.hpp): one session per peering × link × family with
// its name, addresses and knobs (R3, R9, R10, R28–R30, R36), VNet advertisements (R47, R49,
// R56), Microsoft-peering advertisements from the route filter and SKU scope (R52, R53, Q4),
// Global Reach export (R74) and loopback addressing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "msee/azure.hpp"
#include "msee/plan.hpp"

#include "fixtures.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {

using test::circuit, test::comm, test::config, test::ip, test::pfx, test::session, test::v6_links,
      test::vnet;

// The reference private peering with the MD5 key the session plan must carry (R26).
msee::Peering private_peering(const char* primary = "192.168.100.128/30",
                            const char* secondary = "192.168.100.132/30") {
  auto p = test::private_peering(primary, secondary);
  p.shared_key = "Key1";
  return p;
}

// The reference dual-stack Microsoft peering, its IPv4 side bound to route filter `filter`.
msee::Peering microsoft_peering(const char* filter = "rf") {
  auto p = test::microsoft_peering();
  p.route_filter = filter;
  return p;
}

msee::CatalogueEntry entry(const char* service, const char* region,
                         std::vector<wire::Community> communities,
                         std::vector<const char*> prefixes) {
  msee::CatalogueEntry e;
  e.service = service;
  e.region = region;
  e.communities = std::move(communities);
  for (auto* p : prefixes) {
    e.prefixes.push_back(pfx(p));
  }
  return e;
}

// A small catalogue: Azure prefixes of three regions in two geos and one global service.
std::vector<msee::CatalogueEntry> catalogue() {
  return {
      entry("", "westeurope", {comm(12076, 51002)}, {"20.2.0.0/16", "2603:1002::/32"}),
      entry("", "northeurope", {comm(12076, 51003)}, {"20.3.0.0/16"}),
      entry("", "eastus", {comm(12076, 51004)}, {"20.4.0.0/16"}),
      entry("Microsoft Entra ID", "global", {comm(12076, 5060)}, {"20.190.128.0/18"}),
      entry("Exchange Online", "global", {comm(12076, 5010)}, {"40.92.0.0/15"}),
  };
}

msee::RouteFilter filter(std::vector<wire::Community> communities) {
  return {"rf", std::move(communities), {}};
}

std::vector<std::string> names(const msee::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.sessions) {
    out.push_back(s.name);
  }
  return out;
}

const msee::AdvertisementPlan* advert(const msee::Plan& plan, const char* prefix) {
  for (const auto& a : plan.advertisements) {
    if (a.prefix == pfx(prefix)) {
      return &a;
    }
  }
  return nullptr;
}

std::vector<std::string> advertised(const msee::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan.advertisements) {
    out.push_back(a.prefix.to_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Sessions

TEST_CASE("R3: one session per peering, link and address family, named after them", "[msee]") {
  // MSEE: R3, R32
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  c.peerings.push_back(microsoft_peering());
  auto plan = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
  CHECK(sorted(names(plan)) == sorted({"ckt/AzurePrivatePeering/primary",
                                       "ckt/AzurePrivatePeering/secondary",
                                       "ckt/AzurePrivatePeering/primary/ipv6",
                                       "ckt/AzurePrivatePeering/secondary/ipv6",
                                       "ckt/MicrosoftPeering/primary",
                                       "ckt/MicrosoftPeering/secondary",
                                       "ckt/MicrosoftPeering/primary/ipv6",
                                       "ckt/MicrosoftPeering/secondary/ipv6"}));
  const auto* s = session(plan, "ckt/MicrosoftPeering/secondary/ipv6");
  REQUIRE(s != nullptr);
  CHECK(s->circuit == "ckt");
  CHECK(s->peering_type == msee::PeeringType::MicrosoftPeering);
  CHECK(s->path == msee::LinkPath::Secondary);
  CHECK(s->afi == wire::Afi::Ipv6);
  CHECK(s->circuit_index == 0);
  CHECK(s->peering_index == 1);
}

TEST_CASE("R9: sessions use the MSEE's and the customer's link addresses", "[msee]") {
  // MSEE: R9, R10, R25
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  auto plan = msee::make_plan(config({c}), {});
  const auto* p = session(plan, "ckt/AzurePrivatePeering/primary");
  const auto* s = session(plan, "ckt/AzurePrivatePeering/secondary");
  const auto* p6 = session(plan, "ckt/AzurePrivatePeering/primary/ipv6");
  const auto* s6 = session(plan, "ckt/AzurePrivatePeering/secondary/ipv6");
  REQUIRE(p != nullptr);
  REQUIRE(s != nullptr);
  REQUIRE(p6 != nullptr);
  REQUIRE(s6 != nullptr);
  CHECK(p->msee_address.to_string() == "192.168.100.130");
  CHECK(p->ce_address.to_string() == "192.168.100.129");
  CHECK(s->msee_address.to_string() == "192.168.100.134");
  CHECK(s->ce_address.to_string() == "192.168.100.133");
  CHECK(p->azure_msee_address == p->msee_address);  // direct addressing
  CHECK(p6->msee_address == ip("fdcc:0:0:1::2"));
  CHECK(p6->ce_address == ip("fdcc:0:0:1::1"));
  CHECK(s6->msee_address == ip("fdcc:0:0:1::6"));
  SECTION("R3: each MSEE is its own router: the IPv6 session shares its MSEE's identifier") {
    CHECK(p->router_id == ip("192.168.100.130").v4_value());
    CHECK(s->router_id == ip("192.168.100.134").v4_value());
    CHECK(p6->router_id == p->router_id);
    CHECK(s6->router_id == s->router_id);
  }
  SECTION("R13: IPv6 uses the same peer ASN; R26: both use the shared key") {
    CHECK(p6->peer_asn == 65001);
    CHECK(p->peer_asn == 65001);
    CHECK(p->md5_password == "Key1");
    CHECK(p6->md5_password == "Key1");
  }
}

TEST_CASE("R30: BFD runs on IPv4 sessions only", "[msee]") {
  // MSEE: R28, R29, R30
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  auto plan = msee::make_plan(config({c}), {});
  for (const auto& s : plan.sessions) {
    INFO(s.name);
    CHECK(s.bfd == (s.afi == wire::Afi::Ipv4));
    CHECK(s.bfd_interval_ms == 300);
    CHECK(s.bfd_multiplier == 3);
  }
  SECTION("Q10: BFD can be switched off per peering") {
    c.peerings[0].emulation.bfd = false;
    auto off = msee::make_plan(config({c}), {});
    for (const auto& s : off.sessions) {
      CHECK_FALSE(s.bfd);
    }
  }
}

TEST_CASE("R36: sessions carry their per-family route limit and the MSEE defaults", "[msee]") {
  // MSEE: R36, R27, R24, Q1
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  c.peerings.push_back(microsoft_peering());
  auto plan = msee::make_plan(config({c}, {filter({})}), {});
  CHECK(session(plan, "ckt/AzurePrivatePeering/primary")->route_limit == 10000);
  CHECK(session(plan, "ckt/AzurePrivatePeering/secondary/ipv6")->route_limit == 100);
  CHECK(session(plan, "ckt/MicrosoftPeering/primary")->route_limit == 200);
  CHECK(session(plan, "ckt/MicrosoftPeering/primary/ipv6")->route_limit == 200);
  for (const auto& s : plan.sessions) {
    INFO(s.name);
    CHECK(s.hold_time == 180);
    CHECK(s.warning_percent == 80);
    CHECK(s.restart_s == 60);
    CHECK(s.allow_as_in == 2);
    CHECK_FALSE(s.count_rejected);
  }
}

TEST_CASE("R66: a disabled peering keeps its sessions in the plan, disabled", "[msee]") {
  // MSEE: R3, R66 — disabling a peering shuts both sessions.
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  c.peerings[0].state = msee::PeeringState::Disabled;
  auto plan = msee::make_plan(config({c}), {});
  REQUIRE(plan.sessions.size() == 4);
  for (const auto& s : plan.sessions) {
    INFO(s.name);
    CHECK_FALSE(s.enabled);
  }
  SECTION("R67: disabling only IPv6 leaves IPv4 up") {
    c.peerings[0].state = msee::PeeringState::Enabled;
    c.peerings[0].ipv6_peering_config->state = msee::PeeringState::Disabled;
    auto v6off = msee::make_plan(config({c}), {});
    for (const auto& s : v6off.sessions) {
      INFO(s.name);
      CHECK(s.enabled == (s.afi == wire::Afi::Ipv4));
    }
  }
}

TEST_CASE("R9: loopback addressing binds the loopback /30s and keeps the Azure addresses",
          "[msee]") {
  // MSEE: R9 — the views show Azure's addresses, the sockets use the loopback ones.
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings[0].emulation.loopback_primary = pfx("127.1.0.0/30");
  c.peerings[0].emulation.loopback_secondary = pfx("127.1.0.4/30");
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  auto cfg = config({c});
  cfg.emulator.addressing = msee::Addressing::Loopback;
  auto plan = msee::make_plan(cfg, {});
  REQUIRE(plan.sessions.size() == 2);  // IPv6 skipped
  const auto* p = session(plan, "ckt/AzurePrivatePeering/primary");
  const auto* s = session(plan, "ckt/AzurePrivatePeering/secondary");
  REQUIRE(p != nullptr);
  REQUIRE(s != nullptr);
  CHECK(p->msee_address.to_string() == "127.1.0.2");
  CHECK(p->ce_address.to_string() == "127.1.0.1");
  CHECK(p->azure_msee_address.to_string() == "192.168.100.130");
  CHECK(p->azure_ce_address.to_string() == "192.168.100.129");
  CHECK(s->msee_address.to_string() == "127.1.0.6");
  CHECK(s->azure_msee_address.to_string() == "192.168.100.134");
  CHECK(p->router_id == ip("127.1.0.2").v4_value());
  REQUIRE(plan.notes.size() == 1);
  CHECK_THAT(plan.notes[0], Catch::Contains("IPv6") && Catch::Contains("loopback"));
}

// ---------------------------------------------------------------------------------------------
// Private peering advertisements

TEST_CASE("R49: VNet prefixes are originated by the gateway, AS path 65515", "[msee]") {
  // MSEE: R47, R49, R56, Q8 — no community without a custom one; origin IGP, no MED.
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16", "10.9.0.0/22"}));
  auto plan = msee::make_plan(config({c}), {});
  CHECK(advertised(plan) == std::vector<std::string>{"10.1.0.0/16", "10.9.0.0/22"});
  const auto* a = advert(plan, "10.1.0.0/16");
  REQUIRE(a != nullptr);
  REQUIRE(a->attributes.as_path);
  CHECK(a->attributes.as_path->to_string() == std::to_string(msee::kGatewayAsn));
  CHECK(a->attributes.as_path->to_string() == "65515");
  CHECK(a->attributes.communities.empty());
  CHECK(a->attributes.origin == wire::Origin::Igp);
  CHECK_FALSE(a->attributes.med);
  CHECK_FALSE(a->attributes.local_pref);
  CHECK(sorted(a->to) ==
        sorted({"ckt/AzurePrivatePeering/primary", "ckt/AzurePrivatePeering/secondary"}));
  CHECK_THAT(a->origin, Catch::Contains("hub"));
}

TEST_CASE("R56: a custom VNet community comes with the regional 12076:50xxx", "[msee]") {
  // MSEE: R56, R57
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16"}));
  c.vnets[0].bgp_community = comm(12076, 20001);
  c.vnets.push_back(vnet("spoke", "northeurope", {"10.2.0.0/16"}));
  auto plan = msee::make_plan(config({c}), {});
  const auto* hub = advert(plan, "10.1.0.0/16");
  const auto* spoke = advert(plan, "10.2.0.0/16");
  REQUIRE(hub != nullptr);
  REQUIRE(spoke != nullptr);
  auto hub_comms = hub->attributes.communities;
  std::sort(hub_comms.begin(), hub_comms.end());
  CHECK(hub_comms == std::vector<wire::Community>{comm(12076, 20001), comm(12076, 50002)});
  CHECK(spoke->attributes.communities.empty());
}

TEST_CASE("R47: VNet IPv6 prefixes go to the IPv6 sessions only", "[msee]") {
  // MSEE: R47, R32
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16", "fd10:10::/48"}));
  auto plan = msee::make_plan(config({c}), {});
  const auto* v4 = advert(plan, "10.1.0.0/16");
  const auto* v6 = advert(plan, "fd10:10::/48");
  REQUIRE(v4 != nullptr);
  REQUIRE(v6 != nullptr);
  CHECK(sorted(v4->to) ==
        sorted({"ckt/AzurePrivatePeering/primary", "ckt/AzurePrivatePeering/secondary"}));
  CHECK(sorted(v6->to) == sorted({"ckt/AzurePrivatePeering/primary/ipv6",
                                  "ckt/AzurePrivatePeering/secondary/ipv6"}));
}

TEST_CASE("R51: private peering advertises no default route and no link subnet", "[msee]") {
  // MSEE: R51, Q6
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  auto plan = msee::make_plan(config({c}), catalogue());
  CHECK(plan.advertisements.empty());
}

// ---------------------------------------------------------------------------------------------
// Microsoft peering advertisements

TEST_CASE("R52: Microsoft peering advertises nothing without a route filter", "[msee]") {
  // MSEE: R52
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(microsoft_peering(""));
  auto plan = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
  CHECK(plan.advertisements.empty());
  // --check says so: a valid config, but rarely what was meant.
  CHECK(std::count_if(plan.notes.begin(), plan.notes.end(), [](const std::string& n) {
          return n.find("no route filter attached") != std::string::npos;
        }) == 2);  // IPv4 and IPv6
  SECTION("attaching the filter advertises its prefixes") {
    c.peerings[0].route_filter = "rf";
    auto attached = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
    CHECK(advertised(attached) == std::vector<std::string>{"20.2.0.0/16", "2603:1002::/32"});
    CHECK(attached.notes.empty());
  }
}

TEST_CASE("Q4: nothing is advertised while the customer's prefixes are ValidationNeeded",
          "[msee]") {
  // MSEE: Q4
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(microsoft_peering());
  c.peerings[0].microsoft_peering_config->advertised_public_prefixes_state =
      msee::PrefixesState::ValidationNeeded;
  c.peerings[0].ipv6_peering_config->microsoft_peering_config->advertised_public_prefixes_state =
      msee::PrefixesState::ValidationNeeded;
  auto plan = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
  CHECK(plan.advertisements.empty());
  CHECK(plan.notes.size() == 2);
  SECTION("IPv4 validated, IPv6 not: only IPv4 is advertised") {
    c.peerings[0].microsoft_peering_config->advertised_public_prefixes_state =
        msee::PrefixesState::Configured;
    auto half = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
    CHECK(advertised(half) == std::vector<std::string>{"20.2.0.0/16"});
  }
}

TEST_CASE("R52: only the filter's communities are advertised, with their communities",
          "[msee]") {
  // MSEE: R52, R55 — no 12076 in the originated path (it is prepended on export), IGP.
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(microsoft_peering());
  auto plan = msee::make_plan(config({c}, {filter({comm(12076, 5010)})}), catalogue());
  CHECK(advertised(plan) == std::vector<std::string>{"40.92.0.0/15"});
  const auto* a = advert(plan, "40.92.0.0/15");
  REQUIRE(a != nullptr);
  CHECK(a->attributes.communities == std::vector<wire::Community>{comm(12076, 5010)});
  REQUIRE(a->attributes.as_path);
  CHECK(a->attributes.as_path->segments.empty());
  CHECK(a->attributes.origin == wire::Origin::Igp);
  CHECK(sorted(a->to) ==
        sorted({"ckt/MicrosoftPeering/primary", "ckt/MicrosoftPeering/secondary"}));
  SECTION("an empty filter advertises nothing") {
    auto none = msee::make_plan(config({c}, {filter({})}), catalogue());
    CHECK(none.advertisements.empty());
  }
}

TEST_CASE("R53: Microsoft peering scope: Local, Standard and Premium", "[msee]") {
  // MSEE: R53 — filter allows West Europe, North Europe, East US and Entra ID (global).
  auto rf = filter({comm(12076, 51002), comm(12076, 51003), comm(12076, 51004),
                    comm(12076, 5060)});
  auto plan_for = [&](msee::SkuTier tier) {
    auto c = circuit("ckt", tier, "Amsterdam");
    c.peerings.push_back(microsoft_peering());
    c.peerings[0].ipv6_peering_config.reset();
    return advertised(msee::make_plan(config({c}, {rf}), catalogue()));
  };
  SECTION("Local: the region near Amsterdam and global prefixes") {
    CHECK(plan_for(msee::SkuTier::Local) ==
          std::vector<std::string>{"20.190.128.0/18", "20.2.0.0/16"});
  }
  SECTION("Standard: every region of the geopolitical area") {
    CHECK(plan_for(msee::SkuTier::Standard) ==
          std::vector<std::string>{"20.190.128.0/18", "20.2.0.0/16", "20.3.0.0/16"});
  }
  SECTION("Premium: every region") {
    CHECK(plan_for(msee::SkuTier::Premium) ==
          std::vector<std::string>{"20.190.128.0/18", "20.2.0.0/16", "20.3.0.0/16",
                                   "20.4.0.0/16"});
  }
}

TEST_CASE("R52: without a filter of its own the IPv6 Microsoft peering uses the peering's",
          "[msee]") {
  // MSEE: R52 — the spec does not say whether IPv6 needs its own filter attached; the emulator
  // applies the peering's routeFilter to both families (docs/circuit-config.md).
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(microsoft_peering());  // IPv4 filter "rf", IPv6 none
  auto plan = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
  CHECK(advertised(plan) == std::vector<std::string>{"20.2.0.0/16", "2603:1002::/32"});
}

TEST_CASE("R52: an IPv6-only route filter advertises on the IPv6 sessions only", "[msee]") {
  // MSEE: R52, R7 — the filter attached to ipv6PeeringConfig only.
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(microsoft_peering(""));
  c.peerings[0].ipv6_peering_config->route_filter = "rf";
  auto plan = msee::make_plan(config({c}, {filter({comm(12076, 51002)})}), catalogue());
  CHECK(advertised(plan) == std::vector<std::string>{"2603:1002::/32"});
  const auto* a = advert(plan, "2603:1002::/32");
  REQUIRE(a != nullptr);
  CHECK(sorted(a->to) ==
        sorted({"ckt/MicrosoftPeering/primary/ipv6", "ckt/MicrosoftPeering/secondary/ipv6"}));
}

TEST_CASE("R52: the IPv6 filter replaces the peering's filter for IPv6", "[msee]") {
  // MSEE: R52, R53 — IPv4 follows "rf" (West Europe), IPv6 follows "rf6" (global Entra ID v6).
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(microsoft_peering());
  c.peerings[0].ipv6_peering_config->route_filter = "rf6";
  auto cat = catalogue();
  cat.push_back(entry("Microsoft Entra ID", "global", {comm(12076, 5060)}, {"2603:1006::/40"}));
  msee::RouteFilter rf6{"rf6", {comm(12076, 5060)}, {}};
  auto plan = msee::make_plan(
      config({c}, {filter({comm(12076, 51002), comm(12076, 5060)}), rf6}), cat);
  CHECK(advertised(plan) ==
        std::vector<std::string>{"20.190.128.0/18", "20.2.0.0/16", "2603:1006::/40"});
}

// ---------------------------------------------------------------------------------------------
// Global Reach

TEST_CASE("R74: Global Reach exports each circuit's customer routes to the other", "[msee]") {
  // MSEE: R74 — symmetric, configured on one side.
  auto a = circuit("ckt-a", msee::SkuTier::Standard, "Amsterdam");
  a.peerings.push_back(private_peering());
  a.global_reach.push_back({"ckt-b", pfx("192.168.250.0/29"), {}});
  auto b = circuit("ckt-b", msee::SkuTier::Standard, "London");
  b.peerings.push_back(private_peering("192.168.200.0/30", "192.168.200.4/30"));
  auto plan = msee::make_plan(config({a, b}), {});
  const std::vector<std::string> a_sessions =
      sorted({"ckt-a/AzurePrivatePeering/primary", "ckt-a/AzurePrivatePeering/secondary"});
  const std::vector<std::string> b_sessions =
      sorted({"ckt-b/AzurePrivatePeering/primary", "ckt-b/AzurePrivatePeering/secondary"});
  for (const auto& n : a_sessions) {
    INFO(n);
    CHECK(sorted(session(plan, n)->export_from) == b_sessions);
  }
  for (const auto& n : b_sessions) {
    INFO(n);
    CHECK(sorted(session(plan, n)->export_from) == a_sessions);
  }
}

TEST_CASE("R74: Global Reach is not transitive", "[msee]") {
  // MSEE: R74 — A–B and B–C do not give A–C.
  auto a = circuit("a", msee::SkuTier::Standard, "Amsterdam");
  a.peerings.push_back(private_peering("192.168.1.0/30", "192.168.1.4/30"));
  a.global_reach.push_back({"b", std::nullopt, {}});
  auto b = circuit("b", msee::SkuTier::Standard, "London");
  b.peerings.push_back(private_peering("192.168.2.0/30", "192.168.2.4/30"));
  b.global_reach.push_back({"c", std::nullopt, {}});
  auto c = circuit("c", msee::SkuTier::Standard, "Paris");
  c.peerings.push_back(private_peering("192.168.3.0/30", "192.168.3.4/30"));
  auto plan = msee::make_plan(config({a, b, c}), {});
  auto from = [&](const char* n) { return sorted(session(plan, n)->export_from); };
  CHECK(from("a/AzurePrivatePeering/primary") ==
        sorted({"b/AzurePrivatePeering/primary", "b/AzurePrivatePeering/secondary"}));
  CHECK(from("c/AzurePrivatePeering/primary") ==
        sorted({"b/AzurePrivatePeering/primary", "b/AzurePrivatePeering/secondary"}));
  CHECK(from("b/AzurePrivatePeering/primary") ==
        sorted({"a/AzurePrivatePeering/primary", "a/AzurePrivatePeering/secondary",
                "c/AzurePrivatePeering/primary", "c/AzurePrivatePeering/secondary"}));
}

TEST_CASE("R74: Global Reach links private peerings, IPv4 to IPv4 and IPv6 to IPv6", "[msee]") {
  // MSEE: R74 — IPv6 is supported; Microsoft peering never takes part.
  auto a = circuit("a", msee::SkuTier::Premium, "Amsterdam");
  a.peerings.push_back(private_peering("192.168.1.0/30", "192.168.1.4/30"));
  a.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:1::/126", "fdcc:0:0:1::4/126");
  a.peerings.push_back(microsoft_peering());
  a.global_reach.push_back({"b", std::nullopt, {}});
  auto b = circuit("b", msee::SkuTier::Premium, "London");
  b.peerings.push_back(private_peering("192.168.2.0/30", "192.168.2.4/30"));
  b.peerings[0].ipv6_peering_config = v6_links("fdcc:0:0:2::/126", "fdcc:0:0:2::4/126");
  auto plan = msee::make_plan(config({a, b}, {filter({})}), {});
  CHECK(sorted(session(plan, "a/AzurePrivatePeering/primary/ipv6")->export_from) ==
        sorted({"b/AzurePrivatePeering/primary/ipv6", "b/AzurePrivatePeering/secondary/ipv6"}));
  CHECK(sorted(session(plan, "b/AzurePrivatePeering/secondary")->export_from) ==
        sorted({"a/AzurePrivatePeering/primary", "a/AzurePrivatePeering/secondary"}));
  CHECK(session(plan, "a/MicrosoftPeering/primary")->export_from.empty());
  SECTION("without Global Reach nothing is exported between circuits") {
    a.global_reach.clear();
    auto alone = msee::make_plan(config({a, b}, {filter({})}), {});
    for (const auto& s : alone.sessions) {
      CHECK(s.export_from.empty());
    }
  }
}

TEST_CASE("R3: all_link_prefixes lists every IPv4 and IPv6 link subnet", "[msee]") {
  // MSEE: R11, R41
  auto c = circuit("ckt", msee::SkuTier::Premium);
  c.peerings.push_back(private_peering());
  c.peerings.push_back(microsoft_peering());
  auto links = msee::all_link_prefixes(config({c}));
  std::vector<std::string> got;
  for (const auto& p : links) {
    got.push_back(p.to_string());
  }
  CHECK(sorted(got) == sorted({"192.168.100.128/30", "192.168.100.132/30", "203.0.113.0/30",
                               "203.0.113.4/30", "2001:db8:300::/126", "2001:db8:300::4/126"}));
}

TEST_CASE("R41: all_link_prefixes can leave one circuit's links out", "[msee]") {
  auto a = circuit("a");
  a.peerings.push_back(private_peering());
  auto b = circuit("b", msee::SkuTier::Standard, "London");
  b.peerings.push_back(private_peering("192.168.200.0/30", "192.168.200.4/30"));
  auto cfg = config({a, b});
  auto links = msee::all_link_prefixes(cfg, 0);
  std::vector<std::string> got;
  for (const auto& p : links) {
    got.push_back(p.to_string());
  }
  CHECK(sorted(got) == sorted({"192.168.200.0/30", "192.168.200.4/30"}));
  CHECK(msee::all_link_prefixes(cfg).size() == 4);
}
