// Programming the kernel's routing tables over rtnetlink, as zebra and BIRD's kernel protocol
// do: the forwarding plane of the emulated MSEEs (issue #13; MSEE: R45, R60). Carries out the
// fib::Op list the speaker computes, one batch per send, and reads every ACK so a refused
// route is reported with the kernel's own reason. Only routes carrying kRouteProtocol are ever
// changed or deleted, so the host's and other daemons' routes are never touched; a start
// flushes what a killed run left behind.
//
// Synchronous and blocking (a batch of 10,000 routes takes milliseconds); no throw: failures
// are values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fib/fib.hpp"
#include "util/result.hpp"

namespace msee::kernel {

// The routing protocol number msee-emu's routes carry (rtm_protocol; BIRD uses 12, zebra's BGP
// 186). `ip route show proto 201` lists them.
inline constexpr std::uint8_t kRouteProtocol = 201;

// Whether this process runs in the host's initial network namespace: its netns is PID 1's
// (false also when it is one `ip netns add` named, found in /run/netns). nullopt if that
// cannot be told (PID 1's namespace hidden and ours not a named one).
std::optional<bool> in_initial_netns();

class RouteSocket {
 public:
  static Result<RouteSocket, std::string> open();
  RouteSocket(RouteSocket&& o) noexcept : fd_(o.fd_), seq_(o.seq_) { o.fd_ = -1; }
  RouteSocket& operator=(RouteSocket&&) = delete;
  RouteSocket(const RouteSocket&) = delete;
  ~RouteSocket();

  struct Outcome {
    std::size_t applied = 0;
    std::size_t failed = 0;
    std::string first_error;  // "10.0.0.0/8 table 1001: Nexthop has invalid gateway (EINVAL)"
  };
  // Replaces or deletes each route (a delete of a route already gone counts as applied).
  Outcome apply(std::span<const fib::Op> ops);
  // Every route of `protocol`, IPv4 and IPv6, in every table.
  Result<std::vector<fib::Route>, std::string> dump(std::uint8_t protocol);
  // Deletes every route of `protocol` in every table (or those `only` picks); how many were
  // deleted.
  Result<std::size_t, std::string> flush(std::uint8_t protocol,
                                         const std::function<bool(const fib::Route&)>& only = {});

 private:
  explicit RouteSocket(int fd) : fd_(fd) {}
  Result<std::vector<fib::Route>, std::string> dump_family(std::uint8_t protocol, int family);
  int fd_ = -1;
  std::uint32_t seq_ = 1;
};

namespace detail {
// One RTM_NEWROUTE (Replace) or RTM_DELROUTE (Delete) request with sequence number `seq`,
// NLM_F_ACK set. Exposed for tests: the bytes `ip monitor` would decode.
std::vector<std::uint8_t> encode_route(const fib::Op& op, std::uint32_t seq,
                                       std::uint8_t protocol);
// The route of one RTM_NEWROUTE payload (rtmsg + attributes) if it carries `protocol` and is
// a unicast route; nullopt for others and for malformed payloads.
std::optional<fib::Route> parse_route(std::span<const std::uint8_t> payload,
                                      std::uint8_t protocol);
}  // namespace detail

}  // namespace msee::kernel
