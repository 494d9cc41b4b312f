// Names of NOTIFICATION error codes and subcodes for logs and the API, after the IANA "BGP
// Error (Notification) Codes" registry and its subcode registries (RFC 4271 §4.5, RFC 4486,
// RFC 6608, RFC 7313, RFC 8538, RFC 9234, RFC 9384, RFC 9687). Registry values we do not know
// are printed as numbers so that a log line never hides what the peer sent.
#include "bgp/wire/error.hpp"

#include <fmt/format.h>

#include <array>
#include <span>
#include <string_view>

namespace msee::bgp::wire {

namespace {

// Each table is indexed by subcode; "" marks an unassigned value. Subcode 0 is "Unspecific"
// (RFC 4271 §4.5) for every code with subcodes, except the FSM error whose 0 RFC 6608 names
// "Unspecified Error".
constexpr std::array<std::string_view, 4> kHeader = {
    "Unspecific", "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"};
constexpr std::array<std::string_view, 12> kOpen = {
    "Unspecific",
    "Unsupported Version Number",
    "Bad Peer AS",
    "Bad BGP Identifier",
    "Unsupported Optional Parameter",
    "Authentication Failure (deprecated)",
    "Unacceptable Hold Time",
    "Unsupported Capability",
    "",
    "",
    "",
    "Role Mismatch"};
constexpr std::array<std::string_view, 12> kUpdate = {
    "Unspecific",
    "Malformed Attribute List",
    "Unrecognized Well-known Attribute",
    "Missing Well-known Attribute",
    "Attribute Flags Error",
    "Attribute Length Error",
    "Invalid ORIGIN Attribute",
    "AS Routing Loop (deprecated)",
    "Invalid NEXT_HOP Attribute",
    "Optional Attribute Error",
    "Invalid Network Field",
    "Malformed AS_PATH"};
constexpr std::array<std::string_view, 4> kFsm = {
    "Unspecified Error", "Receive Unexpected Message in OpenSent State",
    "Receive Unexpected Message in OpenConfirm State",
    "Receive Unexpected Message in Established State"};
constexpr std::array<std::string_view, 11> kCease = {
    "Unspecific",
    "Maximum Number of Prefixes Reached",
    "Administrative Shutdown",
    "Peer De-configured",
    "Administrative Reset",
    "Connection Rejected",
    "Other Configuration Change",
    "Connection Collision Resolution",
    "Out of Resources",
    "Hard Reset",
    "BFD Down"};
constexpr std::array<std::string_view, 2> kRouteRefresh = {"Unspecific",
                                                           "Invalid Message Length"};

}  // namespace

std::string error_name(std::uint8_t code, std::uint8_t subcode) {
  std::string_view name;
  std::span<const std::string_view> subs;
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::MessageHeaderError:
      name = "Message Header Error";
      subs = kHeader;
      break;
    case ErrorCode::OpenMessageError:
      name = "Open Message Error";
      subs = kOpen;
      break;
    case ErrorCode::UpdateMessageError:
      name = "Update Message Error";
      subs = kUpdate;
      break;
    case ErrorCode::HoldTimerExpired:
      name = "Hold Timer Expired";
      break;
    case ErrorCode::FiniteStateMachineError:
      name = "Finite State Machine Error";
      subs = kFsm;
      break;
    case ErrorCode::Cease:
      name = "Cease";
      subs = kCease;
      break;
    case ErrorCode::RouteRefreshMessageError:
      name = "Route-Refresh Message Error";
      subs = kRouteRefresh;
      break;
    case ErrorCode::SendHoldTimerExpired:
      name = "Send Hold Timer Expired";
      break;
  }
  if (name.empty()) {
    return fmt::format("code {}/subcode {}", code, subcode);
  }
  // Hold Timer Expired and Send Hold Timer Expired define no subcodes; 0 is what is sent.
  if (subs.empty() && subcode == 0) {
    return std::string(name);
  }
  if (subcode < subs.size() && !subs[subcode].empty()) {
    return fmt::format("{}/{}", name, subs[subcode]);
  }
  return fmt::format("{}/subcode {}", name, subcode);
}

}  // namespace msee::bgp::wire
