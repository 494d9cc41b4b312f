// The in-memory event log behind `msee-ctl events`: the newest events come back (not the oldest
// of a window), route events never evict the events that explain a drop, and readers filter by
// event and peer and page back with `before`.
#include <catch2/catch.hpp>

#include <string>

#include "speaker/event_log.hpp"

using namespace msee;
using speaker::EventLog;

namespace {
// `n` received-route events (withdrawals: no attributes needed) from `peer`.
void routes(EventLog& log, int n, const char* peer = "er/AzurePrivatePeering/primary") {
  auto p = *bgp::wire::Prefix::parse("10.0.0.0/24");
  for (int i = 0; i < n; ++i) {
    log.route(peer, false, bgp::wire::kIpv4Unicast, p, nullptr, std::nullopt);
  }
}

bool has_event(const std::vector<const EventLog::Entry*>& v, const std::string& event) {
  for (const auto* e : v) {
    if (e->event == event) {
      return true;
    }
  }
  return false;
}
}  // namespace

TEST_CASE("The newest N events come back, oldest of them first", "[speaker][events]") {
  EventLog log;
  routes(log, 25000);
  auto v = log.newest(0, 10000);
  REQUIRE(v.size() == 10000);
  CHECK(v.back()->seq == log.last_seq());
  CHECK(v.front()->seq == log.last_seq() - 9999);
  for (std::size_t i = 1; i < v.size(); ++i) {
    REQUIRE(v[i]->seq == v[i - 1]->seq + 1);
  }
}

TEST_CASE("Route events do not evict a session-down or a prefix-limit event", "[speaker][events]") {
  EventLog log;
  routes(log, 100);
  log.prefix_limit("er/AzurePrivatePeering/primary", bgp::wire::kIpv4Unicast, "exceeded",
                   4001, 4000);
  log.note("er/AzurePrivatePeering/primary", "session-down", "route limit exceeded");
  routes(log, 3 * EventLog::kCapacity);
  // Not among the newest 10,000 (all routes), but still in memory and found by type.
  CHECK_FALSE(has_event(log.newest(0, 10000), "prefix-limit"));
  EventLog::Filter f{{"session-down", "prefix-limit"}, {}};
  auto v = log.newest(0, 100, f);
  REQUIRE(v.size() == 2);
  CHECK(v[0]->event == "prefix-limit");
  CHECK(v[1]->event == "session-down");
  CHECK(v[0]->seq == 101);
  // The route ring itself keeps its own last kCapacity.
  EventLog::Filter only_routes{{"route"}, {}};
  CHECK(log.newest(0, 100000, only_routes).size() == EventLog::kCapacity);
}

TEST_CASE("Events filter by peer and page back with before", "[speaker][events]") {
  EventLog log;
  for (int i = 0; i < 50; ++i) {
    log.note("er/AzurePrivatePeering/primary", "md5", "drop");
    log.note("er/AzurePrivatePeering/secondary", "md5", "drop");
  }
  EventLog::Filter secondary{{}, {"er/AzurePrivatePeering/secondary"}};
  auto page1 = log.newest(0, 20, secondary);
  REQUIRE(page1.size() == 20);
  CHECK(page1.back()->seq == 100);
  auto page2 = log.newest(page1.front()->seq, 20, secondary);
  REQUIRE(page2.size() == 20);
  CHECK(page2.back()->seq == page1.front()->seq - 2);  // the secondary's events are the even ones
  for (const auto* e : page2) {
    CHECK(e->peer == "er/AzurePrivatePeering/secondary");
  }
  auto rest = log.newest(page2.front()->seq, 100, secondary);
  CHECK(rest.size() == 10);
  CHECK(log.newest(1, 100).empty());
}

TEST_CASE("Following merges both rings in sequence order and honours the filter",
          "[speaker][events]") {
  EventLog log;
  log.note("a", "md5", "x");   // 1
  routes(log, 2, "a");         // 2, 3
  log.note("b", "bfd-x", "y"); // 4
  routes(log, 1, "b");         // 5
  auto all = log.after(0, 100);
  REQUIRE(all.size() == 5);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i]->seq == i + 1);
  }
  CHECK(log.after(3, 100).size() == 2);
  CHECK(log.after(0, 2).back()->seq == 2);
  EventLog::Filter b{{}, {"b"}};
  auto v = log.after(0, 100, b);
  REQUIRE(v.size() == 2);
  CHECK(v[0]->seq == 4);
  CHECK(v[1]->seq == 5);
  CHECK(log.after(5, 100).empty());
  CHECK(log.after(99, 100).empty());
}
