// Socket options a BGP transport needs, in one place: TCP MD5 signatures (RFC 2385, Linux
// TCP_MD5SIG) and the diagnosis of MD5 mismatches from the kernel's counters, TTL / GTSM
// (RFC 5082), TCP_NODELAY. Errors come back as error_code; the caller logs them with peer
// context.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// What the counters say about a session that is not Established (RFC 2385 §2: the kernel drops
// segments with a missing or wrong MD5 signature before BGP sees anything, so they are the
// only evidence). `before` and `now` are two readings; `keyed` says whether we have a password
// for `peer`. One line per counter that rose and points at a password mismatch. The counters
// belong to the network namespace, not to a socket: in a lab namespace per router they point
// at this session; on a shared loopback other sessions may raise them, and the lines say so.
std::vector<std::string> diagnose_md5(const Md5Counters& before, const Md5Counters& now,
                                      bool keyed, std::string_view peer);

}  // namespace msee::bgp::io
