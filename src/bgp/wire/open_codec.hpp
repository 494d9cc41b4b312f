// OPEN message body codec (RFC 4271 §4.2, RFC 5492 capabilities, RFC 9072 extended optional
// parameters), used by codec.cpp. Internal to bgp_wire: callers use wire::decode /
// wire::encode.
#pragma once

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/message.hpp"
#include "util/result.hpp"

namespace msee::bgp::wire::detail {

// `msg` is the whole OPEN, header included, of at least the RFC 4271 §4.2 minimum of 29 octets
// (codec.cpp checks the length); offsets in errors count from the start of the message.
Result<Message, DecodeError> decode_open(ByteSpan msg);

// Appends the OPEN body (no header). The base optional parameter encoding is used whenever it
// fits (RFC 9072 §2), the extended one otherwise.
void encode_open(const OpenMessage& open, ByteWriter& w);

}  // namespace msee::bgp::wire::detail
