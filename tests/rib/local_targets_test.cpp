// Our own routes indexed by prefix and by neighbour (rib/local_targets.hpp): who may get a
// local route, what a neighbour's dump visits (its own blocks and the unrestricted ones, per
// family, each once), the union when a prefix is listed twice, and erasure.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "rib/local_targets.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {
wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }
wire::Prefix nth(std::uint32_t i) {
  return wire::Prefix{wire::IpAddress::v4(0x0A000000u + (i << 8)), 24};
}
std::vector<wire::Prefix> visited(const rib::LocalTargets& t, rib::PeerId peer,
                                  wire::Afi afi = wire::Afi::Ipv4) {
  std::vector<wire::Prefix> out;
  t.for_each_for(peer, afi, [&](const wire::Prefix& p) { out.push_back(p); });
  return out;
}
}  // namespace

TEST_CASE("A local route goes to everyone unless restricted, then only to its list",
          "[rib][local_targets]") {
  rib::LocalTargets t;
  CHECK(t.allows(pfx("192.0.2.0/24"), 7));  // not ours at all: no restriction recorded
  t.set(pfx("192.0.2.0/24"), {});
  t.set(pfx("198.51.100.0/24"), {5, 3, 5});
  CHECK(t.allows(pfx("192.0.2.0/24"), 7));
  CHECK(t.allows(pfx("198.51.100.0/24"), 3));
  CHECK(t.allows(pfx("198.51.100.0/24"), 5));
  CHECK_FALSE(t.allows(pfx("198.51.100.0/24"), 4));
  CHECK(t.allows(pfx("198.51.100.0/25"), 4));  // another prefix: unrestricted
  CHECK(t.size() == 2);
}

TEST_CASE("A neighbour's dump visits the unrestricted prefixes and its own blocks only",
          "[rib][local_targets]") {
  rib::LocalTargets t;
  t.set(pfx("192.0.2.0/24"), {});
  t.set(pfx("2001:db8::/32"), {});
  // 500 circuits, a block of 100 prefixes for each [primary, secondary] pair.
  for (std::uint32_t c = 0; c < 500; ++c) {
    for (std::uint32_t i = 0; i < 100; ++i) {
      t.set(nth(c * 100 + i), {static_cast<rib::PeerId>(2 * c + 1),
                               static_cast<rib::PeerId>(2 * c + 2)});
    }
  }
  auto v = visited(t, 41);  // the primary of circuit 20
  REQUIRE(v.size() == 101);
  CHECK(v.front() == pfx("192.0.2.0/24"));
  for (std::uint32_t i = 0; i < 100; ++i) {
    CHECK(v[i + 1] == nth(2000 + i));  // in the order they were recorded
  }
  CHECK(visited(t, 42) == std::vector<wire::Prefix>(v.begin(), v.end()));
  CHECK(visited(t, 41, wire::Afi::Ipv6) == std::vector{pfx("2001:db8::/32")});
  CHECK(visited(t, 2000) == std::vector{pfx("192.0.2.0/24")});  // named in no list
}

TEST_CASE("A prefix listed twice goes to the union of the lists that name neighbours",
          "[rib][local_targets]") {
  rib::LocalTargets t;
  auto p = pfx("203.0.113.0/24");
  t.add(p, {});
  CHECK(t.allows(p, 9));
  t.add(p, {1});
  CHECK(t.allows(p, 1));
  CHECK_FALSE(t.allows(p, 9));
  t.add(p, {2});
  t.add(p, {});  // an entry without `to` does not lift the restriction
  CHECK(t.allows(p, 1));
  CHECK(t.allows(p, 2));
  CHECK_FALSE(t.allows(p, 9));
  CHECK(visited(t, 1) == std::vector{p});
  CHECK(visited(t, 2) == std::vector{p});
  CHECK(visited(t, 9).empty());
  CHECK(t.size() == 1);
}

TEST_CASE("Erasing and re-setting prefixes keeps every list exact",
          "[rib][local_targets]") {
  rib::LocalTargets t;
  for (std::uint32_t i = 0; i < 10; ++i) {
    t.set(nth(i), {1});
  }
  t.erase(nth(3));
  t.erase(nth(9));  // the last one
  t.erase(nth(42));  // never recorded: nothing happens
  t.set(nth(5), {2});  // moves to another list
  auto v = visited(t, 1);
  std::sort(v.begin(), v.end());
  CHECK(v == std::vector{nth(0), nth(1), nth(2), nth(4), nth(6), nth(7), nth(8)});
  CHECK(visited(t, 2) == std::vector{nth(5)});
  CHECK(t.allows(nth(3), 2));  // erased: no longer restricted
  CHECK_FALSE(t.allows(nth(5), 1));
  for (std::uint32_t i = 0; i < 10; ++i) {
    t.erase(nth(i));
  }
  CHECK(t.size() == 0);
  CHECK(visited(t, 1).empty());
  CHECK(visited(t, 2).empty());
}
