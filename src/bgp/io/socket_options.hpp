// Socket options a BGP transport needs, in one place: TCP MD5 signatures (RFC 2385, Linux
// TCP_MD5SIG), TTL / GTSM (RFC 5082), TCP_NODELAY. Errors come back as error_code; the caller
// logs them with peer context.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string_view>

#include "bgp/wire/types.hpp"

namespace msee::bgp::io {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::ip::address to_asio(const wire::IpAddress& a);
wire::IpAddress from_asio(const asio::ip::address& a);

// RFC 2385: install (or, with an empty key, remove) the MD5 key for `peer` on a listening or
// not-yet-connected socket. Keys are at most 80 octets (TCP_MD5SIG_MAXKEYLEN).
boost::system::error_code set_md5_key(tcp::socket& s, const wire::IpAddress& peer,
                                      std::string_view key);
boost::system::error_code set_md5_key(tcp::acceptor& a, const wire::IpAddress& peer,
                                      std::string_view key);

// Outgoing TTL / hop limit, and (GTSM, RFC 5082 §3) the minimum TTL accepted on receive.
boost::system::error_code set_ttl(tcp::socket& s, bool v6, int ttl);
boost::system::error_code set_min_ttl(tcp::socket& s, bool v6, int min_ttl);
boost::system::error_code set_min_ttl(tcp::acceptor& a, bool v6, int min_ttl);

// Linux TcpExt counters of segments the kernel dropped for MD5 reasons (/proc/net/netstat):
// TCPMD5NotFound (a segment without a signature reached a keyed socket), TCPMD5Unexpected (a
// signed segment reached an unkeyed socket), TCPMD5Failure (signature did not verify). They are
// system-wide, so a rising counter while a keyed peer cannot connect is strong evidence.
struct Md5Counters {
  std::uint64_t not_found = 0;
  std::uint64_t unexpected = 0;
  std::uint64_t failure = 0;
  bool available = false;
};
Md5Counters read_md5_counters();

}  // namespace msee::bgp::io
