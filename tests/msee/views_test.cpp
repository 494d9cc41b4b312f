// Azure's views of an MSEE (msee/views.hpp): the list-route-tables rows (R82) and the
// list-route-tables-summary rows (R83), and Cisco's Up/Down column.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "msee/views.hpp"

using namespace msee;
using namespace msee::test;
using namespace std::chrono_literals;

TEST_CASE("R83: Up/Down is Cisco-style: hh:mm:ss, then XdYYh, then XwYd", "[msee]") {
  CHECK(msee::cisco_up_down(0s) == "00:00:00");
  CHECK(msee::cisco_up_down(3725s) == "01:02:05");
  CHECK(msee::cisco_up_down(86399s) == "23:59:59");
  CHECK(msee::cisco_up_down(86400s) == "1d00h");
  CHECK(msee::cisco_up_down(3 * 86400s + 4 * 3600s) == "3d04h");
  CHECK(msee::cisco_up_down(7 * 86400s) == "1w0d");
  CHECK(msee::cisco_up_down(60 * 86400s) == "8w4d");  // the example Azure's docs show
  CHECK(msee::cisco_up_down(-5s) == "00:00:00");
}

namespace {
msee::EmulatorConfig one_circuit() {
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings.push_back(microsoft_peering());
  c.peerings[1].route_filter = "rf";
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16"}));
  msee::RouteFilter rf;
  rf.name = "rf";
  rf.communities = {comm(12076, 5010)};
  return config({c}, {rf});
}
}  // namespace

TEST_CASE("R82: private peering table: customer routes and VNet routes via each gateway instance",
          "[msee]") {
  auto cfg = one_circuit();
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  const auto* s = session(plan, "ckt/AzurePrivatePeering/primary");
  REQUIRE(s != nullptr);
  std::vector<msee::ReceivedRoute> received = {
      {pfx("10.50.0.0/16"), ip("192.168.100.129"), "65001"},
      {pfx("0.0.0.0/0"), ip("192.168.100.129"), "65001 65001"}};
  auto rows = msee::route_table(cfg, plan, *s, received);
  REQUIRE(rows.size() == 4);
  // Sorted by prefix: the default route first.
  CHECK(rows[0].network == "0.0.0.0/0");
  CHECK(rows[0].path == "65001 65001");
  // MSEE: R82 — VNet prefixes from the gateway, AS 65515, one row per instance.
  CHECK(rows[1].network == "10.1.0.0/16");
  CHECK(rows[1].next_hop == "10.1.0.4");
  CHECK(rows[1].path == "65515");
  CHECK(rows[2].next_hop == "10.1.0.5");
  // MSEE: R46 — customer route: next hop = CE, weight 0, locPrf empty, path as received.
  CHECK(rows[3].network == "10.50.0.0/16");
  CHECK(rows[3].next_hop == "192.168.100.129");
  CHECK(rows[3].loc_prf.empty());
  CHECK(rows[3].weight == 0);
  CHECK(rows[3].path == "65001");
}

TEST_CASE("R82: Microsoft peering table holds the filter's prefixes, not the VNets", "[msee]") {
  auto cfg = one_circuit();
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  const auto* s = session(plan, "ckt/MicrosoftPeering/primary");
  REQUIRE(s != nullptr);
  auto rows = msee::route_table(cfg, plan, *s, {});
  REQUIRE_FALSE(rows.empty());
  for (const auto& r : rows) {
    CHECK(r.network != "10.1.0.0/16");
  }
  bool exchange = false;
  for (const auto& r : rows) {
    exchange = exchange || r.network == "40.92.0.0/15";
  }
  CHECK(exchange);
}

TEST_CASE("R83: statePfxRcd is the count when Established, else the state name", "[msee]") {
  auto cfg = one_circuit();
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  const auto* s = session(plan, "ckt/AzurePrivatePeering/secondary");
  REQUIRE(s != nullptr);
  msee::SessionState up{true, "Established", 42, 3725s};
  auto rows = msee::route_table_summary(cfg, *s, up, 90000s);
  REQUIRE(rows.size() == 3);  // the CE and the two gateway instances
  CHECK(rows[0].neighbor == "192.168.100.133");
  CHECK(rows[0].v == 4);
  CHECK(rows[0].as == 65001);
  CHECK(rows[0].up_down == "01:02:05");
  CHECK(rows[0].state_pfx_rcd == "42");
  // MSEE: R83 (obs) — the gateway instances, AS 65515, with the VNet's prefix count.
  CHECK(rows[1].as == 65515);
  CHECK(rows[1].state_pfx_rcd == "1");
  CHECK(rows[1].up_down == "1d01h");

  msee::SessionState down{false, "Active", 0, 10s};
  rows = msee::route_table_summary(cfg, *s, down, 10s);
  CHECK(rows[0].state_pfx_rcd == "Active");
}

TEST_CASE("R83: Microsoft peering summary lists only the customer neighbour", "[msee]") {
  auto cfg = one_circuit();
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  const auto* s = session(plan, "ckt/MicrosoftPeering/primary");
  REQUIRE(s != nullptr);
  auto rows = msee::route_table_summary(cfg, *s, msee::SessionState{false, "Idle", 0, 0s}, 0s);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state_pfx_rcd == "Idle");
}

TEST_CASE("R82: an IPv6 private peering table shows the VNet's IPv6 prefixes via IPv6 gateways",
          "[msee]") {
  auto c = circuit("ckt");
  c.peerings.push_back(private_peering());
  c.peerings[0].ipv6_peering_config = v6_links("2001:db8:100::/126", "2001:db8:100::4/126");
  c.vnets.push_back(vnet("hub", "westeurope", {"10.1.0.0/16", "fd00:1::/48"}));
  auto cfg = config({c}, {});
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  const msee::SessionPlan* s6 = nullptr;
  for (const auto& s : plan.sessions) {
    if (s.afi == bgp::wire::Afi::Ipv6 && s.path == msee::LinkPath::Primary) {
      s6 = &s;
    }
  }
  REQUIRE(s6 != nullptr);
  auto rows = msee::route_table(cfg, plan, *s6, {});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].network == "fd00:1::/48");
  CHECK(rows[0].next_hop == "fd00:1::4");
  CHECK(rows[1].next_hop == "fd00:1::5");
  auto summary = msee::route_table_summary(cfg, *s6, msee::SessionState{true, "Established", 0, 0s},
                                           0s);
  REQUIRE(summary.size() == 3);
  CHECK(summary[1].neighbor == "fd00:1::4");
  CHECK(summary[1].state_pfx_rcd == "1");
}
