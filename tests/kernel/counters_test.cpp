// Interface counters from /sys/class/net (kernel/counters.cpp, behind R85's statistics): lo's
// counters grow when a datagram crosses it; a missing or path-escaping name has none.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/links.hpp"

namespace kernel = msee::kernel;

TEST_CASE("lo counters exist and grow when a datagram crosses it", "[kernel]") {
  auto before = kernel::counters("lo");
  REQUIRE(before);

  // Receiver on an ephemeral port so that the datagram is delivered, not refused.
  const int rx = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(rx >= 0);
  REQUIRE(tx >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(rx, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(rx, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const char payload[64] = "msee-emu kernel_links counter probe";
  const auto sent = ::sendto(tx, payload, sizeof payload, 0,
                             reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  ::close(tx);
  ::close(rx);
  REQUIRE(sent == static_cast<ssize_t>(sizeof payload));

  auto after = kernel::counters("lo");
  REQUIRE(after);
  // Other traffic on lo can only add to these.
  CHECK(after->tx_packets >= before->tx_packets + 1);
  CHECK(after->rx_packets >= before->rx_packets + 1);
  CHECK(after->tx_bytes >= before->tx_bytes + sizeof payload);
  CHECK(after->rx_bytes >= before->rx_bytes + sizeof payload);
}

TEST_CASE("counters of a missing or unsafe interface name are absent", "[kernel]") {
  CHECK_FALSE(kernel::counters("no-such-if"));
  CHECK_FALSE(kernel::counters(""));
  CHECK_FALSE(kernel::counters("../../../proc"));
  CHECK_FALSE(kernel::counters("lo/../lo"));
}
