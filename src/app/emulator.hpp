// The ExpressRoute emulator: runs the MSEE pair(s) of every configured circuit. Builds the
// plan (msee/plan.hpp), maps each session onto a Speaker neighbour (AS 12076, its own MSEE
// address and BGP Identifier, MD5, timers, inbound policy, route limit, Global Reach export)
// and each advertisement onto a local route, and runs single-hop BFD for the IPv4 sessions:
// BFD Down tears the BGP session down at once (R28–R31).
//
// Concurrency contract: lives on the protocol io_context thread; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/event_log.hpp"
#include "app/speaker.hpp"
#include "bgp/io/bfd_transport.hpp"
#include "msee/failover.hpp"
#include "msee/plan.hpp"
#include "util/result.hpp"

namespace msee::app {

// The Speaker configuration for a plan (pure; unit-tested).
RouterConfig router_config_for(const er::EmulatorConfig& config, const er::Plan& plan);

class Emulator {
 public:
  Emulator(boost::asio::io_context& io, er::EmulatorConfig config,
           std::vector<er::CatalogueEntry> catalogue, EventLog& events);
  ~Emulator();

  // Binds every MSEE address and starts sessions and BFD. False (with log lines) if an
  // address cannot be bound — typically because it is not configured on any interface.
  bool start();
  void shutdown(const std::string& message, std::function<void()> done);
  void request_refresh_all() { speaker_->request_refresh_all(); }
  // `peering update --state` (MSEE: R66, R67): Disabled shuts both paths' sessions (Cease/
  // Administrative Shutdown, BFD AdminDown), Enabled starts them. `family` IPv6 changes the
  // IPv6 peering config only; otherwise the peering (and its IPv6 sessions with it). An error
  // message if the circuit, peering or IPv6 config does not exist.
  std::optional<std::string> set_peering_state(const std::string& circuit, er::PeeringType type,
                                               std::optional<bgp::wire::Afi> family,
                                               er::PeeringState state);

  // Applies a new configuration by difference (SIGHUP, POST /v1/reload): sessions whose
  // parameters did not change stay up, VNet and route-filter advertisements are announced or
  // withdrawn, limits and peering states change in place, changed import policies trigger a
  // ROUTE-REFRESH. Adding or removing sessions or moving their addresses needs a restart: then
  // nothing is applied and the error says why. The changes, one line each, otherwise.
  Result<std::vector<std::string>, std::string> reload(er::EmulatorConfig config,
                                                       std::vector<er::CatalogueEntry> catalogue);

  // Azure's link failover test (R68, Q7; emulator_failover.cpp): BgpDisconnect shuts the
  // sessions of one link of the circuit (Cease/Administrative Shutdown), ASPathPrepend makes
  // that link's MSEE prepend 12076 three more times; the other link is never touched, and only
  // one test per circuit runs at a time. `duration` 0 runs until stopped; `prepends` is the
  // number of extra 12076s for ASPathPrepend (Q7: default 3).
  Result<const er::FailoverTest*, std::string> start_failover_test(
      const std::string& circuit, er::LinkPath link, er::FailoverCategory category,
      std::chrono::seconds duration, std::uint8_t prepends = 3);
  Result<const er::FailoverTest*, std::string> stop_failover_test(const std::string& circuit,
                                                                  er::LinkPath link);
  const std::vector<er::FailoverTest>& failover_tests() const { return failover_tests_; }

  // Fault injection for the drills (msee-ctl drill maintenance|flap; MSEE: R64, Q7): on one
  // link of a circuit, shut its BGP sessions (Cease/Administrative Shutdown) or bring them
  // back, and prepend 12076 `prepends` more times. Unset fields stay as they are. Refused while
  // a failover test runs on the circuit, and on one link while the other is drained or down
  // (never both links at once). The error message, or nothing.
  struct LinkDrill {
    bool bgp_down = false;
    std::uint8_t prepends = 0;
  };
  std::optional<std::string> set_link_drill(const std::string& circuit, er::LinkPath link,
                                            std::optional<bool> bgp_down,
                                            std::optional<std::uint8_t> prepends);
  LinkDrill link_drill(const std::string& circuit, er::LinkPath link) const;
  // The circuit now: each session's state and the CE's prefixes on each link.
  er::FailoverSnapshot snapshot(const std::string& circuit) const;

  const er::Plan& plan() const { return plan_; }
  const er::EmulatorConfig& config() const { return config_; }
  Speaker& speaker() { return *speaker_; }
  const Speaker& speaker() const { return *speaker_; }
  const bgp::io::BfdTransport& bfd() const { return *bfd_; }
  EventLog& events() { return events_; }
  const EventLog& events() const { return events_; }

 private:
  void on_bfd_change(const std::string& name, bfd::State from, bfd::State to, bfd::Diag diag);

  boost::asio::io_context& io_;
  er::EmulatorConfig config_;
  er::Plan plan_;
  EventLog& events_;
  std::unique_ptr<Speaker> speaker_;
  std::unique_ptr<bgp::io::BfdTransport> bfd_;
  std::vector<er::FailoverTest> failover_tests_;
  struct FailoverRun {
    std::vector<std::string> touched;  // sessions the test changed (restored at stop)
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::map<std::size_t, FailoverRun> failover_runs_;  // by index in failover_tests_
  std::map<std::pair<std::string, er::LinkPath>, LinkDrill> link_drills_;  // only non-idle ones
};

}  // namespace msee::app
