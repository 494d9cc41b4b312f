// The ExpressRoute emulator: runs the MSEE pair(s) of every configured circuit. Builds the
// plan (msee/plan.hpp), maps each session onto a Speaker neighbour (AS 12076, its own MSEE
// address and BGP Identifier, MD5, timers, inbound policy, route limit, Global Reach export)
// and each advertisement onto a local route, and runs single-hop BFD for the IPv4 sessions:
// BFD Down tears the BGP session down at once (R28–R31).
//
// Threads (issue #15): the circuits are spread over shards (shards.cpp), each with its own
// io_context, thread, Speaker, BFD transport and data-plane writer; circuits joined by Global
// Reach (R74) share a shard, so no route ever crosses shards. `threads` 0 keeps one shard on
// the caller's io_context with no thread of its own (unit tests). The Emulator's own timers
// (failover tests, the traffic meter) run on that `control` io_context, like the API servers.
//
// Concurrency contract: every public method runs on the control thread, inside exclusive()
// when shards have threads: exclusive(f) parks every shard thread at a point between two of
// its handlers, runs f, and lets them go on, so f sees (and changes) a consistent state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "speaker/event_log.hpp"
#include "speaker/fib_sync.hpp"
#include "speaker/speaker.hpp"
#include "bfd/io/transport.hpp"
#include "msee/failover.hpp"
#include "msee/plan.hpp"
#include "util/result.hpp"

namespace msee::emulator {

// The Speaker configuration for a plan (pure; unit-tested); with `circuits`, only the
// sessions and advertisements of those circuits (one shard's), and every private-peering
// session of the other circuits as a remote neighbour (Global Reach by message, R74).
speaker::RouterConfig router_config_for(const msee::EmulatorConfig& config, const msee::Plan& plan,
                                        const std::vector<std::size_t>* circuits = nullptr);

// Which shard each circuit goes to (pure; unit-tested): circuits joined by Global Reach stay
// together (R74: a linked circuit's routes are imported into the other's site table, inside
// one Speaker) unless a group of three or more outweighs a shard's fair share (then its links
// cross shards by message); the groups are spread so each shard gets about as many sessions.
std::vector<std::size_t> assign_shards(const msee::Plan& plan, std::size_t circuits,
                                       std::size_t shards);

// One planned session as the API shows it (GET /v1/sessions, /metrics, routeTablesSummary): a
// value, copied out of the status board (status.cpp) without waiting for the session's shard.
struct SessionStatus {
  bool present = false;     // its shard's Speaker has the neighbour
  bool admin_down = false;  // MSEE: R66 — the peering is Disabled
  bgp::fsm::State state = bgp::fsm::State::Idle;
  bgp::io::PeerStats stats;
  bool negotiated = false;  // Established: the four below hold
  std::uint16_t hold_time = 0, keepalive_time = 0;
  bool four_octet_as = false, route_refresh = false;
  std::uint64_t accepted = 0;    // prefixes held from the CE in the session's family (R83)
  std::uint64_t advertised = 0;  // prefixes sent to it in that family
  std::uint64_t policy_rejected = 0;
  speaker::Speaker::LimitCounters limits;  // R37
  struct Bfd {
    bfd::State state = bfd::State::Down;
    bfd::State remote_state = bfd::State::Down;
    std::chrono::microseconds tx_interval{0};
    std::chrono::microseconds detection_time{0};
  };
  std::optional<Bfd> bfd;  // none: the session runs no BFD
};

class Emulator {
 public:
  Emulator(boost::asio::io_context& control, msee::EmulatorConfig config,
           std::vector<msee::CatalogueEntry> catalogue, speaker::EventLog& events,
           unsigned threads = 0);
  ~Emulator();

  // Binds every MSEE address and starts sessions and BFD. False (with log lines) if an
  // address cannot be bound — typically because it is not configured on any interface.
  bool start();
  // The shard threads (none with `threads` 0). Called once everything that needs privileges
  // is open: a thread started before the privileges are dropped would keep its capabilities.
  void start_threads();
  // Runs f with every shard thread parked (see the contract above); nested calls and calls
  // without shard threads run f directly. Only on the control thread.
  template <class F>
  decltype(auto) exclusive(F&& f) {
    Parked parked(*this);
    return std::forward<F>(f)();
  }
  // Runs f(k) on the thread of every shard k in `which` (all shards when empty), each at its
  // thread's next handler boundary, the shards in parallel, and returns when all ran (issue
  // #15: a route table's walk interrupts only its session's shard, and only for the walk;
  // per-session values come from the status board instead). f(k) may read only what
  // shard k owns (its Speaker, BFD transport) and the plan; it must not touch another shard
  // nor the Emulator's control state. Without shard threads, or inside exclusive(), f runs
  // here, on the control thread. An exception f throws is rethrown here. Only on the control
  // thread.
  void on_shards(const std::vector<std::size_t>& which,
                 const std::function<void(std::size_t)>& f);
  void shutdown(const std::string& message, std::function<void()> done);
  void request_refresh_all();
  // `peering update --state` (MSEE: R66, R67): Disabled shuts both paths' sessions (Cease/
  // Administrative Shutdown, BFD AdminDown), Enabled starts them. `family` IPv6 changes the
  // IPv6 peering config only; otherwise the peering (and its IPv6 sessions with it). An error
  // message if the circuit, peering or IPv6 config does not exist.
  std::optional<std::string> set_peering_state(const std::string& circuit, msee::PeeringType type,
                                               std::optional<bgp::wire::Afi> family,
                                               msee::PeeringState state);

  // Applies a new configuration by difference (SIGHUP, POST /v1/reload): sessions whose
  // parameters did not change stay up, VNet and route-filter advertisements are announced or
  // withdrawn, limits and peering states change in place, changed import policies trigger a
  // ROUTE-REFRESH. Adding or removing sessions or moving their addresses needs a restart: then
  // nothing is applied and the error says why. The changes, one line each, otherwise.
  Result<std::vector<std::string>, std::string> reload(msee::EmulatorConfig config,
                                                       std::vector<msee::CatalogueEntry> catalogue);

  // Azure's link failover test (R68, Q7; emulator_failover.cpp): BgpDisconnect shuts the
  // sessions of one link of the circuit (Cease/Administrative Shutdown), ASPathPrepend makes
  // that link's MSEE prepend 12076 three more times; the other link is never touched, and only
  // one test per circuit runs at a time. `duration` 0 runs until stopped; `prepends` is the
  // number of extra 12076s for ASPathPrepend (Q7: default 3).
  Result<const msee::FailoverTest*, std::string> start_failover_test(
      const std::string& circuit, msee::LinkPath link, msee::FailoverCategory category,
      std::chrono::seconds duration, std::uint8_t prepends = 3);
  Result<const msee::FailoverTest*, std::string> stop_failover_test(const std::string& circuit,
                                                                  msee::LinkPath link);
  const std::vector<msee::FailoverTest>& failover_tests() const { return failover_tests_; }

  // Fault injection for the drills (msee-ctl drill maintenance|flap; MSEE: R64, Q7): on one
  // link of a circuit, shut its BGP sessions (Cease/Administrative Shutdown) or bring them
  // back, and prepend 12076 `prepends` more times. Unset fields stay as they are. Refused while
  // a failover test runs on the circuit, and on one link while the other is drained or down
  // (never both links at once). The error message, or nothing.
  struct LinkDrill {
    bool bgp_down = false;
    std::uint8_t prepends = 0;
  };
  std::optional<std::string> set_link_drill(const std::string& circuit, msee::LinkPath link,
                                            std::optional<bool> bgp_down,
                                            std::optional<std::uint8_t> prepends);
  LinkDrill link_drill(const std::string& circuit, msee::LinkPath link) const;
  // The circuit now: each session's state and the CE's prefixes on each link.
  msee::FailoverSnapshot snapshot(const std::string& circuit) const;

  // Planned session i (or every one, in plan order) as its shard last published it (issue #15:
  // an API read never waits for a busy protocol thread). A shard publishes a session at the
  // end of each handler that changed it (Speaker::set_status_hook, BFD state changes) and
  // every second (counters only KEEPALIVEs move, BFD timers); without shard threads, before
  // they start and inside exclusive() the values are read on the spot. Control thread only.
  SessionStatus session_status(std::size_t i) const;
  std::vector<SessionStatus> session_statuses() const;

  const msee::Plan& plan() const { return plan_; }
  const msee::EmulatorConfig& config() const { return config_; }
  // The Speaker and BFD transport of a session's (or circuit's) shard.
  const speaker::Speaker& speaker_of(const msee::SessionPlan& s) const {
    return *shards_[shard_of_[s.circuit_index]]->speaker;
  }
  const speaker::Speaker& speaker_of_circuit(std::size_t circuit_index) const {
    return *shards_[shard_of_[circuit_index]]->speaker;
  }
  const bfd::io::BfdTransport& bfd_of(const msee::SessionPlan& s) const {
    return *shards_[shard_of_[s.circuit_index]]->bfd;
  }
  std::size_t shard_count() const { return shards_.size(); }
  // A shard's io_context: its Speaker's, BFD's and data plane's (tests and diagnostics).
  boost::asio::io_context& shard_io(std::size_t shard) { return *shards_[shard]->io; }
  std::size_t shard_of(std::size_t circuit_index) const { return shard_of_[circuit_index]; }
  // MRT (RFC 6396): --mrt records every shard's UPDATEs, each shard to its own file (the
  // pattern, then ".shard<K>" for shards after the first); a TABLE_DUMP_V2 snapshot writes one
  // file per shard the same way. Under exclusive() when the shards run.
  bool record_mrt(const std::string& pattern, std::uint32_t rotate_seconds, std::string& error);
  Result<std::vector<speaker::Speaker::TableDump>, std::string> dump_tables_mrt(
      const std::string& pattern);
  // Azure's traffic metrics of one link of a peering (R81; traffic.cpp), over the last second.
  // nullopt when the link is not on a real interface (loopback addressing).
  struct LinkTraffic {
    double bits_in_ps = 0;       // BitsInPerSecond: customer → Azure
    double bits_out_ps = 0;      // BitsOutPerSecond: Azure → customer
    double dropped_in_bps = 0;   // DroppedInBitsPerSecond (the link's gateway shaper)
    double dropped_out_bps = 0;  // DroppedOutBitsPerSecond (the link interface's shaper)
    std::uint64_t dropped_in_packets = 0, dropped_out_packets = 0;  // since the shaper was made
  };
  std::optional<LinkTraffic> link_traffic(const std::string& circuit, msee::PeeringType type,
                                          msee::LinkPath path) const;
  speaker::EventLog& events() { return events_; }
  const speaker::EventLog& events() const { return events_; }

 private:
  // dataplane.cpp: the tables, and the links a drill or failover test takes out of them.
  bool start_dataplane();
  void exclude_link(const std::string& circuit, msee::LinkPath link, bool excluded);

  // shards.cpp
  struct Gate {  // exclusive(): the shards park here; on_shards(): they run `visit` and go on
    std::mutex m;
    std::condition_variable cv;
    std::size_t parked = 0;  // shards that parked (or ran `visit`)
    bool released = false;
    const std::function<void(std::size_t)>* visit = nullptr;
    std::exception_ptr failed;  // under m: the first exception a `visit` threw
  };
  struct Shard {
    std::unique_ptr<boost::asio::io_context> own;  // null: the control io_context
    boost::asio::io_context* io = nullptr;
    std::vector<std::size_t> circuits;
    std::unique_ptr<speaker::Speaker> speaker;
    std::unique_ptr<bfd::io::BfdTransport> bfd;
    std::unique_ptr<speaker::FibSync> fib;  // the data plane, when on
    std::thread thread;
    // exclusive(): the thread looks at `park` after every handler it runs, so it parks within
    // one handler's time, not behind every handler already queued (a converging location
    // queues thousands).
    std::atomic<bool> park{false};
    std::mutex park_m;
    std::shared_ptr<Gate> gate;  // under park_m
    // global_reach.cpp: this shard's neighbours whose paths other shards import (R74).
    struct Relay {
      std::string name;
      rib::PeerId id = 0;
      speaker::TableId home = 0;
      std::vector<std::size_t> to;              // the importing shards
      std::vector<bgp::wire::Prefix> dirty;     // changed since the last relay
      bool full = true;                         // send everything (reset) next
    };
    std::vector<Relay> relays;
    std::size_t relay_watch = 0;  // Speaker::add_route_watch handle while relays exist
    bool relay_posted = false;
    // status.cpp: the plan index of each of its own neighbours (by PeerId; npos for the
    // others), the ones changed by the handler running now, and the once-a-second refresh.
    std::vector<std::size_t> session_of_peer;
    std::vector<rib::PeerId> dirty;
    std::vector<char> is_dirty;  // by PeerId
    std::unique_ptr<boost::asio::steady_timer> status_timer;
  };
  class Parked {
   public:
    explicit Parked(Emulator& e);
    ~Parked();
    Parked(const Parked&) = delete;
    Parked& operator=(const Parked&) = delete;

   private:
    Emulator& e_;
    std::shared_ptr<Gate> gate_;
  };
  // Hands `gate` to the shards `ks` and returns once each parked at it (or ran its visit).
  void hand_gate(const std::shared_ptr<Gate>& gate, const std::vector<std::size_t>& ks);
  void make_shards(unsigned threads);
  // global_reach.cpp: which neighbours each shard relays to which (from the plan; at start and
  // after a reload, with the shards parked or not yet running), and the relaying itself.
  void set_up_relays();
  void relay_changed(std::size_t k);
  void flush_relays(std::size_t k);
  void stop_threads();
  // status.cpp: the status board. Each shard writes its own sessions' slots (on its thread, or
  // on the control thread while parked or before the threads start); the control thread reads.
  struct StatusSlot {
    mutable std::mutex m;
    SessionStatus s;
  };
  // A BFD state change of session `name`, on its shard `sh`'s thread.
  void on_bfd_change(Shard& sh, const std::string& name, bfd::State from, bfd::State to,
                     bfd::Diag diag);
  SessionStatus read_status(const Shard& sh, const msee::SessionPlan& s) const;
  // Maps every shard's neighbours to plan sessions and publishes them all (at start, after a
  // reload): with the shards parked or not yet running.
  void rebuild_status_board();
  void mark_dirty(Shard& sh, rib::PeerId id);
  void publish_dirty(Shard& sh);
  void start_status_refresh(Shard& sh);
  bool status_live() const { return threaded_ && threads_started_ && !in_exclusive_; }
  std::vector<std::unique_ptr<StatusSlot>> board_;  // by plan session index
  Shard& shard_of_session(const std::string& session);
  speaker::Speaker& sp(const std::string& session) { return *shard_of_session(session).speaker; }
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::size_t> shard_of_;        // by circuit index
  bool threaded_ = false;                    // shards run on threads of their own
  bool threads_started_ = false;
  bool in_exclusive_ = false;
  // traffic.cpp
  struct RawTraffic {
    std::uint64_t rx_bytes = 0, tx_bytes = 0, q_drops = 0, q_bytes = 0, q_packets = 0;
  };
  using TrafficKey = std::tuple<std::string, msee::PeeringType, msee::LinkPath>;
  struct TrafficLink {
    int link_ifindex = 0;
    int gateway_ifindex = 0;
    RawTraffic link, gateway;
    std::chrono::steady_clock::time_point at;
    bool sampled = false;
    LinkTraffic now;
  };
  static RawTraffic read_raw(int ifindex);
  void start_traffic_meter();
  void sample_traffic();
  std::map<TrafficKey, TrafficLink> traffic_links_;
  std::unique_ptr<boost::asio::steady_timer> traffic_timer_;

  boost::asio::io_context& io_;  // the control io_context
  msee::EmulatorConfig config_;
  msee::Plan plan_;
  speaker::EventLog& events_;
  std::vector<msee::FailoverTest> failover_tests_;
  struct FailoverRun {
    std::vector<std::string> touched;  // sessions the test changed (restored at stop)
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::map<std::size_t, FailoverRun> failover_runs_;  // by index in failover_tests_
  std::map<std::pair<std::string, msee::LinkPath>, LinkDrill> link_drills_;  // only non-idle ones
};

}  // namespace msee::emulator
