// Asio shell around bfd::Session (see bfd_transport.hpp): RFC 5881 sockets, TTL 255 in and out,
// recvmsg() for the received TTL/hop limit, RFC 5880 §6.8.6 demultiplexing, one timer each.
#include "bfd/io/transport.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "bgp/io/socket_options.hpp"

namespace msee::bfd::io {

namespace asio = boost::asio;
namespace wire = bgp::wire;
using bgp::io::to_asio;
using udp = asio::ip::udp;

struct BfdTransport::RxSocket {
  RxSocket(asio::io_context& io, const wire::IpAddress& addr) : sock(io), local(addr) {}
  udp::socket sock;
  wire::IpAddress local;
  int refs = 0;
  bool closed = false;
};

struct BfdTransport::Entry {
  Entry(asio::io_context& io, const bfd::SessionConfig& cfg) : session(cfg), tx(io), timer(io) {}
  std::string name;
  wire::IpAddress local;
  wire::IpAddress remote;
  udp::endpoint remote_ep;
  bfd::Session session;
  udp::socket tx;
  asio::steady_timer timer;
  std::uint64_t timer_gen = 0;
  std::uint16_t source_port = 0;
  bool silent = false;
  bool removed = false;
  std::uint64_t tx_suppressed = 0;
  std::uint64_t tx_errors = 0;
  std::uint64_t rx_ignored_silent = 0;
  std::chrono::steady_clock::time_point last_state_change{};
};

namespace {

constexpr int kMaxDatagramsPerWakeup = 64;  // then yield, so one noisy peer cannot starve others

std::error_code errno_code() { return {errno, std::generic_category()}; }

std::error_code set_int(int fd, int level, int name, int value) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
    return errno_code();
  }
  return {};
}

std::error_code not_found() {
  return std::make_error_code(std::errc::no_such_device_or_address);
}

wire::IpAddress from_sockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, &ss, sizeof sin);
    return wire::IpAddress::v4(ntohl(sin.sin_addr.s_addr));
  }
  sockaddr_in6 sin6;
  std::memcpy(&sin6, &ss, sizeof sin6);
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), &sin6.sin6_addr, 16);
  // A v4-mapped source cannot reach a v6-only socket; from_asio-style unmapping is not needed.
  return wire::IpAddress::v6(b);
}

}  // namespace

BfdTransport::BfdTransport(asio::io_context& io, StateCallback on_state_change)
    : io_(io),
      on_state_change_(std::move(on_state_change)),
      alive_(std::make_shared<bool>(true)),
      rng_(std::random_device{}()) {}

BfdTransport::~BfdTransport() {
  alive_.reset();
  for (auto& [name, e] : sessions_) {
    e->removed = true;
    boost::system::error_code ignored;
    e->timer.cancel();
    e->tx.close(ignored);
  }
  for (auto& [addr, rx] : rx_sockets_) {
    rx->closed = true;
    boost::system::error_code ignored;
    rx->sock.close(ignored);
  }
}

std::uint32_t BfdTransport::allocate_discriminator() {
  // RFC 5880 §6.8.1: nonzero and unique per system; random so that a restarted emulator does
  // not reuse the discriminators its peers still remember.
  for (;;) {
    const auto d = static_cast<std::uint32_t>(rng_());
    if (d != 0 && by_discriminator_.count(d) == 0) {
      return d;
    }
  }
}

std::shared_ptr<BfdTransport::RxSocket> BfdTransport::acquire_rx(const wire::IpAddress& local,
                                                                 std::error_code& ec) {
  if (auto it = rx_sockets_.find(local); it != rx_sockets_.end()) {
    ++it->second->refs;
    return it->second;
  }
  auto rx = std::make_shared<RxSocket>(io_, local);
  boost::system::error_code bec;
  const bool v6 = local.is_v6();
  rx->sock.open(v6 ? udp::v6() : udp::v4(), bec);
  if (!bec) {
    // Other BFD speakers in the same namespace may hold the wildcard 3784 socket.
    rx->sock.set_option(asio::socket_base::reuse_address(true), bec);
  }
  if (!bec && v6) {
    rx->sock.set_option(asio::ip::v6_only(true), bec);
  }
  if (bec) {
    ec = bec;
    return nullptr;
  }
  // RFC 5881 §5: we must see the received TTL / hop limit.
  ec = v6 ? set_int(rx->sock.native_handle(), IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
          : set_int(rx->sock.native_handle(), IPPROTO_IP, IP_RECVTTL, 1);
  if (ec) {
    return nullptr;
  }
  rx->sock.bind(udp::endpoint(to_asio(local), bfd::kControlPort), bec);
  if (!bec) {
    rx->sock.non_blocking(true, bec);
  }
  if (bec) {
    ec = bec;
    return nullptr;
  }
  rx->refs = 1;
  rx_sockets_.emplace(local, rx);
  start_read(rx);
  return rx;
}

void BfdTransport::release_rx(const wire::IpAddress& local) {
  auto it = rx_sockets_.find(local);
  if (it == rx_sockets_.end()) {
    return;
  }
  if (--it->second->refs > 0) {
    return;
  }
  it->second->closed = true;
  boost::system::error_code ignored;
  it->second->sock.close(ignored);
  rx_sockets_.erase(it);
}

void BfdTransport::start_read(const std::shared_ptr<RxSocket>& rx) {
  std::weak_ptr<bool> alive = alive_;
  rx->sock.async_wait(udp::socket::wait_read, [this, alive, rx](boost::system::error_code ec) {
    if (alive.expired() || rx->closed || ec == asio::error::operation_aborted) {
      return;
    }
    if (!ec) {
      on_readable(rx);
    }
    // A state callback may have destroyed nothing but sessions; re-check before re-arming.
    if (!alive.expired() && !rx->closed) {
      start_read(rx);
    }
  });
}

void BfdTransport::on_readable(const std::shared_ptr<RxSocket>& rx) {
  const int fd = rx->sock.native_handle();
  for (int i = 0; i < kMaxDatagramsPerWakeup && !rx->closed; ++i) {
    std::array<std::uint8_t, 512> buf{};
    alignas(cmsghdr) std::array<char, 256> control{};
    sockaddr_storage from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      // EAGAIN: drained. Anything else (e.g. ICMP-induced ECONNREFUSED) is per-datagram noise.
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      }
      continue;
    }
    int ttl = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      const bool v4_ttl = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL;
      const bool v6_hops = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT;
      if (v4_ttl || v6_hops) {
        std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      }
    }
    on_datagram(rx->local, from_sockaddr(from), ttl, buf.data(), static_cast<std::size_t>(n));
  }
}

void BfdTransport::on_datagram(const wire::IpAddress& local, const wire::IpAddress& source,
                               int ttl, const std::uint8_t* data, std::size_t size) {
  ++counters_.rx_datagrams;
  // RFC 5881 §5: without authentication, only TTL / hop limit 255 proves a single hop.
  if (ttl != bfd::kSingleHopTtl) {
    ++counters_.rx_bad_ttl;
    return;
  }
  auto pkt = bfd::decode(std::span<const std::uint8_t>(data, size));
  if (!pkt) {
    ++counters_.rx_decode_errors;
    counters_.last_decode_error = pkt.error();
    return;
  }
  std::shared_ptr<Entry> e;
  if (pkt->your_discriminator != 0) {
    // RFC 5880 §6.8.6: Your Discriminator selects the session; RFC 5881 §3 adds that the
    // addresses must still be the session's.
    auto it = by_discriminator_.find(pkt->your_discriminator);
    if (it != by_discriminator_.end() && it->second->remote == source &&
        it->second->local == local) {
      e = it->second;
    }
  } else {
    // RFC 5880 §6.8.6 / RFC 5881 §3: Your Discriminator zero -> match by the address pair.
    auto it = by_address_.find({local, source});
    if (it != by_address_.end()) {
      e = it->second;
    }
  }
  if (!e) {
    ++counters_.rx_unknown_session;
    return;
  }
  if (e->silent) {
    ++e->rx_ignored_silent;
    return;
  }
  const auto now = bfd::Clock::now();
  auto change = e->session.receive(*pkt, now);
  after_input(e, change, now);
}

void BfdTransport::flush_tx(Entry& e, bfd::TimePoint now) {
  while (auto p = e.session.poll_transmit(now)) {
    if (e.silent) {
      ++e.tx_suppressed;
      continue;
    }
    const auto bytes = bfd::encode(*p);
    boost::system::error_code ec;
    e.tx.send_to(asio::buffer(bytes), e.remote_ep, 0, ec);
    if (ec) {
      ++e.tx_errors;  // EAGAIN or no route: the next periodic packet retries
    }
  }
}

void BfdTransport::arm_timer(const std::shared_ptr<Entry>& e) {
  const auto deadline = e->session.next_deadline();
  const std::uint64_t gen = ++e->timer_gen;
  if (!deadline) {
    e->timer.cancel();
    return;
  }
  e->timer.expires_at(*deadline);
  std::weak_ptr<bool> alive = alive_;
  e->timer.async_wait([this, alive, e, gen](boost::system::error_code ec) {
    // A stale completion (re-armed since) or a removed session does nothing.
    if (ec || alive.expired() || e->removed || gen != e->timer_gen) {
      return;
    }
    const auto now = bfd::Clock::now();
    auto change = e->session.tick(now);
    after_input(e, change, now);
  });
}

void BfdTransport::after_input(const std::shared_ptr<Entry>& e,
                               std::optional<bfd::StateChange> change, bfd::TimePoint now) {
  flush_tx(*e, now);
  arm_timer(e);
  if (change) {
    e->last_state_change = now;
    if (on_state_change_) {
      on_state_change_(e->name, change->from, change->to, change->diag);
    }
  }
}

std::error_code BfdTransport::add_session(const std::string& name, const wire::IpAddress& local,
                                          const wire::IpAddress& remote,
                                          const bfd::SessionConfig& cfg) {
  if (sessions_.count(name) != 0 || by_address_.count({local, remote}) != 0) {
    return std::make_error_code(std::errc::file_exists);
  }
  if (local.family != remote.family || local.is_unspecified() || remote.is_unspecified()) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::error_code ec;
  auto rx = acquire_rx(local, ec);
  if (!rx) {
    return ec;
  }
  bfd::SessionConfig c = cfg;
  c.local_discriminator = allocate_discriminator();
  if (c.jitter_seed == 0) {
    c.jitter_seed = rng_();
  }
  auto e = std::make_shared<Entry>(io_, c);
  e->name = name;
  e->local = local;
  e->remote = remote;
  e->remote_ep = udp::endpoint(to_asio(remote), bfd::kControlPort);

  const bool v6 = local.is_v6();
  boost::system::error_code bec;
  e->tx.open(v6 ? udp::v6() : udp::v4(), bec);
  if (!bec && v6) {
    e->tx.set_option(asio::ip::v6_only(true), bec);
  }
  if (!bec) {
    // RFC 5881 §5: transmit with TTL / hop limit 255.
    ec = v6 ? set_int(e->tx.native_handle(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, bfd::kSingleHopTtl)
            : set_int(e->tx.native_handle(), IPPROTO_IP, IP_TTL, bfd::kSingleHopTtl);
  }
  if (!bec && !ec) {
    // RFC 5881 §4: source port 49152-65535, fixed for the session's life, unique on the system
    // (bind without SO_REUSEADDR fails on a port in use, so we just try the next one).
    constexpr std::uint32_t kRange = bfd::kSourcePortMax - bfd::kSourcePortMin + 1;
    const auto start = static_cast<std::uint32_t>(rng_() % kRange);
    bec = asio::error::address_in_use;
    for (std::uint32_t i = 0; i < kRange && bec == asio::error::address_in_use; ++i) {
      const auto port = static_cast<std::uint16_t>(bfd::kSourcePortMin + (start + i) % kRange);
      bec.clear();
      e->tx.bind(udp::endpoint(to_asio(local), port), bec);
      if (!bec) {
        e->source_port = port;
      }
    }
  }
  if (!bec && !ec) {
    e->tx.non_blocking(true, bec);
  }
  if (bec || ec) {
    boost::system::error_code ignored;
    e->tx.close(ignored);
    release_rx(local);
    return bec ? std::error_code(bec) : ec;
  }

  sessions_.emplace(name, e);
  by_discriminator_.emplace(c.local_discriminator, e);
  by_address_.emplace(std::make_pair(local, remote), e);
  // An active session sends its first Down packet now; a passive one only arms nothing.
  after_input(e, std::nullopt, bfd::Clock::now());
  return {};
}

bool BfdTransport::remove_session(const std::string& name) {
  auto it = sessions_.find(name);
  if (it == sessions_.end()) {
    return false;
  }
  std::shared_ptr<Entry> e = it->second;
  e->removed = true;
  e->timer.cancel();
  boost::system::error_code ignored;
  e->tx.close(ignored);
  by_discriminator_.erase(e->session.local_discriminator());
  by_address_.erase({e->local, e->remote});
  sessions_.erase(it);
  release_rx(e->local);
  return true;
}

std::error_code BfdTransport::set_silent(const std::string& name, bool silent) {
  auto it = sessions_.find(name);
  if (it == sessions_.end()) {
    return not_found();
  }
  it->second->silent = silent;
  return {};
}

std::error_code BfdTransport::set_admin_down(const std::string& name, bool down) {
  auto it = sessions_.find(name);
  if (it == sessions_.end()) {
    return not_found();
  }
  std::shared_ptr<Entry> e = it->second;
  const auto now = bfd::Clock::now();
  auto change = e->session.set_admin_down(down, now);
  after_input(e, change, now);
  return {};
}

BfdSessionInfo BfdTransport::info_of(const Entry& e) const {
  const bfd::Session& s = e.session;
  BfdSessionInfo i;
  i.name = e.name;
  i.local = e.local;
  i.remote = e.remote;
  i.source_port = e.source_port;
  i.passive = s.config().passive;
  i.silent = e.silent;
  i.state = s.state();
  i.local_diag = s.local_diag();
  i.remote_state = s.remote_state();
  i.remote_diag = s.remote_diag();
  i.local_discriminator = s.local_discriminator();
  i.remote_discriminator = s.remote_discriminator();
  i.tx_interval = s.tx_interval();
  i.detection_time = s.detection_time();
  i.remote_desired_min_tx = s.remote_desired_min_tx();
  i.remote_required_min_rx = s.remote_required_min_rx();
  i.remote_detect_mult = s.remote_detect_mult();
  i.counters = s.counters();
  i.tx_suppressed = e.tx_suppressed;
  i.tx_errors = e.tx_errors;
  i.rx_ignored_silent = e.rx_ignored_silent;
  i.last_state_change = e.last_state_change;
  return i;
}

std::optional<BfdSessionInfo> BfdTransport::session_info(const std::string& name) const {
  auto it = sessions_.find(name);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  return info_of(*it->second);
}

std::vector<BfdSessionInfo> BfdTransport::sessions() const {
  std::vector<BfdSessionInfo> out;
  out.reserve(sessions_.size());
  for (const auto& [name, e] : sessions_) {
    out.push_back(info_of(*e));
  }
  return out;
}

}  // namespace msee::bfd::io
