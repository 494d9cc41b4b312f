// UPDATE message body codec (RFC 4271 §4.3, RFC 4760, RFC 6793, RFC 7606), used by codec.cpp:
// the driver is update_codec.cpp, the attribute table attributes.cpp, AS paths as_path.cpp.
// Internal to bgp_wire: callers use wire::decode / wire::encode.
#pragma once

#include <cstddef>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/codec.hpp"
#include "bgp/wire/message.hpp"

namespace msee::bgp::wire::detail {

// `body` is the UPDATE after the 19-octet header; offsets in errors count from the start of
// the whole message (body_offset = kHeaderSize).
Result<UpdateMessage, DecodeError> decode_update(ByteSpan body, const DecodeContext& ctx);

// Appends the UPDATE body (no header) to `out`.
void encode_update_body(const UpdateMessage& msg, const EncodeContext& ctx, Bytes& out);

}  // namespace msee::bgp::wire::detail
