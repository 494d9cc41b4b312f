// Maximum-prefix tracker (rib/prefix_limit.hpp) as pure calls: the MSEE's `maximum-prefix 4000
// 80 restart 1` (MSEE behaviour R36, R37, Q1, Q2): exactly the limit is accepted, one more is
// Exceeded, the 80 % warning fires once per upward crossing, and the RFC 4486 §4 Cease data.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "rib/prefix_limit.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;
using rib::LimitEvent;
using rib::PrefixLimit;
using rib::PrefixLimitConfig;

namespace {

struct Step {
  std::uint64_t count;
  LimitEvent event;
};

// Feeds `limit` the prefix counts in order, checking the event each one yields.
void expect_events(PrefixLimit& limit, const std::vector<Step>& steps) {
  for (const auto& step : steps) {
    INFO("count " << step.count);
    CHECK(limit.update(step.count) == step.event);
  }
}

}  // namespace

TEST_CASE("R37: exactly the limit is accepted, limit + 1 is Exceeded", "[prefix-limit]") {
  // MSEE: R37 — the session drops only when the count goes above the limit.
  PrefixLimit limit(PrefixLimitConfig{4000, 80});
  CHECK(limit.enabled());
  CHECK(limit.update(4000) == LimitEvent::Warning);  // first upward crossing of 3200
  CHECK(limit.update(4000) == LimitEvent::None);
  CHECK(limit.update(4001) == LimitEvent::Exceeded);
  SECTION("Exceeded is reported on every call while over the limit") {
    CHECK(limit.update(4002) == LimitEvent::Exceeded);
    CHECK(limit.update(4001) == LimitEvent::Exceeded);
  }
  SECTION("a jump from nothing straight over the limit is Exceeded without a Warning first") {
    PrefixLimit fresh(PrefixLimitConfig{4000, 80});
    CHECK(fresh.update(0) == LimitEvent::None);
    CHECK(fresh.update(4001) == LimitEvent::Exceeded);
  }
}

TEST_CASE("R36: the small limits (200 on Microsoft peering, 100 on private IPv6) count alike",
          "[prefix-limit]") {
  // MSEE: R36
  PrefixLimit ms(PrefixLimitConfig{200, 80});
  expect_events(ms, {{159, LimitEvent::None},
                     {160, LimitEvent::Warning},
                     {200, LimitEvent::None},
                     {201, LimitEvent::Exceeded}});
  PrefixLimit v6(PrefixLimitConfig{100, 80});
  expect_events(v6, {{100, LimitEvent::Warning}, {101, LimitEvent::Exceeded}});
}

TEST_CASE("Q1: the warning fires at 80 % once per upward crossing and clears below it",
          "[prefix-limit]") {
  // MSEE: Q1 — `maximum-prefix 4000 80`: log at 80 %, once.
  PrefixLimit limit(PrefixLimitConfig{4000, 80});
  CHECK(limit.warning_threshold() == 3200);
  expect_events(limit, {{1, LimitEvent::None},
                        {3199, LimitEvent::None},
                        {3200, LimitEvent::Warning},
                        {3201, LimitEvent::None},
                        {3999, LimitEvent::None},
                        {3200, LimitEvent::None},
                        {3199, LimitEvent::WarningCleared},
                        {3100, LimitEvent::None},
                        {3250, LimitEvent::Warning}});  // a new upward crossing warns again
  SECTION("falling back from Exceeded below the threshold clears the warning") {
    expect_events(limit, {{4001, LimitEvent::Exceeded},
                          {10, LimitEvent::WarningCleared},
                          {3200, LimitEvent::Warning}});
  }
  SECTION("reset() forgets the warning (new session)") {
    limit.reset();
    CHECK(limit.update(3300) == LimitEvent::Warning);
  }
}

TEST_CASE("Q1: the warning threshold is rounded up", "[prefix-limit]") {
  // MSEE: Q1
  CHECK(PrefixLimit(PrefixLimitConfig{4000, 80}).warning_threshold() == 3200);
  CHECK(PrefixLimit(PrefixLimitConfig{10000, 80}).warning_threshold() == 8000);
  CHECK(PrefixLimit(PrefixLimitConfig{5, 80}).warning_threshold() == 4);
  CHECK(PrefixLimit(PrefixLimitConfig{7, 80}).warning_threshold() == 6);  // 5.6 → 6
  CHECK(PrefixLimit(PrefixLimitConfig{1, 80}).warning_threshold() == 1);
  PrefixLimit seven(PrefixLimitConfig{7, 80});
  CHECK(seven.update(5) == LimitEvent::None);
  CHECK(seven.update(6) == LimitEvent::Warning);
}

TEST_CASE("Q1: warning percent 0 disables the warning, not the limit", "[prefix-limit]") {
  // MSEE: Q1
  PrefixLimit limit(PrefixLimitConfig{10, 0});
  CHECK(limit.warning_threshold() == 0);
  CHECK(limit.update(10) == LimitEvent::None);
  CHECK(limit.update(11) == LimitEvent::Exceeded);
}

TEST_CASE("R36: limit 0 disables the tracker", "[prefix-limit]") {
  // MSEE: R36 — overrides may switch the limit off for experiments.
  PrefixLimit none;
  CHECK_FALSE(none.enabled());
  CHECK(none.warning_threshold() == 0);
  CHECK(none.update(0) == LimitEvent::None);
  CHECK(none.update(1000000) == LimitEvent::None);
  PrefixLimit zero(PrefixLimitConfig{0, 80});
  CHECK_FALSE(zero.enabled());
  CHECK(zero.update(4001) == LimitEvent::None);
}

TEST_CASE("R37: Cease/1 data is AFI, SAFI and the upper bound (RFC 4486 §4)", "[prefix-limit]") {
  // MSEE: R37 — Cease subcode 1 "Maximum Number of Prefixes Reached".
  CHECK(rib::max_prefix_cease_data(wire::kIpv4Unicast, 4000) ==
        std::vector<std::uint8_t>{0x00, 0x01, 0x01, 0x00, 0x00, 0x0f, 0xa0});
  CHECK(rib::max_prefix_cease_data(wire::kIpv6Unicast, 100) ==
        std::vector<std::uint8_t>{0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x64});
  CHECK(rib::max_prefix_cease_data(wire::kIpv4Unicast, 10000) ==
        std::vector<std::uint8_t>{0x00, 0x01, 0x01, 0x00, 0x00, 0x27, 0x10});
  CHECK(rib::max_prefix_cease_data(wire::kIpv4Unicast, 0xfedcba98u) ==
        std::vector<std::uint8_t>{0x00, 0x01, 0x01, 0xfe, 0xdc, 0xba, 0x98});
}

TEST_CASE("verify_limit turns the crossings into actions the caller carries out",
          "[rib][limit]") {
  using Kind = rib::LimitAction::Kind;
  rib::PrefixLimit limit({10, 80});
  CHECK_FALSE(rib::verify_limit(limit, wire::kIpv4Unicast, 7).has_value());
  auto warn = rib::verify_limit(limit, wire::kIpv4Unicast, 8);
  REQUIRE(warn);
  CHECK(warn->kind == Kind::Warn);
  CHECK(warn->count == 8);
  CHECK(warn->limit == 10);
  CHECK(warn->warning_percent == 80);
  CHECK_FALSE(rib::verify_limit(limit, wire::kIpv4Unicast, 10).has_value());  // 10 is allowed
  auto over = rib::verify_limit(limit, wire::kIpv4Unicast, 11);
  REQUIRE(over);
  CHECK(over->kind == Kind::Restart);
  // MSEE: R37 — Cease / Maximum Number of Prefixes Reached with the RFC 4486 §4 data.
  CHECK(over->notification.code == 6);
  CHECK(over->notification.subcode == 1);
  CHECK(over->notification.data == std::vector<std::uint8_t>{0, 1, 1, 0, 0, 0, 10});
  limit.reset();
  CHECK(rib::verify_limit(limit, wire::kIpv4Unicast, 9)->kind == Kind::Warn);
  CHECK(rib::verify_limit(limit, wire::kIpv4Unicast, 2)->kind == Kind::WarnCleared);
  rib::PrefixLimit off;
  CHECK_FALSE(rib::verify_limit(off, wire::kIpv6Unicast, 1000000).has_value());
}
