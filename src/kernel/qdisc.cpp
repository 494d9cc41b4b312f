// The root queueing discipline's counters of one interface, from an RTM_GETQDISC dump
// (rtnetlink(7), TCA_STATS's struct tc_stats): what the data plane's tbf shaper sent and
// dropped (R81's DroppedIn/OutBitsPerSecond). One fresh socket per call, like neighbours.cpp.
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernel/links.hpp"

namespace msee::kernel {

namespace {
constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
template <class T>
T load(const std::uint8_t* p) {
  T v{};
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace

std::optional<QdiscStats> root_qdisc(int ifindex) {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    return std::nullopt;
  }
  struct {
    nlmsghdr h;
    tcmsg t;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_GETQDISC;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 1;
  req.t.tcm_family = AF_UNSPEC;
  req.t.tcm_ifindex = ifindex;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::optional<QdiscStats> found;
  if (::sendto(fd, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::vector<std::uint8_t> buf(64 * 1024);
  for (bool done = false; !done;) {
    ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;
    }
    auto n = static_cast<std::size_t>(got);
    for (std::size_t off = 0; off + sizeof(nlmsghdr) <= n;) {
      auto h = load<nlmsghdr>(buf.data() + off);
      if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > n - off) {
        done = true;
        break;
      }
      if (h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR) {
        done = true;
        break;
      }
      std::size_t body = off + align4(sizeof(nlmsghdr));
      std::size_t end = off + h.nlmsg_len;
      if (h.nlmsg_type == RTM_NEWQDISC && body + sizeof(tcmsg) <= end) {
        auto t = load<tcmsg>(buf.data() + body);
        if (t.tcm_ifindex == ifindex && t.tcm_parent == TC_H_ROOT) {
          QdiscStats q;
          for (std::size_t a = body + align4(sizeof(tcmsg)); a + sizeof(rtattr) <= end;) {
            auto ra = load<rtattr>(buf.data() + a);
            if (ra.rta_len < sizeof(rtattr) || a + ra.rta_len > end) {
              break;
            }
            const std::uint8_t* v = buf.data() + a + sizeof(rtattr);
            std::size_t vlen = ra.rta_len - sizeof(rtattr);
            if (ra.rta_type == TCA_KIND && vlen > 0) {
              q.kind.assign(reinterpret_cast<const char*>(v), strnlen(reinterpret_cast<const char*>(v), vlen));
            } else if (ra.rta_type == TCA_STATS && vlen >= sizeof(tc_stats)) {
              auto s = load<tc_stats>(v);
              q.bytes = s.bytes;
              q.packets = s.packets;
              q.drops = s.drops;
            }
            a += align4(ra.rta_len);
          }
          found = q;
        }
      }
      off += align4(h.nlmsg_len);
    }
  }
  ::close(fd);
  return found;
}

}  // namespace msee::kernel
