// rtnetlink route programming (routes.hpp): RTM_NEWROUTE with NLM_F_REPLACE, RTM_DELROUTE,
// RTM_GETROUTE dumps; see rtnetlink(7). Requests go out in batches of up to kBatchBytes and
// every ACK is read back (NETLINK_CAP_ACK keeps them short, NETLINK_EXT_ACK adds the kernel's
// reason text to an error).
#include "kernel/routes.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/format.h>

namespace msee::kernel {

namespace {

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
constexpr std::size_t kBatchBytes = 64 * 1024;

template <class T>
T load(std::span<const std::uint8_t> b, std::size_t off) {
  T v{};
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

// Appends one attribute (header, value, padding) and returns the offset of its header.
std::size_t put_attr(std::vector<std::uint8_t>& m, std::uint16_t type, const void* data,
                     std::size_t len) {
  std::size_t off = m.size();
  rtattr a{};
  a.rta_len = static_cast<unsigned short>(sizeof(rtattr) + len);
  a.rta_type = type;
  m.resize(off + align4(sizeof(rtattr) + len), 0);
  std::memcpy(m.data() + off, &a, sizeof a);
  if (len > 0) {
    std::memcpy(m.data() + off + sizeof(rtattr), data, len);
  }
  return off;
}

void patch_len(std::vector<std::uint8_t>& m, std::size_t off, std::size_t len) {
  auto l = static_cast<unsigned short>(len);
  std::memcpy(m.data() + off, &l, sizeof l);  // rta_len / rtnh_len are the first field
}

int family_of(const bgp::wire::IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }

std::string route_name(const fib::Route& r) {
  return fmt::format("{} table {}", r.prefix.to_string(), r.table);
}

}  // namespace

std::optional<bool> in_initial_netns() {
  struct stat self {}, other {};
  if (::stat("/proc/self/ns/net", &self) != 0) {
    return std::nullopt;
  }
  auto same = [&](const struct stat& o) { return o.st_ino == self.st_ino && o.st_dev == self.st_dev; };
  if (::stat("/proc/1/ns/net", &other) == 0) {
    return same(other);
  }
  // PID 1 hidden (a container's sandbox): a namespace `ip netns add` named is bind-mounted
  // under /run/netns, as `ip netns identify` finds it; ours among them is not the host's.
  if (DIR* d = ::opendir("/run/netns")) {
    bool named = false;
    while (auto* e = ::readdir(d)) {
      std::string path = std::string("/run/netns/") + e->d_name;
      if (e->d_name[0] != '.' && ::stat(path.c_str(), &other) == 0 && same(other)) {
        named = true;
        break;
      }
    }
    ::closedir(d);
    if (named) {
      return false;
    }
  }
  return std::nullopt;
}

namespace detail {

std::vector<std::uint8_t> encode_route(const fib::Op& op, std::uint32_t seq,
                                       std::uint8_t protocol) {
  const auto& r = op.route;
  const bool del = op.kind == fib::Op::Kind::Delete;
  std::vector<std::uint8_t> m(align4(sizeof(nlmsghdr)) + align4(sizeof(rtmsg)), 0);
  nlmsghdr h{};
  h.nlmsg_type = del ? RTM_DELROUTE : RTM_NEWROUTE;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
  h.nlmsg_seq = seq;
  rtmsg rt{};
  rt.rtm_family = static_cast<unsigned char>(family_of(r.prefix.addr));
  rt.rtm_dst_len = r.prefix.length;
  rt.rtm_table = r.table < 256 ? static_cast<unsigned char>(r.table)
                               : static_cast<unsigned char>(RT_TABLE_UNSPEC);
  rt.rtm_protocol = protocol;  // a delete matches only routes of this protocol
  rt.rtm_scope = del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
  rt.rtm_type = RTN_UNICAST;
  std::memcpy(m.data() + align4(sizeof(nlmsghdr)), &rt, sizeof rt);
  std::uint32_t table = r.table;
  put_attr(m, RTA_TABLE, &table, sizeof table);
  put_attr(m, RTA_DST, r.prefix.addr.bytes.data(), r.prefix.addr.size());
  if (!del && r.next_hops.size() == 1) {
    const auto& nh = r.next_hops.front();
    put_attr(m, RTA_GATEWAY, nh.gateway.bytes.data(), nh.gateway.size());
    if (nh.ifindex > 0) {
      std::int32_t oif = nh.ifindex;
      put_attr(m, RTA_OIF, &oif, sizeof oif);
    }
  } else if (!del && r.next_hops.size() > 1) {
    // RTA_MULTIPATH: a list of rtnexthop, each followed by its own RTA_GATEWAY.
    std::size_t mp = put_attr(m, RTA_MULTIPATH, nullptr, 0);
    for (const auto& nh : r.next_hops) {
      std::size_t off = m.size();
      rtnexthop rn{};
      rn.rtnh_ifindex = nh.ifindex;
      m.resize(off + align4(sizeof rn), 0);
      put_attr(m, RTA_GATEWAY, nh.gateway.bytes.data(), nh.gateway.size());
      rn.rtnh_len = static_cast<unsigned short>(m.size() - off);
      std::memcpy(m.data() + off, &rn, sizeof rn);
    }
    patch_len(m, mp, m.size() - mp);
  }
  h.nlmsg_len = static_cast<std::uint32_t>(m.size());
  std::memcpy(m.data(), &h, sizeof h);
  return m;
}

std::optional<fib::Route> parse_route(std::span<const std::uint8_t> p, std::uint8_t protocol) {
  if (p.size() < sizeof(rtmsg)) {
    return std::nullopt;
  }
  const auto rt = load<rtmsg>(p, 0);
  if (rt.rtm_protocol != protocol || rt.rtm_type != RTN_UNICAST ||
      (rt.rtm_family != AF_INET && rt.rtm_family != AF_INET6)) {
    return std::nullopt;
  }
  const bool v4 = rt.rtm_family == AF_INET;
  const std::size_t alen = v4 ? 4 : 16;
  if (rt.rtm_dst_len > (v4 ? 32 : 128)) {
    return std::nullopt;
  }
  auto addr = [&](std::span<const std::uint8_t> v) -> std::optional<bgp::wire::IpAddress> {
    if (v.size() != alen) {
      return std::nullopt;
    }
    bgp::wire::IpAddress a;
    a.family = v4 ? bgp::wire::Afi::Ipv4 : bgp::wire::Afi::Ipv6;
    std::copy(v.begin(), v.end(), a.bytes.begin());
    return a;
  };
  fib::Route r;
  r.table = rt.rtm_table;
  r.prefix.addr.family = v4 ? bgp::wire::Afi::Ipv4 : bgp::wire::Afi::Ipv6;
  r.prefix.length = rt.rtm_dst_len;
  fib::NextHop single;
  bool have_gw = false;
  for (std::size_t off = align4(sizeof(rtmsg)); off + sizeof(rtattr) <= p.size();) {
    const auto a = load<rtattr>(p, off);
    if (a.rta_len < sizeof(rtattr) || a.rta_len > p.size() - off) {
      return std::nullopt;
    }
    const auto v = p.subspan(off + sizeof(rtattr), a.rta_len - sizeof(rtattr));
    switch (a.rta_type & NLA_TYPE_MASK) {
      case RTA_TABLE:
        if (v.size() == 4) {
          r.table = load<std::uint32_t>(v, 0);
        }
        break;
      case RTA_DST:
        if (auto d = addr(v)) {
          r.prefix.addr = *d;
        } else {
          return std::nullopt;
        }
        break;
      case RTA_GATEWAY:
        if (auto g = addr(v)) {
          single.gateway = *g;
          have_gw = true;
        }
        break;
      case RTA_OIF:
        if (v.size() == 4) {
          single.ifindex = load<std::int32_t>(v, 0);
        }
        break;
      case RTA_MULTIPATH:
        for (std::size_t o = 0; o + sizeof(rtnexthop) <= v.size();) {
          const auto rn = load<rtnexthop>(v, o);
          if (rn.rtnh_len < sizeof(rtnexthop) || rn.rtnh_len > v.size() - o) {
            return std::nullopt;
          }
          fib::NextHop nh;
          nh.ifindex = rn.rtnh_ifindex;
          const auto inner = v.subspan(o + align4(sizeof(rtnexthop)),
                                       rn.rtnh_len - std::min<std::size_t>(rn.rtnh_len, align4(sizeof(rtnexthop))));
          for (std::size_t io = 0; io + sizeof(rtattr) <= inner.size();) {
            const auto ia = load<rtattr>(inner, io);
            if (ia.rta_len < sizeof(rtattr) || ia.rta_len > inner.size() - io) {
              return std::nullopt;
            }
            if ((ia.rta_type & NLA_TYPE_MASK) == RTA_GATEWAY) {
              if (auto g = addr(inner.subspan(io + sizeof(rtattr), ia.rta_len - sizeof(rtattr)))) {
                nh.gateway = *g;
              }
            }
            io += align4(ia.rta_len);
          }
          r.next_hops.push_back(nh);
          o += align4(rn.rtnh_len);
        }
        break;
      default:
        break;
    }
    off += align4(a.rta_len);
  }
  if (have_gw) {
    r.next_hops.push_back(single);
  }
  std::sort(r.next_hops.begin(), r.next_hops.end());
  return r;
}

}  // namespace detail

Result<RouteSocket, std::string> RouteSocket::open() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    return unexpected(fmt::format("rtnetlink socket: {}", std::strerror(errno)));
  }
  int one = 1;
  // Short ACKs (no echo of the request) and the kernel's reason text in an error.
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  int rcvbuf = 4 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return unexpected(fmt::format("rtnetlink bind: {}", e));
  }
  return RouteSocket(fd);
}

RouteSocket::~RouteSocket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

RouteSocket::Outcome RouteSocket::apply(std::span<const fib::Op> ops) {
  Outcome out;
  std::vector<std::uint8_t> batch;
  std::map<std::uint32_t, const fib::Op*> pending;  // by sequence number
  std::vector<std::uint8_t> buf(256 * 1024);
  auto fail = [&](const fib::Op* op, const std::string& why) {
    ++out.failed;
    if (out.first_error.empty()) {
      out.first_error = op != nullptr ? fmt::format("{}: {}", route_name(op->route), why) : why;
    }
  };
  auto send_and_ack = [&]() {
    if (batch.empty()) {
      return;
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t n = ::sendto(fd_, batch.data(), batch.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                         sizeof kernel);
    if (n != static_cast<ssize_t>(batch.size())) {
      for (const auto& [seq, op] : pending) {
        fail(op, fmt::format("rtnetlink send: {}", std::strerror(errno)));
      }
      pending.clear();
      batch.clear();
      return;
    }
    batch.clear();
    while (!pending.empty()) {
      ssize_t got = ::recv(fd_, buf.data(), buf.size(), 0);
      if (got < 0) {
        if (errno == EINTR) {
          continue;
        }
        for (const auto& [seq, op] : pending) {
          fail(op, fmt::format("rtnetlink recv: {}", std::strerror(errno)));
        }
        pending.clear();
        return;
      }
      std::span<const std::uint8_t> b(buf.data(), static_cast<std::size_t>(got));
      for (std::size_t off = 0; off + sizeof(nlmsghdr) <= b.size();) {
        const auto h = load<nlmsghdr>(b, off);
        if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > b.size() - off) {
          break;
        }
        if (h.nlmsg_type == NLMSG_ERROR && h.nlmsg_len >= sizeof(nlmsghdr) + sizeof(nlmsgerr)) {
          const auto e = load<nlmsgerr>(b, off + align4(sizeof(nlmsghdr)));
          auto it = pending.find(e.msg.nlmsg_seq);
          if (it != pending.end()) {
            const fib::Op* op = it->second;
            pending.erase(it);
            const bool gone_already = op->kind == fib::Op::Kind::Delete && e.error == -ESRCH;
            if (e.error == 0 || gone_already) {
              ++out.applied;
            } else {
              // NLMSGERR_ATTR_MSG follows the (capped) error when NETLINK_EXT_ACK is on.
              std::string why = std::strerror(-e.error);
              std::size_t ao = off + align4(sizeof(nlmsghdr)) + align4(sizeof(nlmsgerr));
              while (ao + sizeof(rtattr) <= off + h.nlmsg_len) {
                const auto a = load<rtattr>(b, ao);
                if (a.rta_len < sizeof(rtattr) || ao + a.rta_len > off + h.nlmsg_len) {
                  break;
                }
                if (a.rta_type == NLMSGERR_ATTR_MSG && a.rta_len > sizeof(rtattr) + 1) {
                  why = fmt::format("{} ({})",
                                    std::string(reinterpret_cast<const char*>(b.data() + ao +
                                                                              sizeof(rtattr)),
                                                a.rta_len - sizeof(rtattr) - 1),
                                    std::strerror(-e.error));
                }
                ao += align4(a.rta_len);
              }
              fail(op, why);
            }
          }
        }
        off += align4(h.nlmsg_len);
      }
    }
  };
  for (const auto& op : ops) {
    auto msg = detail::encode_route(op, seq_, kRouteProtocol);
    if (batch.size() + msg.size() > kBatchBytes) {
      send_and_ack();
    }
    pending.emplace(seq_, &op);
    ++seq_;
    batch.insert(batch.end(), msg.begin(), msg.end());
  }
  send_and_ack();
  return out;
}

Result<std::vector<fib::Route>, std::string> RouteSocket::dump_family(std::uint8_t protocol,
                                                                      int family) {
  struct {
    nlmsghdr h;
    rtmsg rt;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_GETROUTE;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = seq_++;
  req.rt.rtm_family = static_cast<unsigned char>(family);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    return unexpected(fmt::format("rtnetlink dump request: {}", std::strerror(errno)));
  }
  std::vector<fib::Route> out;
  std::vector<std::uint8_t> buf(256 * 1024);
  for (;;) {
    ssize_t got = ::recv(fd_, buf.data(), buf.size(), 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return unexpected(fmt::format("rtnetlink dump: {}", std::strerror(errno)));
    }
    std::span<const std::uint8_t> b(buf.data(), static_cast<std::size_t>(got));
    for (std::size_t off = 0; off + sizeof(nlmsghdr) <= b.size();) {
      const auto h = load<nlmsghdr>(b, off);
      if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > b.size() - off) {
        return unexpected(std::string("rtnetlink dump: a message runs past the buffer"));
      }
      if (h.nlmsg_seq == req.h.nlmsg_seq) {
        if (h.nlmsg_type == NLMSG_DONE) {
          return out;
        }
        if (h.nlmsg_type == NLMSG_ERROR) {
          const auto e = load<nlmsgerr>(b, off + align4(sizeof(nlmsghdr)));
          return unexpected(fmt::format("rtnetlink dump: {}", std::strerror(-e.error)));
        }
        if (h.nlmsg_type == RTM_NEWROUTE) {
          auto payload = b.subspan(off + align4(sizeof(nlmsghdr)),
                                   h.nlmsg_len - align4(sizeof(nlmsghdr)));
          if (auto r = detail::parse_route(payload, protocol)) {
            out.push_back(std::move(*r));
          }
        }
      }
      off += align4(h.nlmsg_len);
    }
  }
}

Result<std::vector<fib::Route>, std::string> RouteSocket::dump(std::uint8_t protocol) {
  auto v4 = dump_family(protocol, AF_INET);
  if (!v4) {
    return v4;
  }
  auto v6 = dump_family(protocol, AF_INET6);
  if (!v6) {
    return v6;
  }
  auto out = std::move(*v4);
  for (auto& r : *v6) {
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::size_t, std::string> RouteSocket::flush(
    std::uint8_t protocol, const std::function<bool(const fib::Route&)>& only) {
  auto routes = dump(protocol);
  if (!routes) {
    return unexpected(std::move(routes.error()));
  }
  std::vector<fib::Op> ops;
  for (auto& r : *routes) {
    if (only && !only(r)) {
      continue;
    }
    r.next_hops.clear();
    ops.push_back(fib::Op{fib::Op::Kind::Delete, std::move(r)});
  }
  auto res = apply(ops);
  if (res.failed > 0) {
    return unexpected(fmt::format("{} of {} stale routes not deleted: {}", res.failed, ops.size(),
                                  res.first_error));
  }
  return res.applied;
}

}  // namespace msee::kernel
