// The data plane's control: keeps kernel routing tables in step with the Loc-RIB, as zebra
// does for bgpd or BIRD's kernel protocol for its table (issue #13). Each table is fed by a
// set of neighbours (an MSEE circuit's peering: its primary and secondary sessions, and the
// Global Reach circuit's sessions at a lower rank); for every prefix they hold, the table gets
// the next hops fib::select picks (MSEE: R45 shortest AS path, R60 ECMP over both links).
//
// A neighbour's next hops leave the table the moment its session leaves Established (BGP down,
// BFD down, Cease/1, peering Disabled, failover test) and while it is excluded (a maintenance
// drain takes its link out of the multipath route before its BGP session goes down, R64).
// Changes are coalesced and programmed once per io_context turn; exclude() programs at once.
//
// Concurrency contract: lives on the protocol io_context thread; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fib/fib.hpp"
#include "kernel/routes.hpp"
#include "rib/loc_rib.hpp"
#include "speaker/router_config.hpp"
#include "util/result.hpp"

namespace msee::speaker {

class Speaker;

class FibSync {
 public:
  struct Source {
    rib::PeerId peer = 0;
    std::uint8_t rank = 0;  // fib::Candidate::rank
    int ifindex = 0;        // the interface toward this neighbour
  };
  struct Table {
    std::uint32_t id = 0;  // kernel routing table (254: main)
    std::string name;      // for logs: "er-lab-circuit/AzurePrivatePeering"
    std::uint16_t rib = 0;  // the speaker's table (VRF) it follows (Speaker::table_named)
    std::vector<Source> sources;
  };
  struct Stats {
    std::size_t routes = 0;
    std::size_t next_hops = 0;
    std::uint64_t operations = 0;   // rtnetlink requests sent since start
    std::uint64_t failures = 0;     // refused by the kernel
    std::string last_error;
    std::size_t stale_flushed = 0;  // left by an earlier run, deleted at start
    double last_batch_ms = 0;
  };

  FibSync(boost::asio::io_context& io, Speaker& speaker, std::vector<Table> tables);
  ~FibSync();
  FibSync(const FibSync&) = delete;
  FibSync& operator=(const FibSync&) = delete;

  // Opens rtnetlink, deletes the routes a killed run left (our protocol number, every table,
  // or those `stale` picks when several processes share the namespace), and starts following
  // the speaker. An error says what failed.
  Result<std::size_t, std::string> start(
      const std::function<bool(const fib::Route&)>& stale = {});
  // Deletes every route this run programmed (msee-emu stops).
  void stop();
  // Takes a neighbour's next hops out of (or back into) every table at once.
  void exclude(rib::PeerId peer, bool excluded);
  bool excluded(rib::PeerId peer) const { return excluded_.count(peer) != 0; }

  // Speaker hooks.
  void path_changed(std::uint16_t rib, const bgp::wire::Prefix& prefix);
  void peer_changed(rib::PeerId peer);

  const Stats& stats() const { return stats_; }
  const std::vector<Table>& tables() const { return tables_; }
  const fib::Programmed& programmed() const { return programmed_; }

  // Programs what is pending now (also what the posted flush does).
  void flush();

 private:
  void schedule();
  bool usable(rib::PeerId peer) const;
  void recompute(std::uint16_t rib, const bgp::wire::Prefix& prefix, std::vector<fib::Op>& ops);

  boost::asio::io_context& io_;
  Speaker& speaker_;
  std::vector<Table> tables_;
  std::optional<kernel::RouteSocket> socket_;
  fib::Programmed programmed_;
  std::set<std::pair<std::uint16_t, bgp::wire::Prefix>> dirty_;  // (speaker table, prefix)
  std::set<rib::PeerId> dirty_peers_;
  std::set<rib::PeerId> excluded_;
  bool posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool running_ = false;
  std::size_t watch_ = 0;  // Speaker::add_route_watch's handle while running
  Stats stats_;
};

// Whether this process may program routing tables here (issue #13): never in the host's own
// network namespace unless `allow_initial` (a dedicated box). nullopt = yes; else why not.
std::optional<std::string> dataplane_refused(bool allow_initial);

// Router mode's data plane (the lab's builtin CE, router_fib.cpp): the speaker's one table into
// kernel table `table` (254: main), every neighbour at rank 0 (shortest AS path, then ECMP),
// each next hop on the interface that holds the session's local address. Neighbours on
// loopback addresses are left out: loopback addressing never touches a routing table.
Result<std::unique_ptr<FibSync>, std::string> start_router_fib(
    boost::asio::io_context& io, Speaker& speaker, const std::vector<NeighborConfig>& neighbors,
    std::uint32_t table, bool allow_initial);

}  // namespace msee::speaker
