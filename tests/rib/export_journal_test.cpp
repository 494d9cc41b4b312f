// The shared export journal (rib/export_journal.hpp) read through Adj-RIB-Outs: one entry per
// change whatever the number of readers, each reader from its own cursor, entries dropped once
// every reader has read them, a slow reader taking its backlog over (collapsed) instead of
// holding the journal for fast ones, export-off readers skipping non-local changes, and a
// reader detached at session down or destruction.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <vector>

#include "rib/adj_rib_out.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;

namespace {
wire::IpAddress ip(const char* s) { return *wire::IpAddress::parse(s); }
wire::Prefix nth(std::uint32_t i) {
  return wire::Prefix{wire::IpAddress::v4(0x0A000000u + (i << 8)), 24};
}

wire::PathAttributes path(wire::Asn asn) {
  wire::PathAttributes a;
  a.origin = wire::Origin::Igp;
  a.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, {asn}}}};
  a.next_hop = ip("192.0.2.9");
  return a;
}

struct Rib {
  rib::AttrStore store;
  rib::LocRib loc{store};
  Rib() { loc.set_peer(1, {0, true, 1, ip("192.0.2.1")}); }
  void add(const wire::Prefix& p, rib::PeerId peer, wire::Asn asn) {
    loc.update(p, peer, store.intern(path(asn)));
  }
};

const wire::EncodeContext kCtx{true, false};
const auto kNextHop = std::optional<wire::IpAddress>(ip("192.0.2.254"));
constexpr auto kV4 = wire::kIpv4Unicast;

rib::ExportRule rule_for(rib::PeerId self) {
  rib::ExportRule r;
  r.self = self;
  return r;
}

// Announced and withdrawn prefixes of everything `out` has to send now.
struct Sent {
  std::set<wire::Prefix> announced, withdrawn;
};
Sent drain(rib::AdjRibOut& out, const Rib& r, const rib::ExportRule& rule) {
  Sent s;
  rib::ExportContext ectx{12076, 65010};
  while (out.pending(kV4)) {
    for (const auto& u : out.next_batch(kV4, r.loc, rule, ectx, kNextHop, kCtx)) {
      s.announced.insert(u.nlri.begin(), u.nlri.end());
      s.withdrawn.insert(u.withdrawn_routes.begin(), u.withdrawn_routes.end());
    }
  }
  (void)out.finish(kV4);
  return s;
}
}  // namespace

TEST_CASE("A change is journaled once and read by every attached peer", "[rib][journal]") {
  Rib r;
  rib::ExportJournal j;
  std::vector<std::unique_ptr<rib::AdjRibOut>> peers;
  for (int i = 0; i < 10; ++i) {
    peers.push_back(std::make_unique<rib::AdjRibOut>());
    peers.back()->attach(kV4, j);
  }
  CHECK(j.readers() == 10);
  for (std::uint32_t i = 0; i < 100; ++i) {
    r.add(nth(i), 1, 65001);
    j.append(nth(i), false, r.loc.size(kV4));
  }
  CHECK(j.size() == 100);  // not 10 x 100
  for (auto& p : peers) {
    CHECK(p->queued(kV4) == 100);
  }
  // Every peer gets all 100; the entries go once the last one has read them.
  for (std::size_t i = 0; i < peers.size(); ++i) {
    CHECK(drain(*peers[i], r, rule_for(2)).announced.size() == 100);
    CHECK(j.size() == (i + 1 < peers.size() ? 100u : 0u));
  }
}

TEST_CASE("Nothing is journaled while no peer reads", "[rib][journal]") {
  rib::ExportJournal j;
  j.append(nth(1), false, 1);
  CHECK(j.size() == 0);
  {
    rib::AdjRibOut out;
    out.attach(kV4, j);
    j.append(nth(1), false, 1);
    CHECK(j.size() == 1);
  }
  // Destroyed without reading: detached, and its entries are gone with it.
  CHECK(j.readers() == 0);
  CHECK(j.size() == 0);
}

TEST_CASE("A peer attached later sees only the changes after it attached", "[rib][journal]") {
  Rib r;
  rib::ExportJournal j;
  rib::AdjRibOut early, late;
  early.attach(kV4, j);
  r.add(nth(1), 1, 65001);
  j.append(nth(1), false, r.loc.size(kV4));
  late.attach(kV4, j);
  r.add(nth(2), 1, 65001);
  j.append(nth(2), false, r.loc.size(kV4));
  CHECK(drain(early, r, rule_for(2)).announced == std::set{nth(1), nth(2)});
  CHECK(drain(late, r, rule_for(2)).announced == std::set{nth(2)});
}

TEST_CASE("A withdrawal read from the journal is sent as one", "[rib][journal]") {
  Rib r;
  r.add(nth(1), 1, 65001);
  rib::ExportJournal j;
  rib::AdjRibOut out;
  out.attach(kV4, j);
  r.loc.withdraw(nth(1), 1);
  j.append(nth(1), false, r.loc.size(kV4));
  auto s = drain(out, r, rule_for(2));
  CHECK(s.withdrawn == std::set{nth(1)});
  CHECK(s.announced.empty());
}

TEST_CASE("A slow peer's cursor does not hold the journal for fast peers", "[rib][journal]") {
  Rib r;
  const std::uint32_t distinct = 1000;
  for (std::uint32_t i = 0; i < distinct; ++i) {
    r.add(nth(i), 1, 65001);
  }
  rib::ExportJournal j;
  rib::AdjRibOut fast, slow;
  fast.attach(kV4, j);
  slow.attach(kV4, j);
  // 200,000 changes of the same 1,000 prefixes: the fast peer reads after every 1,000, the
  // slow one never.
  const std::size_t bound = 2 * distinct + 65536;
  std::size_t most = 0;
  for (std::uint32_t round = 0; round < 200; ++round) {
    for (std::uint32_t i = 0; i < distinct; ++i) {
      j.append(nth(i), false, r.loc.size(kV4));
      most = std::max(most, j.size());
    }
    CHECK(drain(fast, r, rule_for(2)).announced.size() == distinct);
  }
  CHECK(most <= bound + 1);  // the journal never grew past its bound
  // The slow peer kept its backlog itself, once per prefix (plus what arrived since the last
  // take-over), not 200,000 entries.
  CHECK(slow.queued(kV4) <= distinct + bound);
  CHECK(slow.queued(kV4) >= distinct);
  // And when it reads at last, it gets every prefix.
  CHECK(drain(slow, r, rule_for(2)).announced.size() == distinct);
}

TEST_CASE("A mass withdrawal after a full table is no reason for a take-over", "[rib][journal]") {
  // 100,000 prefixes in, then all out (a full-table peer went down): the table shrinks to
  // nothing, but the journal's bound stays at twice its largest size, so a reader that has not
  // read yet keeps its place instead of taking a backlog over every 64k withdrawals.
  Rib r;
  rib::ExportJournal j;
  rib::AdjRibOut slow;
  slow.attach(kV4, j);
  const std::uint32_t n = 100000;
  for (std::uint32_t i = 0; i < n; ++i) {
    j.append(nth(i), false, i + 1);
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    j.append(nth(i), false, n - i - 1);
  }
  CHECK(j.size() == 2 * n);            // nothing taken over
  CHECK(slow.queued(kV4) == 2 * n);    // all of it still read from the journal
  // Once the reader has caught up, the next burst is bounded by the table again.
  drain(slow, r, rule_for(2));
  CHECK(j.size() == 0);
  for (std::uint32_t i = 0; i < 70000; ++i) {
    j.append(nth(i % 10), false, 10);
  }
  CHECK(j.size() <= 2 * 10 + 65536 + 1);
  CHECK(drain(slow, r, rule_for(2)).withdrawn.size() == 10);
}

TEST_CASE("Export off reads only the changes that involved our own routes", "[rib][journal]") {
  Rib r;
  r.add(nth(1), 1, 65001);
  r.add(nth(2), rib::kLocalPeer, 0);
  rib::ExportJournal j;
  rib::AdjRibOut out;
  out.attach(kV4, j);
  j.append(nth(1), false, r.loc.size(kV4));  // a peer's route: not for an export-off peer
  j.append(nth(2), true, r.loc.size(kV4));   // ours
  auto rule = rule_for(2);
  rule.export_routes = false;
  auto s = drain(out, r, rule);
  CHECK(s.announced == std::set{nth(2)});
  CHECK(s.withdrawn.empty());  // nothing sent for the skipped change, not even a withdrawal
}

TEST_CASE("Session down detaches from the journal, and a moved Adj-RIB-Out stays attached",
          "[rib][journal]") {
  Rib r;
  r.add(nth(1), 1, 65001);
  rib::ExportJournal j;
  rib::AdjRibOut a;
  a.attach(kV4, j);
  rib::AdjRibOut b(std::move(a));
  CHECK_FALSE(a.attached(kV4));
  CHECK(b.attached(kV4));
  CHECK(j.readers() == 1);
  j.append(nth(1), false, r.loc.size(kV4));
  CHECK(b.queued(kV4) == 1);
  b.reset();
  CHECK_FALSE(b.attached(kV4));
  CHECK(j.readers() == 0);
  CHECK(j.size() == 0);
}

TEST_CASE("A journal destroyed first leaves its readers detached, not dangling",
          "[rib][journal]") {
  rib::AdjRibOut out;
  {
    rib::ExportJournal j;
    out.attach(kV4, j);
  }
  CHECK_FALSE(out.attached(kV4));
  CHECK_FALSE(out.pending(kV4));
}
