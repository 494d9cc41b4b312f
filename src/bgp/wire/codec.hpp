// The sans-I/O codec: framing, decode and encode of whole BGP messages. Bytes in, values out
// (or a DecodeError that maps 1:1 to a NOTIFICATION); values in, bytes out. The contexts carry
// what negotiation changed about the encoding (RFC 6793 four-octet AS, RFC 8654 extended
// message length).
#pragma once

#include <cstddef>
#include <optional>
#include <variant>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/message.hpp"
#include "util/result.hpp"

namespace msee::bgp::wire {

struct DecodeContext {
  bool four_octet_as = false;     // both sides sent the FourOctetAs capability
  bool extended_message = false;  // both sides sent ExtendedMessage: max length 65535
  // Session facts for the RFC 7606 checks that need them (§7.2 confederation segments, §7.3
  // NEXT_HOP, §7.5/§7.9/§7.10 iBGP-only attributes). Left at their defaults (a decoder without
  // a session, such as the MRT tools), those checks are off.
  bool external = false;                   // the peer is in another AS (eBGP)
  std::optional<IpAddress> local_address;  // our address on the session
  std::size_t max_message_size() const {
    return extended_message ? kMaxExtendedMessageSize : kMaxMessageSize;
  }
};

struct EncodeContext {
  bool four_octet_as = false;
  bool extended_message = false;
  std::size_t max_message_size() const {
    return extended_message ? kMaxExtendedMessageSize : kMaxMessageSize;
  }
};

// Framing (RFC 4271 §4.1, §6.1). Three outcomes: more bytes are needed, a complete message of
// `length` octets starts at buf[0], or the header is bad (marker not all ones → Connection Not
// Synchronized; length < 19 or > max_len → Bad Message Length with the length as data). A bad
// length is answered at once, not by waiting for more bytes.
struct NeedMore {};
struct Frame {
  std::size_t length = 0;
};
using FrameResult = std::variant<NeedMore, Frame, DecodeError>;
FrameResult frame(ByteSpan buf, std::size_t max_len) noexcept;

// Decodes one complete message (header included, as delimited by frame()). Never throws on
// peer input; every error becomes a DecodeError with the NOTIFICATION code/subcode/data of
// RFC 4271 §6 / RFC 7606 and the offset of the offending octet.
Result<Message, DecodeError> decode(ByteSpan message, const DecodeContext& ctx);

// Encodes one message, header included. Attributes are written in ascending type code order;
// unknown optional transitive attributes get the Partial bit (RFC 4271 §5). For a peer without
// FourOctetAs, AS_PATH/AGGREGATOR are written with 2-octet ASNs (AS_TRANS for larger ones)
// followed by AS4_PATH/AS4_AGGREGATOR when needed (RFC 6793 §4.2.2). The caller keeps UPDATEs
// within ctx.max_message_size() (see encoded_update_size()).
Bytes encode(const Message& msg, const EncodeContext& ctx);

// Size in octets that encode(UpdateMessage) would produce, for update packing.
std::size_t encoded_update_size(const UpdateMessage& msg, const EncodeContext& ctx);

// Convenience for tests and logs: "ffffffff...".
std::string to_hex(ByteSpan bytes);
Bytes from_hex(std::string_view hex);  // ignores whitespace; invalid digits are skipped

}  // namespace msee::bgp::wire
