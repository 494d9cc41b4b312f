// BFD Control packet value type and its codec (RFC 5880 §4.1, no authentication section).
// decode() applies the RFC 5880 §6.8.6 discard rules that need no session state; the rules
// that do (your discriminator lookup, session state) live in session.cpp and the transport.
// Pure: no I/O, no clocks, no throw on peer input.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace msee::bfd {

// RFC 5880 §4.1 "State (Sta)".
enum class State : std::uint8_t { AdminDown = 0, Down = 1, Init = 2, Up = 3 };

// RFC 5880 §4.1 "Diagnostic (Diag)". Values 9-31 are reserved; they can still appear on the
// wire and are carried through as numbers (to_string says "Reserved(N)").
enum class Diag : std::uint8_t {
  NoDiagnostic = 0,
  ControlDetectionTimeExpired = 1,
  EchoFunctionFailed = 2,
  NeighborSignaledSessionDown = 3,
  ForwardingPlaneReset = 4,
  PathDown = 5,
  ConcatenatedPathDown = 6,
  AdministrativelyDown = 7,
  ReverseConcatenatedPathDown = 8,
};

std::string to_string(State s);  // "AdminDown", "Down", "Init", "Up"
std::string to_string(Diag d);   // "NoDiagnostic", ..., "Reserved(12)"

inline constexpr std::uint8_t kVersion = 1;                 // RFC 5880 §4.1
inline constexpr std::size_t kControlPacketLength = 24;     // mandatory section only
inline constexpr std::uint16_t kControlPort = 3784;         // RFC 5881 §4 single hop
inline constexpr std::uint16_t kSourcePortMin = 49152;      // RFC 5881 §4
inline constexpr std::uint16_t kSourcePortMax = 65535;
inline constexpr int kSingleHopTtl = 255;                   // RFC 5881 §5 (GTSM-like check)

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       My Discriminator                        |
//  |                      Your Discriminator                       |
//  |                    Desired Min TX Interval                    |
//  |                   Required Min RX Interval                    |
//  |                 Required Min Echo RX Interval                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// RFC 5880 §4.1. Intervals are in microseconds, as on the wire.
struct ControlPacket {
  std::uint8_t version = kVersion;
  Diag diag = Diag::NoDiagnostic;
  State state = State::Down;
  bool poll = false;
  bool final = false;
  bool control_plane_independent = false;
  bool authentication_present = false;
  bool demand = false;
  bool multipoint = false;
  std::uint8_t detect_mult = 3;
  std::uint32_t my_discriminator = 0;
  std::uint32_t your_discriminator = 0;
  std::uint32_t desired_min_tx_us = 0;
  std::uint32_t required_min_rx_us = 0;
  std::uint32_t required_min_echo_rx_us = 0;

  bool operator==(const ControlPacket&) const = default;
};

// Always 24 octets with Length = 24: we never send an authentication section.
std::vector<std::uint8_t> encode(const ControlPacket& p);

// Parses one UDP payload. The error string is the discard reason (for counters and logs).
// Octets beyond the Length field are ignored (RFC 5880 §6.8.6 only bounds Length from above).
Result<ControlPacket, std::string> decode(std::span<const std::uint8_t> datagram);

}  // namespace msee::bfd
