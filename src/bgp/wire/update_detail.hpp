// Internal to the UPDATE codec (RFC 4271 §4.3, RFC 7606): what update_codec.cpp (the message
// driver), attributes.cpp (the attribute descriptor table) and as_path.cpp (AS_PATH/AS4_PATH,
// RFC 6793) share. The decode state and its findings, the attribute descriptor type, the
// prefix and IPv4 address helpers used by both the driver and MP_(UN)REACH_NLRI, and the AS
// path functions the table and the driver call. Not for use outside src/bgp/wire.
#pragma once

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"

namespace msee::bgp::wire::detail {

// ---------------------------------------------------------------------------------------------
// Decode state and findings

// One malformation found by an attribute decoder. The driver turns it into an AttrIssue or,
// for attributes whose RFC 7606 action is AFI/SAFI disable or stronger, into a DecodeError.
struct Malformed {
  UpdateSubcode subcode = UpdateSubcode::Unspecific;
  std::string reason;
  std::optional<std::size_t> offset;  // offending octet; the attribute start when empty
};

struct DecodeState {
  const DecodeContext& ctx;
  ByteSpan body;  // the whole UPDATE body, to quote attributes in NOTIFICATION data
  UpdateMessage msg;
  // RFC 6793 §4.2.3 inputs from a 2-octet peer, reconciled once the whole list is read.
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  std::bitset<256> seen;  // attribute types met in the list, well-formed or not
};

// Records an RFC 7606 finding that does not reset the session.
inline void note(DecodeState& st, std::uint8_t type, AttrAction action, UpdateSubcode subcode,
                 std::string reason) {
  st.msg.issues.push_back(AttrIssue{type, action, subcode, std::move(reason)});
}

// ---------------------------------------------------------------------------------------------
// Prefixes (RFC 4271 §4.3 "Withdrawn Routes" / "NLRI", RFC 4760 §5) and IPv4 addresses

struct PrefixError {
  std::size_t offset = 0;
  std::string reason;
};

// Reads prefixes until `r` is empty (update_codec.cpp).
std::optional<PrefixError> read_prefixes(ByteReader& r, Afi afi, std::vector<Prefix>& out);

// A length octet followed by the fewest octets that hold that many bits.
inline void write_prefix(ByteWriter& w, const Prefix& p) {
  w.u8(p.length);
  const std::size_t octets = std::min<std::size_t>((p.length + 7u) / 8u, p.addr.size());
  for (std::size_t i = 0; i < octets; ++i) {
    w.u8(p.addr.bytes[i]);
  }
}

inline IpAddress read_v4(ByteReader& r) { return IpAddress::v4(r.read_u32()); }

inline void write_v4(ByteWriter& w, const IpAddress& a) {
  for (std::size_t i = 0; i < 4; ++i) {
    w.u8(a.bytes[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// Attribute descriptors (attributes.cpp). decode() reads the attribute value into the state
// (committing only once the whole value parsed) or reports a Malformed; it may add
// informational issues itself. encode() appends the value for `msg` and returns false when the
// attribute is not sent.

struct AttrDescriptor;
using DecodeFn = std::optional<Malformed> (*)(const AttrDescriptor&, ByteReader&, DecodeState&);
using EncodeFn = bool (*)(const UpdateMessage&, const EncodeContext&, ByteWriter&);

struct AttrDescriptor {
  AttrType type;
  const char* name;
  std::uint8_t flags;  // expected Optional and Transitive bits (RFC 4271 §5)
  DecodeFn decode;
  EncodeFn encode;
  AttrAction on_error;  // RFC 7606 §7 (RFC 6793 §6 for the AS4 attributes)
};

inline std::uint8_t code(const AttrDescriptor& d) { return static_cast<std::uint8_t>(d.type); }

// RFC 6793 §4.1: a 4-octet AS (NEW) speaker does not send AS4_PATH or AS4_AGGREGATOR; from one
// they are ignored with a note, not an error. True when the attribute is to be ignored.
bool ignored_from_new_speaker(const AttrDescriptor& d, const ByteReader& v, DecodeState& st);

// Every attribute we interpret, in ascending type code order (encode walks it as is).
std::span<const AttrDescriptor> attribute_table();
// The descriptor of `type`, or nullptr for an attribute we do not interpret.
const AttrDescriptor* find_descriptor(std::uint8_t type);
// "AS_PATH", or "attribute type 99" for one we do not interpret.
std::string attr_name(std::uint8_t type);

inline bool is_mp(std::uint8_t type) {
  return type == static_cast<std::uint8_t>(AttrType::MpReachNlri) ||
         type == static_cast<std::uint8_t>(AttrType::MpUnreachNlri);
}

// ---------------------------------------------------------------------------------------------
// AS_PATH (type 2) and AS4_PATH (type 17), as_path.cpp: the descriptor functions of the table,
// and the RFC 6793 §4.2.3 reconciliation the driver runs for a 2-octet peer once the whole
// attribute list is read.

std::optional<Malformed> decode_as_path(const AttrDescriptor& d, ByteReader& v, DecodeState& st);
bool encode_as_path(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w);
std::optional<Malformed> decode_as4_path(const AttrDescriptor& d, ByteReader& v,
                                         DecodeState& st);
bool encode_as4_path(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w);
void reconcile_as4(DecodeState& st);

}  // namespace msee::bgp::wire::detail
