// The BGP speaker instance: wires configured neighbours (bgp::io::Peer) to listeners, the
// routing tables (one rib::LocRib per table: every peer's routes, best path per prefix),
// locally originated routes (static announcements and generators), one Adj-RIB-Out per peer
// and the event log. It is the PeerObserver for every peer. The emulator (src/emulator) builds
// the MSEEs on top of it.
//
// Tables are VRFs: a neighbour's routes enter its own table (NeighborConfig::table; "" is the
// default table every plain router uses) and it is sent that table's best paths. A neighbour
// whose exportFrom names a neighbour of another table imports that neighbour's paths into its
// own table too (a route-target import: MSEE Global Reach, R74), so two tables may hold the same
// prefix independently and per-peer work (sweep, session down, limits) touches one peer only.
//
// Propagation (docs/architecture.md, "The UPDATE path"): rib::import_update decides what an
// UPDATE does and the speaker applies the delta to the Loc-RIB once (inbound.cpp); every prefix
// whose best path changed is queued in the rib::AdjRibOut of every established peer that may
// need it, and turned into UPDATEs batch by batch only while the peer's socket queue is below
// the high-water mark (outbound.cpp; back-pressure: a slow receiver holds at most one queue
// entry per changed prefix, never unbounded encoded bytes).
//
// Concurrency contract: lives on the protocol io_context thread; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "speaker/event_log.hpp"
#include "mrt/recorder.hpp"
#include "speaker/router_config.hpp"
#include "bgp/io/listener.hpp"
#include "bgp/io/peer.hpp"
#include "mrt/mrt.hpp"
#include "rib/adj_rib_out.hpp"
#include "rib/export.hpp"
#include "rib/import.hpp"
#include "rib/loc_rib.hpp"
#include "rib/prefix_limit.hpp"
#include "util/result.hpp"

namespace msee::speaker {

using TableId = std::uint16_t;

class Speaker : public bgp::io::PeerObserver {
 public:
  Speaker(boost::asio::io_context& io, RouterConfig config, EventLog& events);
  ~Speaker() override;

  // Opens every listener, originates the local routes and starts every neighbour. False (with
  // log lines) if a listener cannot be opened: nothing is left half-started in that case.
  bool start();
  // RFC 8203/9003 Cease/Administrative Shutdown with `message` to every peer, then closes
  // everything; `done` runs once all NOTIFICATIONs left (or after a bounded wait).
  void shutdown(const std::string& message, std::function<void()> done);
  // Sends ROUTE-REFRESH for every negotiated family to every peer that supports it.
  void request_refresh_all();
  // Liveness lost (BFD Down, RFC 5882 §4.3): tear the session down at once with Cease/`subcode`
  // (BFD Down, RFC 9384; Hard Reset on a Juniper-like MSEE, R31).
  void liveness_lost(const std::string& peer_name, bgp::wire::CeaseSubcode subcode,
                     const std::string& why);
  bgp::io::Peer* find_peer(std::string_view name) const;

  // Administrative state of a neighbour (MSEE: R66 peering Disabled/Enabled). Down sends
  // Cease/Administrative Shutdown with `reason` (RFC 9003) and keeps the session Idle, refusing
  // its connections; up starts it again. False if there is no such neighbour.
  bool set_admin_down(std::string_view name, bool down, const std::string& reason);
  bool admin_down(std::string_view name) const;
  // Prepend our AS `n` more times on everything sent to `name` (MSEE: R64 maintenance drain,
  // R68 ASPathPrepend); the current table is re-sent with the new path. False if unknown.
  bool set_extra_prepends(std::string_view name, std::uint8_t n);
  std::uint8_t extra_prepends(std::string_view name) const;

  // The Adj-RIB-Out of `peer` for `family` as it stands: every prefix it is sent, with the
  // attributes after export policy and the next hop. Nothing unless Established.
  using AdvertisedFn = std::function<void(const bgp::wire::Prefix&,
                                          const bgp::wire::PathAttributes&,
                                          const bgp::wire::IpAddress& next_hop)>;
  void for_each_advertised(const bgp::io::Peer& peer, bgp::wire::AfiSafi family,
                           const AdvertisedFn& fn) const;
  // How many for_each_advertised would list, without building their attributes; a peer that
  // gets our own routes only (every MSEE session, R43) costs its own routes, not its table.
  std::size_t advertised_count(const bgp::io::Peer& peer, bgp::wire::AfiSafi family) const;

  // MRT (RFC 6396, speaker_mrt.cpp): record every session's messages and state changes as
  // BGP4MP_ET to `pattern` (strftime fields, new file every `rotate_seconds`; 0 = one file).
  // False with `error` if the file cannot be opened.
  bool record_mrt(const std::string& pattern, std::uint32_t rotate_seconds, std::string& error);
  void close_mrt();  // flush and stop recording
  // A TABLE_DUMP_V2 snapshot of the Loc-RIB (every neighbour's paths and our own) to a file.
  struct TableDump {
    std::string path;
    std::uint64_t prefixes = 0;
    std::uint64_t entries = 0;
  };
  Result<TableDump, std::string> dump_table_mrt(const std::string& pattern) const;

  // Applies a new configuration with the same neighbours (matched by name; speaker_reload.cpp)
  // without touching what did not change: a neighbour whose session parameters changed (AS,
  // MD5 key, hold time, identifier, addresses) is restarted with Cease/Other Configuration
  // Change (RFC 4486); limits, export rules and the administrative state change in place;
  // `refresh` names neighbours whose import policy changed — they are asked for their routes
  // again (ROUTE-REFRESH, RFC 2918); local routes are announced, replaced or withdrawn by
  // difference. Returns one line per change. The caller checks the neighbour names match.
  std::vector<std::string> reconfigure(RouterConfig config, const std::set<std::string>& refresh);

  // Route-limit crossings of a neighbour since start (MSEE: R37; metrics).
  struct LimitCounters {
    std::uint64_t warnings = 0;  // the warning threshold was reached
    std::uint64_t exceeded = 0;  // Cease/Maximum Number of Prefixes Reached sent
  };
  LimitCounters limit_counters(const bgp::io::Peer& peer) const;
  // Prefixes refused by the import policy since start.
  std::uint64_t policy_rejected(const bgp::io::Peer& peer) const;

  // The data plane (fib_sync.hpp) follows the tables through these: `path` with every
  // (table, prefix) a neighbour's path was added to, replaced in or withdrawn from; `peer` when
  // a neighbour's session state changed or many of its paths went at once (down, sweep).
  // Several may watch at once (the data plane, Global Reach relays); each gets a handle.
  struct RouteWatch {
    std::function<void(TableId, const bgp::wire::Prefix&)> path;
    std::function<void(rib::PeerId)> peer;
  };
  std::size_t add_route_watch(RouteWatch w);
  void remove_route_watch(std::size_t handle);
  // Something the API shows of a neighbour may have changed: its state, counters, routes held
  // or sent, administrative state. `hook` gets its id, on this thread, at the start of the
  // handler that changes it; it should only take note (the emulator republishes that
  // neighbour's status once the handler is over, for its API thread: issue #15). KEEPALIVEs
  // are not reported: their counters may lag until the next report.
  void set_status_hook(std::function<void(rib::PeerId)> hook) { status_hook_ = std::move(hook); }

  // A neighbour's routes usable for forwarding: its session is Established (a remote
  // neighbour's: its source's session, as last relayed).
  bool source_up(rib::PeerId id) const;

  // Global Reach across protocol threads (MSEE: R74): the paths of one neighbour, taken on
  // its own Speaker (relay_paths) and applied on another to the remote neighbour of the same
  // name (apply_relayed). Values only: attributes are copied out of one AttrStore and interned
  // into the other.
  struct RelayedPaths {
    bool reset = false;  // every path held from the source goes first (a full copy follows)
    std::vector<std::pair<bgp::wire::Prefix, std::optional<bgp::wire::PathAttributes>>>
        paths;            // nullopt: withdrawn
    bool up = false;      // the source's session is Established
    rib::PeerInfo info;   // what the decision knows of the source
  };
  // The neighbour's paths in its own table: every one (`only` null: reset and a full copy) or
  // those of the prefixes in `only` (withdrawn where it has none). nullopt: no such neighbour.
  std::optional<RelayedPaths> relay_paths(std::string_view name,
                                          const std::vector<bgp::wire::Prefix>* only) const;
  // A remote neighbour (NeighborConfig::remote): another thread's session.
  bool is_remote(std::string_view name) const {
    const auto* ps = state_named(name);
    return ps != nullptr && ps->config->remote;
  }
  // Applies what relay_paths gave to the remote neighbour `name`. False if there is none.
  bool apply_relayed(std::string_view name, const RelayedPaths& paths);
  // The neighbour with this id (nullptr for kLocalPeer or an unknown id).
  const bgp::io::Peer* peer_by_id(rib::PeerId id) const {
    return id == 0 || id > states_.size() ? nullptr : states_[id - 1].peer;
  }

  const std::vector<std::unique_ptr<bgp::io::Peer>>& peers() const { return peers_; }
  rib::PeerId peer_id(const bgp::io::Peer& peer) const;

  // Routing tables: 0 is the default ("") table, the others in the order neighbours name them.
  std::size_t table_count() const { return tables_.size(); }
  const std::string& table_name(TableId t) const { return tables_[t].name; }
  std::optional<TableId> table_named(std::string_view name) const;
  const rib::LocRib& table_rib(TableId t) const { return *tables_[t].rib; }
  // The table a neighbour's routes live in (its Adj-RIB-In: rib_of(p).for_each_path(id, ...)).
  TableId table_of(const bgp::io::Peer& peer) const { return state_of(peer).table; }
  const rib::LocRib& rib_of(const bgp::io::Peer& peer) const {
    return table_rib(table_of(peer));
  }

  // PeerObserver
  void on_state_change(bgp::io::Peer& peer, bgp::fsm::State from, bgp::fsm::State to) override;
  void on_established(bgp::io::Peer& peer, const bgp::fsm::Negotiated& negotiated) override;
  void on_down(bgp::io::Peer& peer, const bgp::fsm::SessionDown& down) override;
  void on_update(bgp::io::Peer& peer, bgp::wire::UpdateMessage&& update) override;
  void on_route_refresh(bgp::io::Peer& peer,
                        const bgp::wire::RouteRefreshMessage& request) override;
  void on_transport_note(bgp::io::Peer& peer, std::string_view kind,
                         std::string_view text) override;
  void on_drained(bgp::io::Peer& peer) override;

 private:
  struct PeerState {
    bgp::io::Peer* peer = nullptr;
    const NeighborConfig* config = nullptr;
    rib::PeerId id = 0;
    TableId table = 0;            // where its routes live and what it is sent
    rib::PeerInfo info;           // given to each of `tables` (set_peer_info)
    std::vector<TableId> tables;  // every table holding its paths: `table` first, then the
                                  // tables that import them (exportFrom elsewhere, R74)
    rib::AdjRibOut out;  // what is still to be sent to it
    bool flush_posted = false;
    std::unique_ptr<boost::asio::steady_timer> gr_timer;  // RFC 4724 helper: stale routes
    std::optional<bgp::wire::GracefulRestartCap> peer_gr;  // from its last OPEN
    bool gr_notification = false;                           // RFC 8538 N bit in force
    std::uint64_t loops_dropped = 0;  // routes refused for our AS in their path
    std::uint64_t own_as_echoed = 0;  // UPDATEs accepted with our AS in the path (allowas-in)
    std::uint64_t policy_rejected = 0;  // prefixes refused by the import policy
    std::set<bgp::wire::Prefix> rejected_now;  // refused and not withdrawn (count_rejected)
    std::uint64_t rejected_v4 = 0, rejected_v6 = 0;  // rejected_now per family
    void forget_rejected(const bgp::wire::Prefix& p) {
      if (!rejected_now.empty() && rejected_now.erase(p) > 0) {
        --(p.addr.is_v4() ? rejected_v4 : rejected_v6);
      }
    }
    rib::PrefixLimit limit_v4, limit_v6;
    bool limit_tripped = false;  // Cease/1 sent; ignore the rest of its UPDATEs
    std::set<rib::PeerId> export_from;  // resolved NeighborConfig::export_from
    bool admin_down = false;            // set_admin_down
    std::uint8_t extra_prepends = 0;    // set_extra_prepends
    bool remote_up = false;             // a remote neighbour's source is Established
    LimitCounters limit_counters;
    rib::PrefixLimit& limit(bgp::wire::AfiSafi f) {
      return f == bgp::wire::kIpv4Unicast ? limit_v4 : limit_v6;
    }
  };

  void dispatch_inbound(bgp::io::tcp::socket socket);
  // Applies what import decided for one UPDATE to the Loc-RIB (inbound.cpp).
  void apply_import(PeerState& ps, rib::ImportDelta&& delta);
  // After an UPDATE: count the peer's prefixes against its limits and carry out what the
  // limit says (MSEE: R37).
  void check_limits(PeerState& ps, bool v4, bool v6);
  void originate_local_routes();
  void start_flaps();
  // A best path changed in `table`: queue the prefix for every established peer of that table
  // that may need it. `local_change`: one of our own routes was added or withdrawn.
  void changed(TableId table, const bgp::wire::Prefix& prefix, bool local_change = false);
  // Table plumbing (tables.cpp): the table of every neighbour, and of our own routes.
  void build_tables();
  void link_tables();
  TableId add_table(const std::string& name);
  // The tables our own route goes into: those of the neighbours in `to`; every table if empty.
  std::vector<TableId> local_tables(const std::vector<std::string>& to) const;
  // Adds (`attrs`) or withdraws (nullptr) our own route in each of `tables`; queues the changes.
  void set_local(const bgp::wire::Prefix& p, const std::vector<TableId>& tables,
                 const bgp::wire::PathAttributes* attrs);
  // What the decision knows of the peer (weight, eBGP, router id), kept in ps and given to
  // every table holding its paths (only those: one table per circuit).
  void set_peer_info(PeerState& ps, const rib::PeerInfo& info);
  rib::LocRib& home(const PeerState& ps) { return *tables_[ps.table].rib; }
  const rib::LocRib& home(const PeerState& ps) const { return *tables_[ps.table].rib; }
  // Re-evaluate every prefix for the peer (after its export rules changed).
  void requeue_all(PeerState& ps);
  bgp::fsm::PeerConfig peer_config(const NeighborConfig& nb) const;
  bgp::io::TransportConfig transport_config(const NeighborConfig& nb) const;
  void schedule_flush(PeerState& ps);
  // New journal entries in `table`: flush every member once the current work is done.
  void schedule_table_flush(TableId table);
  void flush(PeerState& ps);
  // Which routes go to the peer (its export settings and our restricted local routes).
  rib::ExportRule export_rule(const PeerState& ps) const {
    return rib::ExportRule{ps.id, ps.config->export_routes, &ps.export_from, &local_};
  }
  PeerState& state_of(const bgp::io::Peer& peer);
  const PeerState& state_of(const bgp::io::Peer& peer) const;
  PeerState* state_named(std::string_view name);
  const PeerState* state_named(std::string_view name) const;
  rib::ExportContext export_context(const PeerState& ps, bgp::wire::Asn peer_as) const;
  std::optional<bgp::wire::IpAddress> next_hop_for(const PeerState& ps,
                                                   bgp::wire::AfiSafi family) const;

  boost::asio::io_context& io_;
  RouterConfig config_;
  EventLog& events_;
  std::vector<std::unique_ptr<bgp::io::Listener>> listeners_;
  std::vector<std::unique_ptr<bgp::io::Peer>> peers_;
  std::vector<PeerState> states_;   // index = PeerId - 1
  rib::AttrStore attrs_;
  struct Table {
    std::string name;
    std::unique_ptr<rib::LocRib> rib;
    // Indexes into states_ of the neighbours whose table this is: a change is offered to
    // them only (scanning every neighbour per changed prefix was quadratic in circuits).
    std::vector<std::size_t> members;
    // The changes of each family, once for every member reading them (export_journal.hpp).
    std::unique_ptr<rib::ExportJournal> journal_v4 = std::make_unique<rib::ExportJournal>();
    std::unique_ptr<rib::ExportJournal> journal_v6 = std::make_unique<rib::ExportJournal>();
    bool flush_posted = false;  // a flush of every member is on its way
    rib::ExportJournal& journal(bgp::wire::AfiSafi f) {
      return f == bgp::wire::kIpv4Unicast ? *journal_v4 : *journal_v6;
    }
  };
  std::vector<Table> tables_;  // index = TableId; 0 is the default ("") table
  // states_ indexes (states_ never changes size after construction).
  std::unordered_map<const bgp::io::Peer*, std::size_t> by_peer_;
  std::unordered_map<std::string, std::size_t> by_name_;
  // Our own prefixes and the neighbours each goes to (announce[].to / generate[].to).
  rib::LocalTargets local_;
  // The PeerIds of neighbours named in a `to` list (names the config check let through).
  std::vector<rib::PeerId> peer_ids(const std::vector<std::string>& names) const;
  bool any_export_off_ = false;  // some neighbour has "export": false
  // shutdown() began: sessions going down leave their routes where they are (the process is
  // about to exit), instead of N removals that each re-advertise to the others.
  bool stopping_ = false;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> flap_timers_;
  std::vector<std::shared_ptr<std::function<void()>>> flap_ticks_;

  mrt::SessionKey mrt_key(const bgp::io::Peer& peer) const;
  void mrt_state_change(const bgp::io::Peer& peer, bgp::fsm::State from, bgp::fsm::State to);
  void schedule_mrt_flush();
  std::unique_ptr<mrt::Recorder> mrt_;
  std::function<void(rib::PeerId)> status_hook_;
  void touched(rib::PeerId id) const {
    if (status_hook_) {
      status_hook_(id);
    }
  }
  std::vector<std::pair<std::size_t, RouteWatch>> watches_;  // handle, watch
  std::size_t next_watch_ = 1;
  void watch_peer(rib::PeerId id) {
    for (const auto& [h, w] : watches_) {
      if (w.peer) {
        w.peer(id);
      }
    }
  }
  void watch_path(TableId t, const bgp::wire::Prefix& p) {
    for (const auto& [h, w] : watches_) {
      if (w.path) {
        w.path(t, p);
      }
    }
  }
  std::unique_ptr<boost::asio::steady_timer> mrt_timer_;
  bool mrt_error_logged_ = false;
};

}  // namespace msee::speaker
