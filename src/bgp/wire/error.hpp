// NOTIFICATION error codes and subcodes (IANA "BGP Error (Notification) Codes" and subcode
// registries: RFC 4271 §4.5, RFC 4486, RFC 5492, RFC 6608, RFC 7313, RFC 8538, RFC 9384,
// RFC 9687), decode errors that map 1:1 to a NOTIFICATION, and the RFC 7606 attribute actions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace msee::bgp::wire {

enum class ErrorCode : std::uint8_t {
  MessageHeaderError = 1,
  OpenMessageError = 2,
  UpdateMessageError = 3,
  HoldTimerExpired = 4,
  FiniteStateMachineError = 5,
  Cease = 6,
  RouteRefreshMessageError = 7,   // RFC 7313
  SendHoldTimerExpired = 8,       // RFC 9687
};

enum class HeaderSubcode : std::uint8_t {  // RFC 4271 §6.1
  ConnectionNotSynchronized = 1,
  BadMessageLength = 2,
  BadMessageType = 3,
};

enum class OpenSubcode : std::uint8_t {  // RFC 4271 §6.2, RFC 5492, RFC 9234
  Unspecific = 0,
  UnsupportedVersionNumber = 1,
  BadPeerAs = 2,
  BadBgpIdentifier = 3,
  UnsupportedOptionalParameter = 4,
  // 5: Authentication Failure, deprecated by RFC 4271
  UnacceptableHoldTime = 6,
  UnsupportedCapability = 7,
  RoleMismatch = 11,
};

enum class UpdateSubcode : std::uint8_t {  // RFC 4271 §6.3
  Unspecific = 0,
  MalformedAttributeList = 1,
  UnrecognizedWellKnownAttribute = 2,
  MissingWellKnownAttribute = 3,
  AttributeFlagsError = 4,
  AttributeLengthError = 5,
  InvalidOriginAttribute = 6,
  // 7: AS Routing Loop, deprecated
  InvalidNextHopAttribute = 8,
  OptionalAttributeError = 9,
  InvalidNetworkField = 10,
  MalformedAsPath = 11,
};

enum class FsmSubcode : std::uint8_t {  // RFC 6608
  UnspecifiedError = 0,
  UnexpectedMessageInOpenSent = 1,
  UnexpectedMessageInOpenConfirm = 2,
  UnexpectedMessageInEstablished = 3,
};

enum class CeaseSubcode : std::uint8_t {  // RFC 4486, RFC 8538, RFC 9384
  Unspecific = 0,
  MaximumNumberOfPrefixesReached = 1,
  AdministrativeShutdown = 2,
  PeerDeconfigured = 3,
  AdministrativeReset = 4,
  ConnectionRejected = 5,
  OtherConfigurationChange = 6,
  ConnectionCollisionResolution = 7,
  OutOfResources = 8,
  HardReset = 9,
  BfdDown = 10,
};

enum class RouteRefreshSubcode : std::uint8_t {  // RFC 7313 §5
  InvalidMessageLength = 1,
};

// Human-readable "Cease/Maximum Number of Prefixes Reached" text for logs and the API.
std::string error_name(std::uint8_t code, std::uint8_t subcode);

// A protocol error found while decoding. It carries everything needed for the NOTIFICATION
// (code, subcode, data) plus where and why, for the log line.
struct DecodeError {
  ErrorCode code = ErrorCode::MessageHeaderError;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;
  std::size_t offset = 0;   // byte offset in the message where the problem was found
  std::string reason;       // "AS_PATH segment overruns attribute (len 6, need 10)"
  bool operator==(const DecodeError&) const = default;
};

// RFC 7606 §2: what to do about a malformed attribute. Ordered by severity, so the action for
// an UPDATE is the max over its attributes.
enum class AttrAction : std::uint8_t {
  None = 0,
  AttributeDiscard = 1,   // §2 "attribute discard": drop the attribute, keep the route
  TreatAsWithdraw = 2,    // §2 "treat-as-withdraw": withdraw every NLRI in the UPDATE
  AfiSafiDisable = 3,     // §2 "AFI/SAFI disable" (RFC 4760 §7): treat as session reset for us
  SessionReset = 4,       // §2 "session reset": NOTIFICATION and close
};

}  // namespace msee::bgp::wire
