// Azure's views of an MSEE, pure: the rows of `az network express-route list-route-tables`
// (R82) and `list-route-tables-summary` (R83), built from plain session and route values the
// app layer collects, with Azure's field conventions (locPrf a string, weight an integer, path
// a space-separated AS list, Cisco-style up/down times, statePfxRcd = count or state name).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "msee/circuit.hpp"
#include "msee/plan.hpp"

namespace msee {

struct RouteTableRow {  // ExpressRouteCircuitRoutesTable
  std::string network;
  std::string next_hop;
  std::string loc_prf;
  std::uint32_t weight = 0;
  std::string path;
};

struct SummaryRow {  // ExpressRouteCircuitRoutesTableSummary
  std::string neighbor;
  std::uint32_t v = 4;
  Asn as = 0;
  std::string up_down;
  std::string state_pfx_rcd;
};

// Cisco's "Up/Down" column: "00:12:05" under a day, "3d04h" under a week, "8w4d" after.
std::string cisco_up_down(std::chrono::seconds elapsed);

// One received route of a customer session, as the MSEE holds it.
struct ReceivedRoute {
  Prefix prefix;
  IpAddress next_hop;
  std::string as_path;  // "65001 65001"
};

// The emulated ExpressRoute gateway instances behind a VNet (the MSEE learns VNet prefixes
// from them, AS 65515): the 4th and 5th address of the VNet's first prefix. Azure's real ones
// sit in the GatewaySubnet, which the config does not describe.
std::vector<IpAddress> gateway_instances(const VnetLink& vnet, bgp::wire::Afi family);

// R82: the route table of one MSEE (path) of one peering: the customer's routes (next hop =
// CE, weight 0, locPrf empty, path = the customer's AS path) and, on private peering, the
// VNet prefixes via each gateway instance with path 65515; on Microsoft peering, Microsoft's
// prefixes (origin inside Microsoft: empty next hop and path).
std::vector<RouteTableRow> route_table(const EmulatorConfig& config, const Plan& plan,
                                       const SessionPlan& session,
                                       const std::vector<ReceivedRoute>& received);
// The same in two steps, so the heavy one can run on a copy, away from the emulator's state
// (the API renders big tables off its thread, issue #15): Azure's own rows of the session
// (needs the config), then the merge, sorted by prefix (pure: values in, rows out).
std::vector<std::pair<Prefix, RouteTableRow>> route_table_azure(const EmulatorConfig& config,
                                                                const Plan& plan,
                                                                const SessionPlan& session);
std::vector<RouteTableRow> route_table(const std::vector<ReceivedRoute>& received,
                                       std::vector<std::pair<Prefix, RouteTableRow>> azure);

// Live state of one customer session for the summary.
struct SessionState {
  bool established = false;
  std::string state;  // RFC 4271 state name: Idle, Connect, Active, OpenSent, OpenConfirm
  std::uint64_t prefixes_received = 0;
  std::chrono::seconds since_change{0};
};

// R83: the customer neighbour of that MSEE, and on private peering the gateway instances.
std::vector<SummaryRow> route_table_summary(const EmulatorConfig& config,
                                            const SessionPlan& session, const SessionState& state,
                                            std::chrono::seconds emulator_uptime);

}  // namespace msee
