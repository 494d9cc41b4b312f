// The forwarding decision, pure: which next hops a kernel routing table should hold for one
// prefix, given the BGP paths a table may use, and the difference between what the kernel
// holds and what it should (the operations to program). No sockets: kernel/routes.hpp carries
// the operations out over rtnetlink, speaker/fib_sync.hpp feeds this from the Loc-RIB.
//
// The MSEE's choice toward the customer (MSEE: R45, R60): the longest prefix wins (the kernel's
// lookup does that), then the shortest AS path, then every remaining path at once as one
// multipath route, the kernel spreading flows by their L4 hash (active-active, per flow). A
// path learned over Global Reach (R74) is used only when the circuit's own sessions have none.
//
// Concurrency contract: values only; single-threaded like its caller.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bgp/wire/types.hpp"

namespace msee::fib {

struct NextHop {
  bgp::wire::IpAddress gateway;
  int ifindex = 0;  // the interface toward the gateway (0: let the kernel resolve it)
  auto operator<=>(const NextHop&) const = default;
};

// One usable BGP path for the prefix, as the table sees it.
struct Candidate {
  NextHop next_hop;
  std::size_t as_path_length = 0;  // RFC 4271 §9.1.2.2 a: an AS_SET counts as one
  std::uint8_t rank = 0;           // 0 the circuit's own sessions; 1 Global Reach (R74)
};

// The next hops for the prefix: the best rank, then the shortest AS path, then all equals
// (ECMP), sorted and without duplicates. Empty when there is no candidate.
std::vector<NextHop> select(std::span<const Candidate> candidates);

struct Route {
  std::uint32_t table = 0;
  bgp::wire::Prefix prefix;
  std::vector<NextHop> next_hops;  // empty in a Delete
};

struct Op {
  enum class Kind { Replace, Delete };
  Kind kind = Kind::Replace;
  Route route;
};

// What this speaker has programmed, by table and prefix: the kernel side of the diff. Only
// routes of our own protocol number are ever touched (kernel/routes.hpp).
class Programmed {
 public:
  // The operation that brings (table, prefix) to `next_hops`, or nothing when the kernel
  // already holds exactly that (an empty `next_hops` deletes). Records the new state.
  std::optional<Op> set(std::uint32_t table, const bgp::wire::Prefix& prefix,
                        std::vector<NextHop> next_hops);
  // Deletes for every route held (the speaker stops); forgets them.
  std::vector<Op> clear();
  std::size_t size() const { return routes_.size(); }
  std::size_t next_hop_count() const;
  const std::vector<NextHop>* find(std::uint32_t table, const bgp::wire::Prefix& prefix) const;
  // The routes held, sorted by table then prefix (the API view, the tests).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [key, hops] : routes_) {
      fn(key.first, key.second, hops);
    }
  }

 private:
  std::map<std::pair<std::uint32_t, bgp::wire::Prefix>, std::vector<NextHop>> routes_;
};

// "10.50.0.0/16 table 1001: via 192.168.100.129 if 4, via 192.168.100.133 if 5" (logs, tests).
std::string describe(const Op& op);

}  // namespace msee::fib
