// The RFC 4724 §4.2 helper decision: which session endings keep a peer's routes as stale.
#include <catch2/catch.hpp>

#include "speaker/graceful_restart.hpp"

using namespace msee;
using Kind = bgp::fsm::SessionDown::Kind;

namespace {
bgp::fsm::SessionDown down(Kind kind, bool established = true) {
  bgp::fsm::SessionDown d;
  d.kind = kind;
  d.was_established = established;
  return d;
}
bgp::wire::GracefulRestartCap gr(std::uint16_t seconds) {
  bgp::wire::GracefulRestartCap c;
  c.restart_time = seconds;
  return c;
}
}  // namespace

TEST_CASE("A peer with graceful restart keeps its routes stale after losing the transport",
          "[app][gr]") {
  CHECK(speaker::graceful_restart_stale_period(down(Kind::TransportClosed), gr(120)) ==
        std::chrono::seconds(120));
  CHECK(speaker::graceful_restart_stale_period(down(Kind::HoldTimerExpired), gr(30)) ==
        std::chrono::seconds(30));
}

TEST_CASE("A NOTIFICATION or a local stop withdraws the routes at once", "[app][gr]") {
  for (auto kind : {Kind::NotificationReceived, Kind::NotificationSent, Kind::ManualStop,
                    Kind::AutomaticStop}) {
    CHECK_FALSE(speaker::graceful_restart_stale_period(down(kind), gr(120)).has_value());
  }
}

TEST_CASE("Without the capability, with restart time 0, or before Established: no stale period",
          "[app][gr]") {
  CHECK_FALSE(speaker::graceful_restart_stale_period(down(Kind::TransportClosed), std::nullopt));
  CHECK_FALSE(speaker::graceful_restart_stale_period(down(Kind::TransportClosed), gr(0)));
  CHECK_FALSE(speaker::graceful_restart_stale_period(down(Kind::TransportClosed, false), gr(120)));
}
