// The forwarding decision (R45, R60, R74) one attribute at a time, and the programmed-state diff.
#include <catch2/catch.hpp>

#include "fib/fib.hpp"

using namespace msee;
using bgp::wire::IpAddress;
using bgp::wire::Prefix;

namespace {
fib::NextHop nh(const char* a, int ifindex) { return {*IpAddress::parse(a), ifindex}; }
fib::Candidate cand(const char* a, int ifindex, std::size_t len, std::uint8_t rank = 0) {
  return {nh(a, ifindex), len, rank};
}
const Prefix kP = *Prefix::parse("10.50.0.0/16");
}  // namespace

TEST_CASE("fib select: both links with equal AS paths give one multipath route (R60)") {
  std::vector<fib::Candidate> c{cand("192.168.100.133", 5, 1), cand("192.168.100.129", 4, 1)};
  auto hops = fib::select(c);
  REQUIRE(hops == std::vector<fib::NextHop>{nh("192.168.100.129", 4), nh("192.168.100.133", 5)});
}

TEST_CASE("fib select: a CE prepend on one link leaves only the other (R45)") {
  std::vector<fib::Candidate> c{cand("192.168.100.129", 4, 3), cand("192.168.100.133", 5, 1)};
  REQUIRE(fib::select(c) == std::vector<fib::NextHop>{nh("192.168.100.133", 5)});
}

TEST_CASE("fib select: the circuit's own sessions before Global Reach, whatever the path (R74)") {
  std::vector<fib::Candidate> c{cand("192.168.10.1", 7, 1, 1), cand("192.168.100.129", 4, 4, 0)};
  REQUIRE(fib::select(c) == std::vector<fib::NextHop>{nh("192.168.100.129", 4)});
  std::vector<fib::Candidate> gr{cand("192.168.10.1", 7, 1, 1)};
  REQUIRE(fib::select(gr) == std::vector<fib::NextHop>{nh("192.168.10.1", 7)});
}

TEST_CASE("fib select: no candidate, no route, and a next hop given twice counts once") {
  REQUIRE(fib::select({}).empty());
  std::vector<fib::Candidate> c{cand("192.168.100.129", 4, 1), cand("192.168.100.129", 4, 1)};
  REQUIRE(fib::select(c).size() == 1);
}

TEST_CASE("fib Programmed: replace once, nothing when unchanged, delete when empty") {
  fib::Programmed p;
  auto op = p.set(1001, kP, {nh("192.168.100.129", 4)});
  REQUIRE(op);
  REQUIRE(op->kind == fib::Op::Kind::Replace);
  REQUIRE_FALSE(p.set(1001, kP, {nh("192.168.100.129", 4)}));
  auto two = p.set(1001, kP, {nh("192.168.100.129", 4), nh("192.168.100.133", 5)});
  REQUIRE(two);
  REQUIRE(p.next_hop_count() == 2);
  // The same prefix in another circuit's table is another route (circuits kept apart).
  REQUIRE(p.set(1011, kP, {nh("192.168.10.1", 7)}));
  REQUIRE(p.size() == 2);
  auto del = p.set(1001, kP, {});
  REQUIRE(del);
  REQUIRE(del->kind == fib::Op::Kind::Delete);
  REQUIRE_FALSE(p.set(1001, kP, {}));
  REQUIRE(p.find(1011, kP) != nullptr);
  auto all = p.clear();
  REQUIRE(all.size() == 1);
  REQUIRE(fib::describe(all[0]) == "delete 10.50.0.0/16 table 1011");
  REQUIRE(p.size() == 0);
}
