// The JSON-lines event log: one object per line with a sequence number, kept in memory (for
// `msee-ctl events [--follow]` through the API) and, with --events FILE, appended to a file
// flushed per line (`tail -f`, jq). Written from every protocol thread (one lock per line).
// In memory, received routes ("route" events: one per prefix, tens of thousands in a limit
// test) have a ring of their own, so they never evict the few events that explain a drop
// (session-down, prefix-limit, bfd); each ring keeps its last kCapacity events.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <initializer_list>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/fsm/fsm.hpp"
#include "bgp/wire/message.hpp"

namespace msee::speaker {

class EventLog {
 public:
  EventLog() = default;
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  bool open(const std::string& path);  // appends; false if it cannot be opened

  struct Entry {
    std::uint64_t seq;
    std::string event;  // its "event" member: "session", "session-down", "route", ...
    std::string peer;   // its "peer" (or an admin event's "subject")
    std::string line;   // one JSON object, without newline
  };
  // Which events a reader wants: empty lists match everything.
  struct Filter {
    std::vector<std::string> events;
    std::vector<std::string> peers;
    bool matches(const Entry& e) const;
  };
  static constexpr std::size_t kCapacity = 10000;  // per ring
  // Events with seq > after that match, oldest first, at most `max` (`--follow`).
  std::vector<const Entry*> after(std::uint64_t after, std::size_t max,
                                  const Filter& filter = {}) const;
  // The newest `max` matching events with seq < before (0: no bound), oldest first: `--last N`,
  // and `--before SEQ` to page further back.
  std::vector<const Entry*> newest(std::uint64_t before, std::size_t max,
                                   const Filter& filter = {}) const;
  std::uint64_t last_seq() const {
    std::lock_guard lock(mutex_);
    return next_seq_ - 1;
  }

  void session_state(std::string_view peer, const bgp::wire::IpAddress& address,
                     bgp::fsm::State from, bgp::fsm::State to);
  void established(std::string_view peer, const bgp::fsm::Negotiated& n);
  void session_down(std::string_view peer, const bgp::fsm::SessionDown& down);
  // One received route (announce: attrs non-null) or withdrawal.
  void route(std::string_view peer, bool announce, bgp::wire::AfiSafi family,
             const bgp::wire::Prefix& prefix, const bgp::wire::PathAttributes* attrs,
             const std::optional<bgp::wire::IpAddress>& next_hop);
  void end_of_rib(std::string_view peer, bgp::wire::AfiSafi family);
  void route_refresh(std::string_view peer, bool received,
                     const bgp::wire::RouteRefreshMessage& rr);
  void update_error(std::string_view peer, const bgp::wire::UpdateMessage& update);
  void note(std::string_view peer, std::string_view kind, std::string_view message);
  // Maximum-prefix: kind "warning" | "warning-cleared" | "exceeded" (MSEE: R37).
  void prefix_limit(std::string_view peer, bgp::wire::AfiSafi family, std::string_view kind,
                    std::uint64_t count, std::uint32_t limit);
  // A route the import policy refused (the first ones of each peer, then every 1000th).
  void route_rejected(std::string_view peer, const bgp::wire::Prefix& prefix,
                      std::string_view reason, std::uint64_t total);
  // A BFD session state change (RFC 5880 state and diagnostic names).
  void bfd(std::string_view peer, std::string_view from, std::string_view to,
           std::string_view diag);
  // An operator action or emulator-level event (`event` e.g. "peering-state", "config-reload",
  // "drill") about `subject`, with string fields.
  using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  void admin(std::string_view event, std::string_view subject, Fields fields);

 private:
  void write_line(const std::string& line, std::string_view event, std::string_view peer);
  std::FILE* file_ = nullptr;
  std::deque<Entry> ring_;    // every event but "route"
  std::deque<Entry> routes_;  // "route" events
  std::uint64_t next_seq_ = 1;
  // Every protocol thread writes (the emulator's shards); after() and newest() read with the
  // writers parked (Emulator::exclusive), last_seq() at any time.
  mutable std::mutex mutex_;
};

}  // namespace msee::speaker
