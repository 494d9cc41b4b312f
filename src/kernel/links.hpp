// Read-only facts from the Linux kernel about the MSEE's own link: which interface holds an
// address, its neighbour (ARP / IPv6 ND) cache over rtnetlink, and its byte/packet counters.
// Feeds the emulated `list-arp-tables` (behaviour spec R17, R84) and circuit statistics (R85).
// Plain syscalls, synchronous, no throw: every call is cheap enough for an HTTP handler and
// reports failure as a value (nullopt, or an error string that says which step failed).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/types.hpp"
#include "util/result.hpp"

namespace msee::kernel {

struct LinkInfo {
  std::string name;  // kernel name, without an IPv4 alias label ("eth0", never "eth0:1")
  int ifindex = 0;
  std::string mac;  // "aa:bb:cc:dd:ee:ff" (lower case); empty if the link has no L2 address
  bool loopback = false;  // IFF_LOOPBACK
  bool noarp = false;     // IFF_NOARP: the link never resolves neighbours (tun, wireguard, ...)
  bool up = false;        // IFF_UP and IFF_RUNNING: administratively up and has carrier
};

// The interface that holds `a` (IPv4 or IPv6; an IPv4-mapped IPv6 address counts as IPv4);
// any 127.0.0.0/8 address is the loopback link's, as the kernel routes it.
// An IPv6 link-local address may sit on several links; the first the kernel lists wins.
std::optional<LinkInfo> interface_for_address(const bgp::wire::IpAddress& a);
// The same for many addresses from one snapshot of the kernel's addresses (a getifaddrs()
// per address is a netlink dump of every address: quadratic for thousands of sessions).
// Thousands of sessions sit on a few links: each link found is in `links` once, and of[i] is
// the index there of a[i]'s link (-1: none).
struct AddressLinks {
  std::vector<LinkInfo> links;
  std::vector<int> of;
};
AddressLinks interfaces_for_addresses(const std::vector<bgp::wire::IpAddress>& a);

struct Neighbour {
  bgp::wire::IpAddress address;
  std::string mac;    // "aa:bb:cc:dd:ee:ff"; empty if the kernel has none (INCOMPLETE, FAILED)
  std::string state;  // "REACHABLE","STALE","DELAY","PROBE","FAILED","INCOMPLETE","PERMANENT",
                      // "NOARP","NONE" (the names `ip neigh` prints)
  std::uint32_t updated_seconds_ago = 0;  // since the entry last changed state
};

// The IPv4 (ARP) and IPv6 (ND) neighbour entries of one interface, sorted by address. Proxy
// entries are not included. An unknown ifindex is an error, an empty table is not.
Result<std::vector<Neighbour>, std::string> neighbours(int ifindex);
// One entry of neighbours(ifindex); nullopt if there is none or the dump failed.
std::optional<Neighbour> neighbour(int ifindex, const bgp::wire::IpAddress& a);

struct Counters {
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t rx_packets = 0;
  std::uint64_t tx_packets = 0;
};
// From /sys/class/net/NAME/statistics; nullopt if the interface (or any counter) is missing.
std::optional<Counters> counters(const std::string& ifname);

// The root qdisc of an interface (qdisc.cpp): its kind ("tbf", "noqueue", ...) and what it
// sent and dropped since it was made. nullopt if the dump fails or the interface has none.
struct QdiscStats {
  std::string kind;
  std::uint64_t bytes = 0;
  std::uint64_t packets = 0;
  std::uint64_t drops = 0;
};
std::optional<QdiscStats> root_qdisc(int ifindex);

// "aa:bb:cc:dd:ee:ff" (either case) → "aabb.ccdd.eeff", the Cisco form Azure shows (R84).
// Anything else, including "", → "Incomplete", which is what Azure shows for an unresolved entry.
std::string cisco_mac(std::string_view colon_mac);

namespace detail {
// One recv() worth of an RTM_GETNEIGH dump reply, parsed. Exposed so that tests can feed it
// truncated and hostile buffers without a kernel.
struct DumpChunk {
  enum class Status { More, Done, Failed };
  Status status = Status::More;
  std::vector<Neighbour> neighbours;
  bool interrupted = false;  // NLM_F_DUMP_INTR: the table changed while it was being dumped
  std::string error;         // set when status == Failed
};
// Keeps only RTM_NEWNEIGH entries of `ifindex` (AF_INET / AF_INET6, not proxies) answering
// sequence number `seq`. `ticks_per_second` is sysconf(_SC_CLK_TCK).
DumpChunk parse_neighbour_chunk(std::span<const std::uint8_t> bytes, int ifindex,
                                std::uint32_t seq, long ticks_per_second);
}  // namespace detail

}  // namespace msee::kernel
