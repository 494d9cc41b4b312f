// The neighbour cache of the MSEE's link (ARP and IPv6 ND, R17, R84) over rtnetlink: one
// RTM_GETNEIGH dump per call on a fresh socket (see rtnetlink(7) and
// include/uapi/linux/neighbour.h), its parser, and the retries when the table changes while it
// is being dumped. Every public entry point returns a value, never throws.
#include "kernel/links.hpp"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <iterator>

#include "kernel/helpers.hpp"

namespace msee::kernel {

namespace {

using bgp::wire::IpAddress;
using detail::hex_colon;
using detail::unmap_v4;

// A dump that keeps getting interrupted by table changes is retried this often, then the last
// (possibly slightly stale) answer is used: an ARP view a moment old beats no view at all.
constexpr int kDumpAttempts = 3;
// The caller is an HTTP handler; a kernel that does not answer must not hang it.
constexpr long kReceiveTimeoutMs = 1000;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text(std::string_view step, int err) {
  std::string s(step);
  s += ": ";
  s += std::strerror(err);
  return s;
}

// Bytes are copied out with memcpy rather than cast: the receive buffer is a plain byte
// vector, and this keeps alignment and strict aliasing out of the question.
template <class T>
T load(std::span<const std::uint8_t> b, std::size_t off) {
  T v{};
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

// NLMSG_ALIGN / RTA_ALIGN: every netlink header and attribute starts on a 4-byte boundary.
constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
constexpr std::size_t kNlHdrLen = align4(sizeof(nlmsghdr));

const char* state_name(std::uint16_t s) {
  if (s == NUD_NONE) {
    return "NONE";
  }
  // The kernel keeps exactly one bit set; if it ever sets more, the most "settled" one wins.
  static constexpr std::pair<std::uint16_t, const char*> kNames[] = {
      {NUD_PERMANENT, "PERMANENT"}, {NUD_NOARP, "NOARP"},   {NUD_REACHABLE, "REACHABLE"},
      {NUD_STALE, "STALE"},         {NUD_DELAY, "DELAY"},   {NUD_PROBE, "PROBE"},
      {NUD_FAILED, "FAILED"},       {NUD_INCOMPLETE, "INCOMPLETE"},
  };
  for (const auto& [bit, name] : kNames) {
    if ((s & bit) != 0) {
      return name;
    }
  }
  return "NONE";
}

// One RTM_NEWNEIGH payload (ndmsg + attributes). nullopt if it is for another link or family,
// a proxy entry, or malformed (then it is skipped rather than failing the whole dump).
std::optional<Neighbour> parse_neigh(std::span<const std::uint8_t> p, int ifindex,
                                     long ticks_per_second) {
  if (p.size() < sizeof(ndmsg)) {
    return std::nullopt;
  }
  const auto ndm = load<ndmsg>(p, 0);
  // The family is checked even though AF_UNSPEC was asked for: only the ARP and ND tables
  // are wanted, and a kernel may add others (DECnet had one) to the same dump.
  if ((ndm.ndm_family != AF_INET && ndm.ndm_family != AF_INET6) || ndm.ndm_ifindex != ifindex ||
      (ndm.ndm_flags & NTF_PROXY) != 0) {
    return std::nullopt;
  }
  const std::size_t addr_len = ndm.ndm_family == AF_INET ? 4 : 16;

  Neighbour n;
  n.state = state_name(ndm.ndm_state);
  bool have_dst = false;
  for (std::size_t off = align4(sizeof(ndmsg)); off + sizeof(rtattr) <= p.size();) {
    const auto rta = load<rtattr>(p, off);
    if (rta.rta_len < sizeof(rtattr) || rta.rta_len > p.size() - off) {
      return std::nullopt;  // attribute runs past its message: do not trust any of it
    }
    const auto value = p.subspan(off + sizeof(rtattr), rta.rta_len - sizeof(rtattr));
    switch (rta.rta_type & NLA_TYPE_MASK) {
      case NDA_DST:
        if (value.size() != addr_len) {
          return std::nullopt;
        }
        n.address.family = addr_len == 4 ? bgp::wire::Afi::Ipv4 : bgp::wire::Afi::Ipv6;
        std::copy(value.begin(), value.end(), n.address.bytes.begin());
        have_dst = true;
        break;
      case NDA_LLADDR:
        // Present only while the entry is valid (neigh_fill_info checks NUD_VALID).
        n.mac = hex_colon(value.data(), value.size());
        break;
      case NDA_CACHEINFO:
        if (value.size() >= sizeof(nda_cacheinfo) && ticks_per_second > 0) {
          // Already an age ("now - updated"), in USER_HZ clock ticks.
          const auto ci = load<nda_cacheinfo>(value, 0);
          const auto ticks = static_cast<std::uint32_t>(ticks_per_second);
          n.updated_seconds_ago = ci.ndm_updated / ticks;
        }
        break;
      default:
        break;
    }
    off += align4(rta.rta_len);
  }
  if (!have_dst) {
    return std::nullopt;
  }
  return n;
}

// The dump request: "all neighbours of all families", with NDA_IFINDEX so that kernels since
// 4.20 filter by link themselves (older ones ignore it; parse_neigh filters again).
std::vector<std::uint8_t> dump_request(int ifindex, std::uint32_t seq) {
  const std::size_t attr_off = kNlHdrLen + align4(sizeof(ndmsg));
  const std::size_t total = attr_off + align4(sizeof(rtattr) + sizeof(std::uint32_t));
  std::vector<std::uint8_t> req(total, 0);

  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(total);
  h.nlmsg_type = RTM_GETNEIGH;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h.nlmsg_seq = seq;
  std::memcpy(req.data(), &h, sizeof h);

  ndmsg ndm{};
  ndm.ndm_family = AF_UNSPEC;  // one round trip for both the ARP and the ND table
  std::memcpy(req.data() + kNlHdrLen, &ndm, sizeof ndm);

  rtattr rta{};
  rta.rta_len = static_cast<unsigned short>(sizeof(rtattr) + sizeof(std::uint32_t));
  rta.rta_type = NDA_IFINDEX;
  const auto idx = static_cast<std::uint32_t>(ifindex);
  std::memcpy(req.data() + attr_off, &rta, sizeof rta);
  std::memcpy(req.data() + attr_off + sizeof rta, &idx, sizeof idx);
  return req;
}

// One receive: peeks for the datagram's real size first, so a large chunk is never cut.
Result<std::vector<std::uint8_t>, std::string> receive(int fd) {
  std::vector<std::uint8_t> buf(16384);
  for (;;) {
    sockaddr_nl from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t peek = ::recvmsg(fd, &msg, MSG_PEEK | MSG_TRUNC);
    if (peek < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return msee::unexpected(std::string("netlink: no answer from the kernel within 1 s"));
      }
      return msee::unexpected(errno_text("netlink recvmsg", errno));
    }
    if (static_cast<std::size_t>(peek) > buf.size()) {
      buf.resize(static_cast<std::size_t>(peek));
      iov = iovec{buf.data(), buf.size()};
    }
    msg.msg_namelen = sizeof from;
    msg.msg_flags = 0;
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return msee::unexpected(errno_text("netlink recvmsg", errno));
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0) {
      return msee::unexpected(std::string("netlink: reply truncated"));
    }
    // Only the kernel (port 0) may answer; anything else on our port is not a reply.
    if (from.nl_pid != 0) {
      continue;
    }
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
}

struct Dump {
  std::vector<Neighbour> neighbours;
  bool interrupted = false;
};

Result<Dump, std::string> dump_once(int fd, int ifindex, std::uint32_t seq, long ticks) {
  const auto req = dump_request(ifindex, seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = -1;
  do {
    sent = ::sendto(fd, req.data(), req.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
                    sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    return msee::unexpected(errno_text("netlink sendto", errno));
  }

  Dump d;
  for (;;) {
    auto chunk = receive(fd);
    if (!chunk) {
      return msee::unexpected(std::move(chunk).error());
    }
    auto parsed = detail::parse_neighbour_chunk(*chunk, ifindex, seq, ticks);
    d.interrupted = d.interrupted || parsed.interrupted;
    std::move(parsed.neighbours.begin(), parsed.neighbours.end(),
              std::back_inserter(d.neighbours));
    if (parsed.status == detail::DumpChunk::Status::Failed) {
      return msee::unexpected(std::move(parsed.error));
    }
    if (parsed.status == detail::DumpChunk::Status::Done) {
      return d;
    }
  }
}

Result<std::vector<Neighbour>, std::string> neighbours_impl(int ifindex) {
  if (ifindex <= 0) {
    return msee::unexpected("invalid interface index " + std::to_string(ifindex));
  }
  // An unknown index would just dump nothing; say so instead of showing an empty table.
  std::array<char, IF_NAMESIZE> name{};
  if (::if_indextoname(static_cast<unsigned>(ifindex), name.data()) == nullptr) {
    return msee::unexpected("no interface with index " + std::to_string(ifindex));
  }

  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (fd.get() < 0) {
    return msee::unexpected(errno_text("netlink socket", errno));
  }
  timeval tv{};
  tv.tv_sec = kReceiveTimeoutMs / 1000;
  tv.tv_usec = (kReceiveTimeoutMs % 1000) * 1000;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    return msee::unexpected(errno_text("netlink SO_RCVTIMEO", errno));
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);

  // A fresh socket per call, so no reply to an earlier request can be waiting on it; the
  // sequence number still tells the retries of this call apart.
  Dump last;
  for (int attempt = 1; attempt <= kDumpAttempts; ++attempt) {
    auto d = dump_once(fd.get(), ifindex, static_cast<std::uint32_t>(attempt), ticks);
    if (!d) {
      return msee::unexpected(std::move(d).error());
    }
    last = std::move(*d);
    if (!last.interrupted) {
      break;
    }
  }
  std::sort(last.neighbours.begin(), last.neighbours.end(),
            [](const Neighbour& x, const Neighbour& y) { return x.address < y.address; });
  return std::move(last.neighbours);
}

}  // namespace

namespace detail {

DumpChunk parse_neighbour_chunk(std::span<const std::uint8_t> bytes, int ifindex,
                                std::uint32_t seq, long ticks_per_second) {
  DumpChunk out;
  std::size_t off = 0;
  while (bytes.size() - off >= sizeof(nlmsghdr)) {
    const auto h = load<nlmsghdr>(bytes, off);
    // A length that is too short or runs past the datagram leaves no way to find the next
    // header, so the whole reply is refused rather than guessed at.
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > bytes.size() - off) {
      out.status = DumpChunk::Status::Failed;
      out.error = "netlink: truncated message in neighbour dump";
      return out;
    }
    const auto payload = bytes.subspan(off + kNlHdrLen, h.nlmsg_len - kNlHdrLen);
    off += std::min<std::size_t>(align4(h.nlmsg_len), bytes.size() - off);

    if (h.nlmsg_seq != seq) {
      continue;  // a late answer to an earlier, abandoned attempt
    }
    if ((h.nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
      out.interrupted = true;
    }
    switch (h.nlmsg_type) {
      case NLMSG_ERROR: {
        int err = 0;
        if (payload.size() >= sizeof err) {
          err = load<int>(payload, 0);
        }
        if (payload.size() < sizeof err || err < 0) {
          out.status = DumpChunk::Status::Failed;
          out.error = payload.size() < sizeof err
                          ? std::string("netlink: truncated error message")
                          : errno_text("netlink RTM_GETNEIGH", -err);
          return out;
        }
        break;  // error 0 is an acknowledgement; a dump ends with NLMSG_DONE regardless
      }
      case NLMSG_DONE: {
        // Some dumpers put their error code in NLMSG_DONE's payload.
        if (payload.size() >= sizeof(int)) {
          if (const int err = load<int>(payload, 0); err < 0) {
            out.status = DumpChunk::Status::Failed;
            out.error = errno_text("netlink RTM_GETNEIGH", -err);
            return out;
          }
        }
        out.status = DumpChunk::Status::Done;
        return out;
      }
      case NLMSG_OVERRUN:
        out.status = DumpChunk::Status::Failed;
        out.error = "netlink: receive buffer overrun";
        return out;
      case RTM_NEWNEIGH:
        if (auto n = parse_neigh(payload, ifindex, ticks_per_second)) {
          out.neighbours.push_back(std::move(*n));
        }
        break;
      default:
        break;  // NLMSG_NOOP and anything newer: not ours to interpret
    }
  }
  return out;
}

}  // namespace detail

// The public entry points only add the no-throw guarantee: the sole thing that can throw
// below them is allocation, and an HTTP handler is better off with "unavailable" than a crash.

Result<std::vector<Neighbour>, std::string> neighbours(int ifindex) {
  try {
    return neighbours_impl(ifindex);
  } catch (const std::exception& e) {
    return msee::unexpected(std::string("neighbour dump failed: ") + e.what());
  }
}

std::optional<Neighbour> neighbour(int ifindex, const IpAddress& a) {
  try {
    const IpAddress want = unmap_v4(a);
    auto all = neighbours_impl(ifindex);
    if (!all) {
      return std::nullopt;
    }
    for (auto& n : *all) {
      if (n.address == want) {
        return std::move(n);
      }
    }
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace msee::kernel
