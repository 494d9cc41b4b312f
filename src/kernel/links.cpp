// Address → interface for the MSEE's link (getifaddrs(3)), with its flags and hardware address,
// and the Cisco form of a MAC address that Azure's ARP table shows (R84). Every public entry
// point returns a value, never throws.
#include "kernel/links.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <map>
#include <memory>

#include "kernel/helpers.hpp"

namespace msee::kernel {

namespace detail {

std::string hex_colon(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) {
      s += ':';
    }
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 0x0f];
  }
  return s;
}

bgp::wire::IpAddress unmap_v4(const bgp::wire::IpAddress& a) {
  if (!a.is_v6()) {
    return a;
  }
  static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!std::equal(kMapped.begin(), kMapped.end(), a.bytes.begin())) {
    return a;
  }
  bgp::wire::IpAddress v4;
  v4.family = bgp::wire::Afi::Ipv4;
  std::copy_n(a.bytes.begin() + 12, 4, v4.bytes.begin());
  return v4;
}

}  // namespace detail

namespace {

using bgp::wire::IpAddress;
using detail::hex_colon;
using detail::read_sys_line;
using detail::unmap_v4;
using detail::valid_ifname;

bool sockaddr_holds(const sockaddr* sa, const IpAddress& a) {
  if (sa == nullptr) {
    return false;
  }
  if (a.is_v4() && sa->sa_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, sa, sizeof sin);
    return std::memcmp(&sin.sin_addr, a.bytes.data(), 4) == 0;
  }
  if (a.is_v6() && sa->sa_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, sa, sizeof sin6);
    return std::memcmp(sin6.sin6_addr.s6_addr, a.bytes.data(), 16) == 0;
  }
  return false;
}

struct IfaddrsDeleter {
  void operator()(ifaddrs* p) const { ::freeifaddrs(p); }
};

const ifaddrs* entry_for(const ifaddrs* first, const IpAddress& wanted);
std::optional<LinkInfo> link_of(const ifaddrs* first, const ifaddrs* hit);

// `wanted`'s link in one getifaddrs() snapshot.
std::optional<LinkInfo> lookup_in(const ifaddrs* first, const IpAddress& wanted) {
  return link_of(first, entry_for(first, wanted));
}

std::optional<LinkInfo> interface_for_address_impl(const IpAddress& wanted) {
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) {
    return std::nullopt;
  }
  std::unique_ptr<ifaddrs, IfaddrsDeleter> list(raw);
  return lookup_in(list.get(), wanted);
}

AddressLinks interfaces_for_addresses_impl(const std::vector<IpAddress>& wanted) {
  AddressLinks out;
  out.of.assign(wanted.size(), -1);
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) {
    return out;
  }
  std::unique_ptr<ifaddrs, IfaddrsDeleter> list(raw);
  std::map<const ifaddrs*, int> seen;  // each link's details are read once per snapshot
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto* hit = entry_for(list.get(), wanted[i]);
    auto it = seen.find(hit);
    if (it == seen.end()) {
      auto link = link_of(list.get(), hit);
      it = seen.emplace(hit, link ? static_cast<int>(out.links.size()) : -1).first;
      if (link) {
        out.links.push_back(std::move(*link));
      }
    }
    out.of[i] = it->second;
  }
  return out;
}

// The snapshot's entry that holds `wanted` (nullptr: none).
const ifaddrs* entry_for(const ifaddrs* first, const IpAddress& wanted) {
  const IpAddress a = unmap_v4(wanted);
  struct View {
    const ifaddrs* head;
    const ifaddrs* get() const { return head; }
  } list{first};

  const ifaddrs* hit = nullptr;
  for (const ifaddrs* i = list.get(); i != nullptr; i = i->ifa_next) {
    if (sockaddr_holds(i->ifa_addr, a)) {
      hit = i;
      break;
    }
  }
  if (hit == nullptr && a.is_v4() && (a.v4_value() >> 24) == 127) {
    // The kernel's local route answers all of 127.0.0.0/8 on the loopback link, though `lo`
    // lists only 127.0.0.1 (the emulator's loopback addressing uses other 127.x addresses).
    for (const ifaddrs* i = list.get(); i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr != nullptr && i->ifa_addr->sa_family == AF_INET &&
          (i->ifa_flags & IFF_LOOPBACK) != 0) {
        hit = i;
        break;
      }
    }
  }
  return hit;
}

// The link of a snapshot entry `hit` (nullopt for nullptr or a nameless entry).
std::optional<LinkInfo> link_of(const ifaddrs* first, const ifaddrs* hit) {
  struct View {
    const ifaddrs* head;
    const ifaddrs* get() const { return head; }
  } list{first};
  if (hit == nullptr || hit->ifa_name == nullptr) {
    return std::nullopt;
  }

  LinkInfo info;
  info.name = hit->ifa_name;
  // glibc names IPv4 entries after their address label ("eth0:1"); ':' cannot occur in a
  // real interface name, so everything from it on is the label.
  if (auto colon = info.name.find(':'); colon != std::string::npos) {
    info.name.resize(colon);
  }
  info.loopback = (hit->ifa_flags & IFF_LOOPBACK) != 0;
  info.noarp = (hit->ifa_flags & IFF_NOARP) != 0;
  info.up = (hit->ifa_flags & IFF_UP) != 0 && (hit->ifa_flags & IFF_RUNNING) != 0;

  // The AF_PACKET entry of the same link carries its hardware address. It comes from the same
  // netlink snapshot, so it is right even when /sys belongs to another network namespace.
  bool have_mac = false;
  for (const ifaddrs* i = list.get(); i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_PACKET || i->ifa_name == nullptr ||
        info.name != i->ifa_name) {
      continue;
    }
    sockaddr_ll sll{};
    std::memcpy(&sll, i->ifa_addr, sizeof sll);
    if (sll.sll_halen <= sizeof sll.sll_addr) {
      info.mac = hex_colon(sll.sll_addr, sll.sll_halen);
      have_mac = true;
    }
    // The index from the same snapshot: if_nametoindex() opens a socket per call, which was
    // most of the cost of a /metrics scrape of 2,000 sessions (issue #15).
    info.ifindex = sll.sll_ifindex;
    break;
  }
  if (info.ifindex == 0) {
    info.ifindex = static_cast<int>(::if_nametoindex(info.name.c_str()));
  }
  if (info.ifindex == 0) {
    return std::nullopt;  // the link went away between the two calls
  }
  if (!have_mac && valid_ifname(info.name)) {
    info.mac = read_sys_line("/sys/class/net/" + info.name + "/address").value_or("");
  }
  return info;
}

}  // namespace

// The public entry point only adds the no-throw guarantee: the sole thing that can throw below
// it is allocation, and an HTTP handler is better off with "unavailable" than a crash.

std::optional<LinkInfo> interface_for_address(const IpAddress& a) {
  try {
    return interface_for_address_impl(a);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

AddressLinks interfaces_for_addresses(const std::vector<IpAddress>& a) {
  try {
    return interfaces_for_addresses_impl(a);
  } catch (const std::exception&) {
    return AddressLinks{{}, std::vector<int>(a.size(), -1)};
  }
}

std::string cisco_mac(std::string_view m) {
  constexpr std::string_view kIncomplete = "Incomplete";
  // Exactly six two-digit groups: "aa:bb:cc:dd:ee:ff" is 17 characters.
  if (m.size() != 17) {
    return std::string(kIncomplete);
  }
  std::string out;
  out.reserve(14);
  for (std::size_t i = 0; i < m.size(); ++i) {
    const char c = m[i];
    if (i % 3 == 2) {
      if (c != ':') {
        return std::string(kIncomplete);
      }
      continue;
    }
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    const bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !upper) {
      return std::string(kIncomplete);
    }
    out += upper ? static_cast<char>(c - 'A' + 'a') : c;
    // Cisco groups by 16 bits: a dot after every fourth hex digit but the last.
    if (out.size() == 4 || out.size() == 9) {
      out += '.';
    }
  }
  return out;
}

}  // namespace msee::kernel
