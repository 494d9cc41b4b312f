// The RFC 4724 §4.2 helper decision: which session endings keep a peer's routes as stale, and
// how RFC 8538's N bit changes it (every NOTIFICATION but a Hard Reset keeps them).
#include <catch2/catch.hpp>

#include <algorithm>

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
  CHECK(speaker::graceful_restart_stale_period(down(Kind::TransportClosed), gr(120), false) ==
        std::chrono::seconds(120));
  CHECK(speaker::graceful_restart_stale_period(down(Kind::HoldTimerExpired), gr(30), false) ==
        std::chrono::seconds(30));
}

TEST_CASE("A NOTIFICATION or a local stop withdraws the routes at once", "[app][gr]") {
  for (auto kind : {Kind::NotificationReceived, Kind::NotificationSent, Kind::ManualStop,
                    Kind::AutomaticStop}) {
    CHECK_FALSE(speaker::graceful_restart_stale_period(down(kind), gr(120), false).has_value());
  }
}

TEST_CASE("Without the capability, with restart time 0, or before Established: no stale period",
          "[app][gr]") {
  CHECK_FALSE(
      speaker::graceful_restart_stale_period(down(Kind::TransportClosed), std::nullopt, false));
  CHECK_FALSE(speaker::graceful_restart_stale_period(down(Kind::TransportClosed), gr(0), false));
  CHECK_FALSE(
      speaker::graceful_restart_stale_period(down(Kind::TransportClosed, false), gr(120), false));
}

namespace {
bgp::fsm::SessionDown with(Kind kind, bgp::wire::NotificationMessage n) {
  auto d = down(kind);
  d.notification = std::move(n);
  return d;
}
using bgp::wire::CeaseSubcode;
using bgp::wire::NotificationMessage;
}  // namespace

TEST_CASE("RFC 8538: with the N bit a NOTIFICATION keeps the routes stale, a Hard Reset does not",
          "[app][gr]") {
  const auto bfd_down = NotificationMessage::cease(CeaseSubcode::BfdDown);
  const auto hold = NotificationMessage::make(bgp::wire::ErrorCode::HoldTimerExpired, 0);
  const auto shutdown = NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown);
  const auto max_prefix = NotificationMessage::cease(CeaseSubcode::MaximumNumberOfPrefixesReached);
  const auto hard = NotificationMessage::hard_reset(bfd_down);
  const auto stale = std::optional<std::chrono::seconds>(std::chrono::seconds(120));
  // Received: only a Hard Reset ends graceful restart (RFC 8538 §4).
  CHECK(speaker::graceful_restart_stale_period(with(Kind::NotificationReceived, bfd_down),
                                               gr(120), true) == stale);
  CHECK(speaker::graceful_restart_stale_period(with(Kind::NotificationReceived, shutdown),
                                               gr(120), true) == stale);
  CHECK_FALSE(speaker::graceful_restart_stale_period(with(Kind::NotificationReceived, hard),
                                                     gr(120), true));
  // Sent: what we send inside a Hard Reset (RFC 8538 §5) ends it, the rest keeps it.
  CHECK(speaker::graceful_restart_stale_period(with(Kind::NotificationSent, hold), gr(120),
                                               true) == stale);
  CHECK(speaker::graceful_restart_stale_period(with(Kind::AutomaticStop, bfd_down), gr(120),
                                               true) == stale);
  CHECK_FALSE(speaker::graceful_restart_stale_period(with(Kind::AutomaticStop, max_prefix),
                                                     gr(120), true));
  CHECK_FALSE(speaker::graceful_restart_stale_period(with(Kind::ManualStop, shutdown), gr(120),
                                                     true));
  CHECK_FALSE(speaker::graceful_restart_stale_period(with(Kind::AutomaticStop, hard), gr(120),
                                                     true));
  // Without the N bit every NOTIFICATION withdraws (RFC 4724).
  CHECK_FALSE(speaker::graceful_restart_stale_period(with(Kind::NotificationReceived, bfd_down),
                                                     gr(120), false));
}

TEST_CASE("RFC 8538 §3: Hard Reset carries the NOTIFICATION it replaces", "[app][gr]") {
  const auto inner = NotificationMessage::cease(CeaseSubcode::AdministrativeShutdown, "bye");
  const auto hard = NotificationMessage::hard_reset(inner);
  CHECK(hard.is_hard_reset());
  REQUIRE(hard.data.size() == 2 + inner.data.size());
  CHECK(hard.data[0] == 6);
  CHECK(hard.data[1] == 2);
  CHECK(std::equal(inner.data.begin(), inner.data.end(), hard.data.begin() + 2));
  CHECK(bgp::fsm::ends_for_good(inner));
  CHECK_FALSE(bgp::fsm::ends_for_good(NotificationMessage::cease(CeaseSubcode::BfdDown)));
  CHECK_FALSE(bgp::fsm::ends_for_good(
      NotificationMessage::cease(CeaseSubcode::ConnectionCollisionResolution)));
}
