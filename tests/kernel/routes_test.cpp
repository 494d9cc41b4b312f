// rtnetlink route requests: the bytes encode_route writes parse back to the same route, and a
// truncated or corrupted reply never yields a route with made-up next hops.
#include <catch2/catch.hpp>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "kernel/routes.hpp"

using namespace msee;
using bgp::wire::IpAddress;
using bgp::wire::Prefix;

namespace {
fib::NextHop nh(const char* a, int ifindex) { return {*IpAddress::parse(a), ifindex}; }

std::span<const std::uint8_t> payload(const std::vector<std::uint8_t>& msg) {
  return std::span<const std::uint8_t>(msg).subspan(NLMSG_ALIGN(sizeof(nlmsghdr)));
}

fib::Route round_trip(const fib::Route& r) {
  auto msg = kernel::detail::encode_route(fib::Op{fib::Op::Kind::Replace, r}, 7,
                                          kernel::kRouteProtocol);
  nlmsghdr h{};
  std::memcpy(&h, msg.data(), sizeof h);
  REQUIRE(h.nlmsg_len == msg.size());
  REQUIRE(h.nlmsg_type == RTM_NEWROUTE);
  REQUIRE((h.nlmsg_flags & (NLM_F_REPLACE | NLM_F_CREATE | NLM_F_ACK)) ==
          (NLM_F_REPLACE | NLM_F_CREATE | NLM_F_ACK));
  auto back = kernel::detail::parse_route(payload(msg), kernel::kRouteProtocol);
  REQUIRE(back);
  return *back;
}
}  // namespace

TEST_CASE("kernel routes: one next hop, IPv4, table above 255, round trip") {
  fib::Route r{1001, *Prefix::parse("10.50.0.0/16"), {nh("192.168.100.129", 4)}};
  auto b = round_trip(r);
  REQUIRE(b.table == 1001);
  REQUIRE(b.prefix == r.prefix);
  REQUIRE(b.next_hops == r.next_hops);
}

TEST_CASE("kernel routes: multipath IPv4 and IPv6 round trip (R60)") {
  fib::Route v4{1001, *Prefix::parse("10.50.0.0/16"),
                {nh("192.168.100.129", 4), nh("192.168.100.133", 5)}};
  REQUIRE(round_trip(v4).next_hops == v4.next_hops);
  fib::Route v6{1001, *Prefix::parse("fd50::/48"), {nh("fdcc:0:0:1::1", 4), nh("fdcc:0:0:1::5", 5)}};
  auto b = round_trip(v6);
  REQUIRE(b.prefix == v6.prefix);
  REQUIRE(b.next_hops == v6.next_hops);
}

TEST_CASE("kernel routes: a delete names table, prefix and our protocol only") {
  fib::Op del{fib::Op::Kind::Delete, {1002, *Prefix::parse("203.0.113.0/24"), {}}};
  auto msg = kernel::detail::encode_route(del, 9, kernel::kRouteProtocol);
  nlmsghdr h{};
  std::memcpy(&h, msg.data(), sizeof h);
  REQUIRE(h.nlmsg_type == RTM_DELROUTE);
  REQUIRE((h.nlmsg_flags & NLM_F_REPLACE) == 0);
  auto back = kernel::detail::parse_route(payload(msg), kernel::kRouteProtocol);
  REQUIRE(back);
  REQUIRE(back->next_hops.empty());
  REQUIRE(back->table == 1002);
}

TEST_CASE("kernel routes: another protocol's route is not ours") {
  fib::Route r{254, *Prefix::parse("10.0.0.0/8"), {nh("192.0.2.1", 2)}};
  auto msg = kernel::detail::encode_route(fib::Op{fib::Op::Kind::Replace, r}, 1, 12);  // BIRD's
  REQUIRE_FALSE(kernel::detail::parse_route(payload(msg), kernel::kRouteProtocol));
}

TEST_CASE("kernel routes: every truncation and one-byte change of a reply is parsed safely") {
  fib::Route r{1001, *Prefix::parse("10.50.0.0/16"),
               {nh("192.168.100.129", 4), nh("192.168.100.133", 5)}};
  auto msg = kernel::detail::encode_route(fib::Op{fib::Op::Kind::Replace, r}, 7,
                                          kernel::kRouteProtocol);
  std::vector<std::uint8_t> body(payload(msg).begin(), payload(msg).end());
  std::size_t parsed = 0;
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto cut = kernel::detail::parse_route(std::span(body.data(), n), kernel::kRouteProtocol);
    if (cut) {
      ++parsed;
      REQUIRE(cut->next_hops.size() <= 2);
    }
  }
  REQUIRE(parsed < body.size());  // most cuts leave an attribute half there: refused
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto m = body;
    m[i] ^= 0xff;
    auto got = kernel::detail::parse_route(m, kernel::kRouteProtocol);
    if (got) {
      REQUIRE(got->next_hops.size() <= 2);
    }
  }
}
