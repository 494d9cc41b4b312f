// Address → interface (kernel/links.cpp): the loopback link as a live fixture that needs no
// root, an address no link holds, and the Cisco MAC form Azure's ARP table shows (R84).
#include <catch2/catch.hpp>

#include <net/if.h>

#include "kernel/links.hpp"

using namespace msee;
namespace kernel = msee::kernel;
using bgp::wire::IpAddress;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

}  // namespace

TEST_CASE("cisco_mac turns a colon MAC into Azure's dotted form", "[kernel]") {
  CHECK(kernel::cisco_mac("aa:bb:cc:dd:ee:ff") == "aabb.ccdd.eeff");
  CHECK(kernel::cisco_mac("00:0D:3A:12:Ab:cD") == "000d.3a12.abcd");
  CHECK(kernel::cisco_mac("00:00:00:00:00:00") == "0000.0000.0000");
  SECTION("anything else is Incomplete") {
    for (const char* bad : {"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:", "aa-bb-cc-dd-ee-ff",
                            "aabb.ccdd.eeff", "aa:bb:cc:dd:ee:fg", "a:bb:cc:dd:ee:fff",
                            "aa:bb:cc:dd:ee:ff:00:11", " aa:bb:cc:dd:ee:f"}) {
      INFO(bad);
      CHECK(kernel::cisco_mac(bad) == "Incomplete");
    }
  }
}

TEST_CASE("127.0.0.1 is held by the loopback interface", "[kernel]") {
  auto lo = kernel::interface_for_address(ip("127.0.0.1"));
  REQUIRE(lo);
  CHECK(lo->name == "lo");
  CHECK(lo->loopback);
  CHECK(lo->up);
  CHECK(lo->ifindex == static_cast<int>(if_nametoindex("lo")));
  CHECK(lo->mac == "00:00:00:00:00:00");

  SECTION("an IPv4-mapped IPv6 address finds the same link") {
    auto mapped = kernel::interface_for_address(ip("::ffff:127.0.0.1"));
    REQUIRE(mapped);
    CHECK(mapped->name == "lo");
  }
  SECTION("any other 127.x address is the loopback link's too (loopback addressing)") {
    auto other = kernel::interface_for_address(ip("127.45.0.2"));
    REQUIRE(other);
    CHECK(other->name == "lo");
    CHECK(other->loopback);
  }
  SECTION("::1 is on lo too when IPv6 is enabled") {
    if (auto v6 = kernel::interface_for_address(ip("::1"))) {
      CHECK(v6->name == "lo");
    }
  }
}

TEST_CASE("an address no interface holds has no interface", "[kernel]") {
  CHECK_FALSE(kernel::interface_for_address(ip("192.0.2.123")));
  CHECK_FALSE(kernel::interface_for_address(ip("2001:db8::7b")));
}
