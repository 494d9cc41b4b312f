// Router mode's data plane and the namespace guard both data planes share (fib_sync.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "kernel/links.hpp"
#include "kernel/routes.hpp"
#include "speaker/fib_sync.hpp"
#include "speaker/speaker.hpp"
#include "util/log.hpp"

namespace msee::speaker {

std::optional<std::string> dataplane_refused(bool allow_initial) {
  if (allow_initial) {
    return std::nullopt;
  }
  auto initial = kernel::in_initial_netns();
  if (!initial) {
    return "cannot tell whether this is the host's own network namespace (/proc/1/ns/net "
           "unreadable, and this is no namespace named in /run/netns); refusing to program "
           "routes (--dataplane-host if this box is dedicated)";
  }
  if (*initial) {
    return "msee-emu runs in the host's own network namespace; it programs routing tables only "
           "inside a namespace (msee-ctl lab up) unless told this is a dedicated box "
           "(--dataplane-host)";
  }
  return std::nullopt;
}

namespace {

bool loopback(const bgp::wire::IpAddress& a) {
  if (a.is_v4()) {
    return (a.v4_value() >> 24) == 127;
  }
  static const std::array<std::uint8_t, 16> one{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return a.bytes == one;
}

}  // namespace

Result<std::unique_ptr<FibSync>, std::string> start_router_fib(
    boost::asio::io_context& io, Speaker& speaker, const std::vector<NeighborConfig>& neighbors,
    std::uint32_t table, bool allow_initial) {
  if (auto why = dataplane_refused(allow_initial)) {
    return unexpected(*why);
  }
  FibSync::Table t;
  t.id = table;
  t.name = "router";
  t.rib = 0;
  for (const auto& n : neighbors) {
    auto* peer = speaker.find_peer(n.name);
    if (peer == nullptr) {
      continue;
    }
    if (loopback(n.address) || (n.local_address && loopback(*n.local_address))) {
      log::info("data plane: {} is on a loopback address; its routes stay out of the kernel",
                n.name);
      continue;
    }
    int ifindex = 0;
    if (n.local_address) {
      if (auto link = kernel::interface_for_address(*n.local_address)) {
        ifindex = link->ifindex;
      }
    }
    t.sources.push_back({speaker.peer_id(*peer), 0, ifindex});
  }
  if (t.sources.empty()) {
    return unexpected(std::string("no neighbour on a link address: nothing to program"));
  }
  log::info("data plane: kernel table {} follows {} neighbour(s)", table, t.sources.size());
  std::vector<FibSync::Table> tables;
  tables.push_back(std::move(t));
  auto fib = std::make_unique<FibSync>(io, speaker, std::move(tables));
  // The lab runs one builtin CE per CE ASN in one namespace: a killed run's routes are the
  // ones in this table whose next hops all lie on this process's links, not the others'.
  std::set<int> links;
  for (const auto& src : fib->tables().front().sources) {
    links.insert(src.ifindex);
  }
  auto started = fib->start([&](const fib::Route& r) {
    if (r.table != table || r.next_hops.empty()) {
      return false;
    }
    return std::all_of(r.next_hops.begin(), r.next_hops.end(),
                       [&](const fib::NextHop& nh) { return links.count(nh.ifindex) != 0; });
  });
  if (!started) {
    return unexpected(std::move(started.error()));
  }
  if (*started > 0) {
    log::warn("data plane: removed {} route(s) left by an earlier run (proto {})", *started,
              kernel::kRouteProtocol);
  }
  return fib;
}

}  // namespace msee::speaker
