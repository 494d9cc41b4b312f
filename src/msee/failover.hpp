// Azure's circuit link failover test (R68, Q7): the test record with Azure's names and states
// (NotStarted … Completed), the rule that only one link of a circuit is under test at a time,
// and the route redundancy figures its result reports. Pure: the emulator applies the test
// (sessions down, or AS-path prepends) and feeds snapshots in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/types.hpp"
#include "msee/circuit.hpp"

namespace msee {

// MSEE: R68 — `linkType` and `category` of startCircuitLinkFailoverTest.
enum class FailoverCategory { BgpDisconnect, ASPathPrepend };
// MSEE: R68 — the test status values.
enum class FailoverStatus {
  NotStarted,
  Starting,
  Running,
  StartFailed,
  Stopping,
  Completed,
  StopFailed,
  Invalid,
  Expired
};

std::string_view to_string(FailoverCategory);
std::string_view to_string(FailoverStatus);
std::optional<FailoverCategory> failover_category(std::string_view);
std::optional<LinkPath> link_type(std::string_view);  // "Primary" / "Secondary" (any case)

// The circuit as the test sees it at one moment.
struct FailoverSnapshot {
  struct Session {
    std::string name;
    LinkPath path = LinkPath::Primary;
    bool established = false;
  };
  std::vector<Session> sessions;
  // Prefixes the CE announces on each link (all peerings and families of the circuit).
  std::vector<bgp::wire::Prefix> primary_routes;
  std::vector<bgp::wire::Prefix> secondary_routes;
};

// MSEE: R68 — redundant routes are heard on both links; non-redundant on one only.
struct RouteRedundancy {
  std::uint64_t redundant = 0;
  std::uint64_t non_redundant = 0;
  std::vector<bgp::wire::Prefix> non_redundant_prefixes;  // the first 100, sorted
};
RouteRedundancy route_redundancy(const FailoverSnapshot& s);

struct FailoverTest {
  std::string circuit;
  LinkPath link = LinkPath::Primary;
  FailoverCategory category = FailoverCategory::BgpDisconnect;
  FailoverStatus status = FailoverStatus::NotStarted;
  std::chrono::seconds duration{0};  // 0: until stopped
  std::uint8_t prepends = 3;         // ASPathPrepend: extra 12076s (Q7)
  std::chrono::system_clock::time_point start_time{};
  std::chrono::system_clock::time_point end_time{};
  std::optional<FailoverSnapshot> before;
  std::optional<FailoverSnapshot> during;
  std::string message;  // why it failed, or what it did
};

// MSEE: R68, Q7 — a test may start unless one is already Starting/Running/Stopping on this
// circuit (either link: never both links at once). The reason when it may not.
std::optional<std::string> may_start(const std::vector<FailoverTest>& tests,
                                     const std::string& circuit);

// Whether the simulation did what it simulates (R68 wasSimulationSuccessful): with
// BgpDisconnect, every session of the tested link was down during the test while the other
// link kept at least one Established session; with ASPathPrepend, the other link stayed up.
bool was_simulation_successful(const FailoverTest& t);

}  // namespace msee
