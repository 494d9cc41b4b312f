// AttrStore (rib/attr_store.hpp): identical attribute sets share one id with a reference count,
// different sets get different ids (also when they differ only in fields the hash skips), the
// last unref frees the set and its id is reused.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "rib/attr_store.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {

wire::PathAttributes base() {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, {65001, 65002}}}};
  a.next_hop = wire::IpAddress::v4(0xC0000201);
  a.med = 10;
  a.communities = {0xFDE80001};
  return a;
}

}  // namespace

TEST_CASE("AttrStore: identical sets share one id and count references", "[rib]") {
  rib::AttrStore store;
  CHECK(store.size() == 0);
  auto a = store.intern(base());
  CHECK(a != rib::kNoAttr);
  CHECK(store.size() == 1);
  auto b = store.intern(base());
  CHECK(b == a);
  store.ref(a);
  CHECK(store.size() == 1);
  CHECK(store.get(a) == base());
  // Three references: two interns and one ref().
  store.unref(a);
  store.unref(a);
  CHECK(store.size() == 1);
  CHECK(store.get(a) == base());
  store.unref(a);
  CHECK(store.size() == 0);
}

TEST_CASE("AttrStore: different sets get different ids", "[rib]") {
  rib::AttrStore store;
  std::vector<wire::PathAttributes> variants;
  variants.push_back(base());
  auto add = [&](auto change) {
    auto v = base();
    change(v);
    variants.push_back(v);
  };
  add([](wire::PathAttributes& v) { v.origin = wire::Origin::Egp; });
  add([](wire::PathAttributes& v) { v.origin.reset(); });
  add([](wire::PathAttributes& v) { v.as_path->segments[0].asns.push_back(3); });
  add([](wire::PathAttributes& v) { v.as_path->segments[0].type = wire::AsSegmentType::AsSet; });
  add([](wire::PathAttributes& v) { v.as_path.reset(); });
  add([](wire::PathAttributes& v) { v.next_hop = wire::IpAddress::v4(0xC0000202); });
  add([](wire::PathAttributes& v) { v.next_hop = *wire::IpAddress::parse("2001:db8::1"); });
  add([](wire::PathAttributes& v) { v.med.reset(); });
  add([](wire::PathAttributes& v) { v.med = 0; });
  add([](wire::PathAttributes& v) { v.local_pref = 100; });
  add([](wire::PathAttributes& v) { v.atomic_aggregate = true; });
  add([](wire::PathAttributes& v) { v.communities.push_back(1); });
  add([](wire::PathAttributes& v) { v.large_communities.push_back({4200000001u, 1, 2}); });
  // Fields the hash does not mix in (or only by count): full comparison must tell them apart.
  add([](wire::PathAttributes& v) { v.originator_id = 0x0A000001; });
  add([](wire::PathAttributes& v) { v.originator_id = 0x0A000002; });
  add([](wire::PathAttributes& v) { v.cluster_list = {1}; });
  add([](wire::PathAttributes& v) { v.cluster_list = {2}; });
  add([](wire::PathAttributes& v) {
    v.aggregator = wire::Aggregator{65001, wire::IpAddress::v4(1)};
  });
  add([](wire::PathAttributes& v) {
    v.aggregator = wire::Aggregator{65001, wire::IpAddress::v4(2)};
  });
  add([](wire::PathAttributes& v) { v.ext_communities = {wire::ExtendedCommunity{{0, 2, 0, 1}}}; });
  add([](wire::PathAttributes& v) { v.ext_communities = {wire::ExtendedCommunity{{0, 2, 0, 2}}}; });
  add([](wire::PathAttributes& v) { v.unknown = {{wire::kFlagOptional, 99, {1}}}; });
  add([](wire::PathAttributes& v) { v.unknown = {{wire::kFlagOptional, 99, {2}}}; });
  add([](wire::PathAttributes& v) { v.unknown = {{wire::kFlagOptional, 98, {1}}}; });

  std::vector<rib::AttrId> ids;
  std::set<rib::AttrId> distinct;
  for (const auto& v : variants) {
    ids.push_back(store.intern(v));
    distinct.insert(ids.back());
  }
  CHECK(distinct.size() == variants.size());
  CHECK(distinct.count(rib::kNoAttr) == 0);
  CHECK(store.size() == variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) {
    INFO("variant " << i);
    CHECK(store.get(ids[i]) == variants[i]);
    // Interning again finds the same id.
    CHECK(store.intern(variants[i]) == ids[i]);
  }
  CHECK(store.size() == variants.size());
  for (auto id : ids) {
    store.unref(id);
    store.unref(id);
  }
  CHECK(store.size() == 0);
}

TEST_CASE("AttrStore: freeing the last reference frees the set and its id is reused", "[rib]") {
  rib::AttrStore store;
  auto a = store.intern(base());
  auto other = base();
  other.med = 99;
  auto b = store.intern(other);
  REQUIRE(a != b);
  CHECK(store.size() == 2);

  store.unref(a);
  CHECK(store.size() == 1);
  CHECK(store.get(b) == other);

  // A new, different set takes the freed id.
  auto third = base();
  third.local_pref = 300;
  auto c = store.intern(third);
  CHECK(c == a);
  CHECK(store.get(c) == third);
  CHECK(store.size() == 2);

  // The freed set is not found any more: interning it again gives a fresh entry.
  auto d = store.intern(base());
  CHECK(d != b);
  CHECK(d != c);
  CHECK(store.get(d) == base());
  CHECK(store.size() == 3);

  store.unref(b);
  store.unref(c);
  store.unref(d);
  CHECK(store.size() == 0);

  // Every freed id is reused before the store grows.
  std::set<rib::AttrId> reused;
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto v = base();
    v.med = 1000 + i;
    reused.insert(store.intern(v));
  }
  CHECK(reused == std::set<rib::AttrId>{b, c, d});
}

TEST_CASE("AttrStore: many sets with shared and unshared references", "[rib]") {
  rib::AttrStore store;
  std::vector<rib::AttrId> ids;
  for (std::uint32_t round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 500; ++i) {
      auto v = base();
      v.med = i;
      auto id = store.intern(v);
      if (round > 0) {
        CHECK(id == ids[i]);
      } else {
        ids.push_back(id);
      }
    }
  }
  CHECK(store.size() == 500);
  for (std::uint32_t round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 500; i += 2) {
      store.unref(ids[i]);
    }
  }
  CHECK(store.size() == 250);
  for (std::uint32_t i = 1; i < 500; i += 2) {
    auto v = base();
    v.med = i;
    CHECK(store.get(ids[i]) == v);
    store.unref(ids[i]);
    store.unref(ids[i]);
    store.unref(ids[i]);
  }
  CHECK(store.size() == 0);
}
