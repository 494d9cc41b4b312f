// Implementation of the socket options (see socket_options.hpp): Linux setsockopt calls for
// TCP MD5 (RFC 2385) and TTL/GTSM (RFC 5082 §3), and the /proc/net/netstat MD5 counters.
#include "bgp/io/socket_options.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace msee::bgp::io {
namespace {

boost::system::error_code errno_code() {
  return {errno, boost::system::system_category()};
}

boost::system::error_code md5_on_fd(int fd, const wire::IpAddress& peer, std::string_view key) {
  struct tcp_md5sig sig;
  std::memset(&sig, 0, sizeof sig);
  if (key.size() > TCP_MD5SIG_MAXKEYLEN) {
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  if (peer.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, peer.bytes.data(), 4);
    std::memcpy(&sig.tcpm_addr, &sin, sizeof sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    std::memcpy(&sin6.sin6_addr, peer.bytes.data(), 16);
    std::memcpy(&sig.tcpm_addr, &sin6, sizeof sin6);
  }
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) {
    // Removing a key that was never set reports ENOENT: not an error for us.
    if (key.empty() && errno == ENOENT) {
      return {};
    }
    return errno_code();
  }
  return {};
}

boost::system::error_code int_opt(int fd, int level, int name, int value) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
    return errno_code();
  }
  return {};
}

}  // namespace

asio::ip::address to_asio(const wire::IpAddress& a) {
  if (a.is_v4()) {
    return asio::ip::address_v4(a.v4_value());
  }
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), a.bytes.data(), 16);
  return asio::ip::address_v6(b);
}

wire::IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) {
    return wire::IpAddress::v4(a.to_v4().to_uint());
  }
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return wire::IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  }
  auto b = v6.to_bytes();
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), b.data(), 16);
  return wire::IpAddress::v6(out);
}

boost::system::error_code set_md5_key(tcp::socket& s, const wire::IpAddress& peer,
                                      std::string_view key) {
  return md5_on_fd(s.native_handle(), peer, key);
}
boost::system::error_code set_md5_key(tcp::acceptor& a, const wire::IpAddress& peer,
                                      std::string_view key) {
  return md5_on_fd(a.native_handle(), peer, key);
}

boost::system::error_code set_ttl(tcp::socket& s, bool v6, int ttl) {
  return v6 ? int_opt(s.native_handle(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)
            : int_opt(s.native_handle(), IPPROTO_IP, IP_TTL, ttl);
}
boost::system::error_code set_min_ttl(tcp::socket& s, bool v6, int min_ttl) {
  return v6 ? int_opt(s.native_handle(), IPPROTO_IPV6, IPV6_MINHOPCOUNT, min_ttl)
            : int_opt(s.native_handle(), IPPROTO_IP, IP_MINTTL, min_ttl);
}
boost::system::error_code set_min_ttl(tcp::acceptor& a, bool v6, int min_ttl) {
  return v6 ? int_opt(a.native_handle(), IPPROTO_IPV6, IPV6_MINHOPCOUNT, min_ttl)
            : int_opt(a.native_handle(), IPPROTO_IP, IP_MINTTL, min_ttl);
}

Md5Counters read_md5_counters() {
  // /proc/net/netstat holds pairs of lines: "TcpExt: name name ..." then "TcpExt: v v ...".
  Md5Counters c;
  std::ifstream in("/proc/net/netstat");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("TcpExt:", 0) != 0) {
      continue;
    }
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value) {
      auto num = [&] { return std::stoull(value); };
      if (name == "TCPMD5NotFound") {
        c.not_found = num();
        c.available = true;
      } else if (name == "TCPMD5Unexpected") {
        c.unexpected = num();
      } else if (name == "TCPMD5Failure") {
        c.failure = num();
      }
    }
  }
  return c;
}

std::vector<std::string> diagnose_md5(const Md5Counters& before, const Md5Counters& now,
                                      bool keyed, std::string_view peer) {
  std::vector<std::string> notes;
  if (keyed && now.failure > before.failure) {
    notes.push_back(fmt::format(
        "TCP MD5: the kernel dropped {} segment(s) with an invalid MD5 digest (TCPMD5Failure, "
        "namespace-wide counter) while {} is not Established: the peer's password is probably "
        "wrong",
        now.failure - before.failure, peer));
  }
  if (keyed && now.not_found > before.not_found) {
    notes.push_back(fmt::format(
        "TCP MD5: the kernel dropped {} segment(s) with no MD5 digest (TCPMD5NotFound, "
        "namespace-wide counter): the peer {} probably has no password configured",
        now.not_found - before.not_found, peer));
  }
  if (!keyed && now.unexpected > before.unexpected) {
    notes.push_back(fmt::format(
        "TCP MD5: {} segment(s) carried an MD5 digest but no key is configured "
        "(TCPMD5Unexpected, namespace-wide counter): the peer {} probably has a password set",
        now.unexpected - before.unexpected, peer));
  }
  return notes;
}

}  // namespace msee::bgp::io
