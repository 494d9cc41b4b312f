// Global Reach across protocol threads (src/speaker/relay.cpp, MSEE: R74): a remote neighbour
// never starts a session; paths relayed to it enter its table and every table importing it
// (exportFrom), withdrawals and resets take them out, and relay_paths copies a neighbour's
// paths back out as values. Route watches: several at once, each removable. No sockets: the
// Speaker is built and never started.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "speaker/speaker.hpp"

using namespace msee;
namespace wire = bgp::wire;

namespace {

wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }
wire::IpAddress ip(const char* s) { return *wire::IpAddress::parse(s); }

wire::PathAttributes attrs(std::uint32_t origin_as) {
  wire::PathAttributes a;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, {origin_as}}}};
  a.next_hop = ip("192.0.2.9");
  return a;
}

speaker::RouterConfig config() {
  speaker::RouterConfig rc;
  rc.asn = 12076;
  rc.router_id = 0x0a000001;
  speaker::NeighborConfig imp;
  imp.name = "imp";
  imp.address = ip("192.0.2.1");
  imp.peer_asn = 65001;
  imp.table = "a";
  imp.export_routes = false;
  imp.export_from = {"src"};
  speaker::NeighborConfig src;
  src.name = "src";
  src.address = ip("192.0.2.9");
  src.peer_asn = 65002;
  src.table = "relayed";
  src.remote = true;
  rc.neighbors = {imp, src};
  return rc;
}

}  // namespace

TEST_CASE("Relay: paths relayed to a remote neighbour reach the table importing it (R74)",
          "[speaker][relay]") {
  boost::asio::io_context io;
  speaker::EventLog events;
  speaker::Speaker sp(io, config(), events);
  const auto* imp = sp.find_peer("imp");
  const auto* src = sp.find_peer("src");
  REQUIRE(imp != nullptr);
  REQUIRE(src != nullptr);
  CHECK(sp.is_remote("src"));
  CHECK_FALSE(sp.is_remote("imp"));
  const auto src_id = sp.peer_id(*src);
  const auto& table = sp.table_rib(sp.table_of(*imp));
  CHECK_FALSE(sp.source_up(src_id));

  std::size_t paths_seen = 0, peers_seen = 0;
  auto watch = sp.add_route_watch({[&](speaker::TableId, const wire::Prefix&) { ++paths_seen; },
                                   [&](rib::PeerId) { ++peers_seen; }});

  speaker::Speaker::RelayedPaths full;
  full.reset = true;
  full.up = true;
  full.info.address = ip("192.0.2.9");
  full.info.router_id = 0x0a000009;
  full.paths = {{pfx("10.60.0.0/16"), attrs(65002)}, {pfx("10.61.0.0/16"), attrs(65002)}};
  REQUIRE(sp.apply_relayed("src", full));
  CHECK(sp.source_up(src_id));
  REQUIRE(table.best(pfx("10.60.0.0/16")) != nullptr);
  CHECK(table.best(pfx("10.60.0.0/16"))->peer == src_id);
  CHECK(table.count(src_id, wire::kIpv4Unicast) == 2);
  CHECK(paths_seen == 4);  // two prefixes, in its own table and in the importing one
  CHECK(peers_seen == 1);  // the reset (and the source coming up)

  // Copied back out as values: everything (reset) or the prefixes asked for.
  auto all = sp.relay_paths("src", nullptr);
  REQUIRE(all);
  CHECK(all->reset);
  CHECK(all->up);
  REQUIRE(all->paths.size() == 2);
  CHECK(all->paths[0].second == attrs(65002));
  std::vector<wire::Prefix> asked{pfx("10.61.0.0/16"), pfx("10.99.0.0/16")};
  auto some = sp.relay_paths("src", &asked);
  REQUIRE(some);
  CHECK_FALSE(some->reset);
  REQUIRE(some->paths.size() == 2);
  CHECK(some->paths[0].second.has_value());
  CHECK_FALSE(some->paths[1].second.has_value());  // no path: relayed as a withdrawal
  CHECK_FALSE(sp.relay_paths("nobody", nullptr));

  // A change: one withdrawn, one replaced, one new.
  speaker::Speaker::RelayedPaths delta;
  delta.up = true;
  delta.info = full.info;
  delta.paths = {{pfx("10.60.0.0/16"), std::nullopt},
                 {pfx("10.61.0.0/16"), attrs(65010)},
                 {pfx("10.62.0.0/16"), attrs(65002)}};
  REQUIRE(sp.apply_relayed("src", delta));
  CHECK(table.best(pfx("10.60.0.0/16")) == nullptr);
  REQUIRE(table.best(pfx("10.61.0.0/16")) != nullptr);
  CHECK(table.store().get(table.best(pfx("10.61.0.0/16"))->attr) == attrs(65010));
  CHECK(table.best(pfx("10.62.0.0/16")) != nullptr);

  // Only a remote neighbour takes relayed paths.
  CHECK_FALSE(sp.apply_relayed("imp", delta));
  CHECK_FALSE(sp.apply_relayed("nobody", delta));

  // The source went down: an empty full copy empties both tables.
  sp.remove_route_watch(watch);
  auto before = paths_seen;
  speaker::Speaker::RelayedPaths down;
  down.reset = true;
  REQUIRE(sp.apply_relayed("src", down));
  CHECK_FALSE(sp.source_up(src_id));
  CHECK(table.size(wire::kIpv4Unicast) == 0);
  CHECK(sp.table_rib(sp.table_of(*src)).size(wire::kIpv4Unicast) == 0);
  CHECK(paths_seen == before);  // the watch was removed
}

TEST_CASE("Relay: several route watches at once, each removed by its handle",
          "[speaker][relay]") {
  boost::asio::io_context io;
  speaker::EventLog events;
  speaker::Speaker sp(io, config(), events);
  int a = 0, b = 0;
  auto ha = sp.add_route_watch({nullptr, [&](rib::PeerId) { ++a; }});
  auto hb = sp.add_route_watch({nullptr, [&](rib::PeerId) { ++b; }});
  CHECK(ha != hb);
  speaker::Speaker::RelayedPaths r;
  r.reset = true;
  sp.apply_relayed("src", r);
  CHECK((a == 1 && b == 1));
  sp.remove_route_watch(ha);
  sp.apply_relayed("src", r);
  CHECK((a == 1 && b == 2));
}
