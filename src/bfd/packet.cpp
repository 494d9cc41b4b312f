// BFD Control packet codec (RFC 5880 §4.1) and the stateless half of the §6.8.6 reception
// checks. Big-endian helpers are local so the bfd module depends on msee_util only.
#include "bfd/packet.hpp"

namespace msee::bfd {
namespace {

constexpr std::uint8_t kPollBit = 0x20;
constexpr std::uint8_t kFinalBit = 0x10;
constexpr std::uint8_t kCpiBit = 0x08;
constexpr std::uint8_t kAuthBit = 0x04;
constexpr std::uint8_t kDemandBit = 0x02;
constexpr std::uint8_t kMultipointBit = 0x01;
// RFC 5880 §6.8.6: with the A bit set the minimum Length is 24 + the 2-octet auth header.
constexpr std::size_t kMinLengthWithAuth = 26;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// Caller guarantees at + 4 <= d.size().
std::uint32_t get_u32(std::span<const std::uint8_t> d, std::size_t at) {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
         (std::uint32_t{d[at + 2]} << 8) | std::uint32_t{d[at + 3]};
}

}  // namespace

std::string to_string(State s) {
  switch (s) {
    case State::AdminDown:
      return "AdminDown";
    case State::Down:
      return "Down";
    case State::Init:
      return "Init";
    case State::Up:
      return "Up";
  }
  return "State(" + std::to_string(static_cast<unsigned>(s)) + ")";
}

std::string to_string(Diag d) {
  switch (d) {
    case Diag::NoDiagnostic:
      return "NoDiagnostic";
    case Diag::ControlDetectionTimeExpired:
      return "ControlDetectionTimeExpired";
    case Diag::EchoFunctionFailed:
      return "EchoFunctionFailed";
    case Diag::NeighborSignaledSessionDown:
      return "NeighborSignaledSessionDown";
    case Diag::ForwardingPlaneReset:
      return "ForwardingPlaneReset";
    case Diag::PathDown:
      return "PathDown";
    case Diag::ConcatenatedPathDown:
      return "ConcatenatedPathDown";
    case Diag::AdministrativelyDown:
      return "AdministrativelyDown";
    case Diag::ReverseConcatenatedPathDown:
      return "ReverseConcatenatedPathDown";
  }
  return "Reserved(" + std::to_string(static_cast<unsigned>(d)) + ")";
}

std::vector<std::uint8_t> encode(const ControlPacket& p) {
  std::vector<std::uint8_t> out;
  out.reserve(kControlPacketLength);
  out.push_back(static_cast<std::uint8_t>(((p.version & 0x07u) << 5) |
                                          (static_cast<unsigned>(p.diag) & 0x1fu)));
  std::uint8_t flags = static_cast<std::uint8_t>((static_cast<unsigned>(p.state) & 0x03u) << 6);
  if (p.poll) {
    flags |= kPollBit;
  }
  if (p.final) {
    flags |= kFinalBit;
  }
  if (p.control_plane_independent) {
    flags |= kCpiBit;
  }
  if (p.authentication_present) {
    flags |= kAuthBit;
  }
  if (p.demand) {
    flags |= kDemandBit;
  }
  if (p.multipoint) {
    flags |= kMultipointBit;
  }
  out.push_back(flags);
  out.push_back(p.detect_mult);
  out.push_back(static_cast<std::uint8_t>(kControlPacketLength));
  put_u32(out, p.my_discriminator);
  put_u32(out, p.your_discriminator);
  put_u32(out, p.desired_min_tx_us);
  put_u32(out, p.required_min_rx_us);
  put_u32(out, p.required_min_echo_rx_us);
  return out;
}

Result<ControlPacket, std::string> decode(std::span<const std::uint8_t> d) {
  if (d.size() < kControlPacketLength) {
    return unexpected("datagram of " + std::to_string(d.size()) +
                      " octets is shorter than a Control packet (24)");
  }
  ControlPacket p;
  p.version = static_cast<std::uint8_t>(d[0] >> 5);
  p.diag = static_cast<Diag>(d[0] & 0x1f);
  p.state = static_cast<State>(d[1] >> 6);
  p.poll = (d[1] & kPollBit) != 0;
  p.final = (d[1] & kFinalBit) != 0;
  p.control_plane_independent = (d[1] & kCpiBit) != 0;
  p.authentication_present = (d[1] & kAuthBit) != 0;
  p.demand = (d[1] & kDemandBit) != 0;
  p.multipoint = (d[1] & kMultipointBit) != 0;
  p.detect_mult = d[2];
  const std::size_t length = d[3];
  p.my_discriminator = get_u32(d, 4);
  p.your_discriminator = get_u32(d, 8);
  p.desired_min_tx_us = get_u32(d, 12);
  p.required_min_rx_us = get_u32(d, 16);
  p.required_min_echo_rx_us = get_u32(d, 20);

  // The checks below follow the order of the RFC 5880 §6.8.6 list.
  if (p.version != kVersion) {
    return unexpected("version " + std::to_string(p.version) + " is not 1");
  }
  const std::size_t min_length = p.authentication_present ? kMinLengthWithAuth
                                                          : kControlPacketLength;
  if (length < min_length) {
    return unexpected("length field " + std::to_string(length) + " is below " +
                      std::to_string(min_length));
  }
  if (length > d.size()) {
    return unexpected("length field " + std::to_string(length) + " exceeds the datagram (" +
                      std::to_string(d.size()) + " octets)");
  }
  if (p.detect_mult == 0) {
    return unexpected("detect multiplier is zero");
  }
  if (p.multipoint) {
    return unexpected("multipoint bit is set");
  }
  if (p.my_discriminator == 0) {
    return unexpected("my discriminator is zero");
  }
  // RFC 5880 §6.8.6: a zero Your Discriminator is only legal before the remote has learned
  // ours, i.e. while it reports Down or AdminDown.
  if (p.your_discriminator == 0 && p.state != State::Down && p.state != State::AdminDown) {
    return unexpected("your discriminator is zero in state " + to_string(p.state));
  }
  // RFC 5880 §6.8.6: A bit set and bfd.AuthType zero -> discard. We never configure auth.
  if (p.authentication_present) {
    return unexpected("authentication present but none is configured");
  }
  return p;
}

}  // namespace msee::bfd
