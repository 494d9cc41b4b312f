// PrefixTable (rib/prefix_table.hpp): Key4/Key6 round trips, and seeded random upsert/find/erase
// sequences checked against a std::map model, through several grows and erase-heavy phases
// (backward-shift deletion), plus a key with a deliberately poor hash so that probe runs are long
// and wrap around the end of the slot array. Seeds are printed (INFO) on failure; pass
// --rng-seed N to add N to the fixed seeds.
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "rib/prefix_table.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;
using rib::Key4;
using rib::Key6;

namespace {

wire::Prefix pfx(const char* s) { return *wire::Prefix::parse(s); }

// A value that owns memory, so that a lost or doubled move shows up (ASan, or a wrong value).
struct Val {
  std::unique_ptr<std::uint64_t> box;
  std::uint64_t get() const { return box ? *box : 0; }
};

// Order for the std::map model.
struct KeyLess {
  bool operator()(const Key4& a, const Key4& b) const { return a.v < b.v; }
  bool operator()(const Key6& a, const Key6& b) const {
    return std::tie(a.hi, a.lo, a.length) < std::tie(b.hi, b.lo, b.length);
  }
  template <class K>
  bool operator()(const K& a, const K& b) const {
    return a.v < b.v;
  }
};

// A key whose hash sends every key to one of 8 homes at the very end of the table, so runs are
// long, wrap around slot 0 and mix keys with different homes.
struct CrowdedKey {
  std::uint64_t v = 0;  // 0 = empty
  bool operator==(const CrowdedKey&) const = default;
  bool empty() const { return v == 0; }
  std::uint64_t hash() const { return ~std::uint64_t{0} - (v % 8); }
};

std::vector<std::uint64_t> seeds() {
  std::vector<std::uint64_t> s = {1, 42, 0xC0FFEE};
  if (Catch::rngSeed() != 0) {
    s.push_back(Catch::rngSeed());
  }
  return s;
}

Key4 random_key4(std::mt19937_64& rng) {
  // A small universe (10.0.0.0/14, lengths 22..32) so that keys repeat and erase hits.
  std::uint8_t len = static_cast<std::uint8_t>(22 + rng() % 11);
  std::uint32_t addr = 0x0A000000u | static_cast<std::uint32_t>(rng() % (1u << 18)) << 8;
  addr &= ~0u << (32 - len);
  return Key4::from(wire::Prefix{wire::IpAddress::v4(addr), len});
}

Key6 random_key6(std::mt19937_64& rng) {
  std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  auto r = rng();
  b[4] = static_cast<std::uint8_t>(r % 64);
  b[5] = static_cast<std::uint8_t>((r >> 8) % 64);
  b[15] = static_cast<std::uint8_t>((r >> 16) % 2);
  std::uint8_t len = b[15] != 0 ? 128 : static_cast<std::uint8_t>(48 + (r >> 24) % 2 * 16);
  return Key6::from(wire::Prefix{wire::IpAddress::v6(b), len});
}

CrowdedKey random_crowded(std::mt19937_64& rng) { return CrowdedKey{1 + rng() % 600}; }

// Runs `phases` of (operation count, share of inserts in percent) against a std::map model and
// checks every answer, then size, for_each and every model key.
template <class Key, class Gen>
void run_against_model(std::uint64_t seed, Gen gen, std::vector<std::pair<int, int>> phases,
                       std::size_t min_grows) {
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  rib::PrefixTable<Key, Val> table;
  std::map<Key, std::uint64_t, KeyLess> model;
  std::set<std::size_t> capacities;
  std::uint64_t counter = 0;
  std::size_t peak = 0;

  auto check_all = [&]() {
    REQUIRE(table.size() == model.size());
    std::map<Key, std::uint64_t, KeyLess> seen;
    std::size_t visits = 0;
    table.for_each([&](const Key& k, const Val& v) {
      ++visits;
      seen[k] = v.get();
    });
    REQUIRE(visits == model.size());
    REQUIRE(seen == model);
    std::size_t wrong = 0;
    const auto& ct = table;
    for (const auto& [k, v] : model) {
      const Val* found = ct.find(k);
      wrong += found == nullptr || found->get() != v ? 1 : 0;
    }
    REQUIRE(wrong == 0);
  };

  for (std::size_t ph = 0; ph < phases.size(); ++ph) {
    INFO("phase " << ph);
    auto [ops, insert_pct] = phases[ph];
    int i = 0;
    // Per-operation checks without a Catch assertion each (millions of them are slow).
    auto ensure = [&](bool ok, const char* what) {
      if (!ok) {
        FAIL(what << " (operation " << i << ")");
      }
    };
    for (; i < ops; ++i) {
      auto roll = static_cast<int>(rng() % 100);
      // Mostly keys the model holds for erase and find (and some for upsert), else fresh ones.
      bool existing = rng() % 100 < (roll < insert_pct ? 30u : 80u);
      Key k = gen(rng);
      if (existing && !model.empty()) {
        auto near = model.lower_bound(k);
        k = near == model.end() ? model.begin()->first : near->first;
      }
      if (roll < insert_pct) {
        bool inserted = false;
        Val& v = table.upsert(k, inserted);
        auto it = model.find(k);
        ensure(inserted == (it == model.end()), "inserted == (it == model.end())");
        if (!inserted) {
          ensure(v.get() == it->second, "v.get() == it->second");
        } else {
          ensure(v.get() == 0, "v.get() == 0");
        }
        v.box = std::make_unique<std::uint64_t>(++counter);
        model[k] = counter;
      } else if (roll < insert_pct + (100 - insert_pct) / 2) {
        bool present = model.erase(k) != 0;
        ensure(table.erase(k) == present, "table.erase(k) == present");
        ensure(table.find(k) == nullptr, "table.find(k) == nullptr");
      } else {
        Val* v = table.find(k);
        auto it = model.find(k);
        ensure((v != nullptr) == (it != model.end()), "(v != nullptr) == (it != model.end())");
        if (v != nullptr) {
          ensure(v->get() == it->second, "v->get() == it->second");
        }
      }
      ensure(table.size() == model.size(), "table.size() == model.size()");
      capacities.insert(table.capacity());
      peak = std::max(peak, model.size());
      // Load stays at most 0.8.
      ensure(table.size() * 5 <= table.capacity() * 4, "load above 0.8");
      if (i % 4999 == 0) {
        check_all();
      }
    }
    check_all();
  }
  INFO("peak " << peak << ", capacities seen " << capacities.size());
  CHECK(capacities.size() >= min_grows);
  // Erase everything that is left, in model order.
  const std::size_t erased_expected = model.size();
  std::size_t erased = 0;
  for (auto it = model.begin(); it != model.end(); it = model.erase(it)) {
    erased += table.erase(it->first) ? 1 : 0;
  }
  CHECK(erased == erased_expected);
  CHECK(table.size() == 0);
  std::size_t visits = 0;
  table.for_each([&](const Key&, const Val&) { ++visits; });
  CHECK(visits == 0);
}

// Grow to a few thousand entries, drain most, refill, drain again.
const std::vector<std::pair<int, int>> kPhases = {
    {8000, 90}, {8000, 10}, {8000, 50}, {12000, 85}, {16000, 5}};

}  // namespace

TEST_CASE("Key4 and Key6 round-trip their prefix", "[rib]") {
  for (const char* s : {"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "192.0.2.1/32",
                        "255.255.255.255/32", "128.0.0.0/1"}) {
    INFO(s);
    auto k = Key4::from(pfx(s));
    CHECK_FALSE(k.empty());
    CHECK(k.prefix() == pfx(s));
  }
  for (const char* s : {"::/0", "2001:db8::/32", "2001:db8::1/128", "fe80::/10",
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::1/128", "8000::/1"}) {
    INFO(s);
    auto k = Key6::from(pfx(s));
    CHECK_FALSE(k.empty());
    CHECK(k.prefix() == pfx(s));
  }
  // Same address, different length: different keys (and a different hash, as it happens).
  CHECK_FALSE(Key4::from(pfx("10.0.0.0/8")) == Key4::from(pfx("10.0.0.0/16")));
  CHECK_FALSE(Key6::from(pfx("2001:db8::/32")) == Key6::from(pfx("2001:db8::/48")));
  CHECK(Key4{}.empty());
  CHECK(Key6{}.empty());
}

TEST_CASE("PrefixTable: empty table, erase of a missing key, clear", "[rib]") {
  rib::PrefixTable<Key4, Val> t;
  auto k = Key4::from(pfx("10.0.0.0/8"));
  CHECK(t.find(k) == nullptr);
  CHECK_FALSE(t.erase(k));
  CHECK(t.size() == 0);
  bool inserted = false;
  t.upsert(k, inserted).box = std::make_unique<std::uint64_t>(7);
  CHECK(inserted);
  CHECK(t.upsert(k, inserted).get() == 7);
  CHECK_FALSE(inserted);
  CHECK_FALSE(t.erase(Key4::from(pfx("10.0.0.0/9"))));
  CHECK(t.size() == 1);
  t.clear();
  CHECK(t.size() == 0);
  CHECK(t.capacity() == 0);
  CHECK(t.find(k) == nullptr);
  t.upsert(k, inserted);
  CHECK(inserted);
  CHECK(t.find(k)->get() == 0);
}

TEST_CASE("PrefixTable<Key4> matches a std::map model under random operations", "[rib]") {
  for (auto seed : seeds()) {
    run_against_model<Key4>(seed, random_key4, kPhases, 5);
  }
}

TEST_CASE("PrefixTable<Key6> matches a std::map model under random operations", "[rib]") {
  for (auto seed : seeds()) {
    run_against_model<Key6>(seed, random_key6, kPhases, 5);
  }
}

TEST_CASE("PrefixTable: long wrapping probe runs survive backward-shift deletion", "[rib]") {
  // 600 distinct keys, 8 homes: runs of hundreds of slots crossing the end of the array.
  for (auto seed : seeds()) {
    run_against_model<CrowdedKey>(seed, random_crowded,
                                  {{3000, 90}, {3000, 10}, {3000, 60}, {3000, 20}}, 4);
  }
}
