// The JSON-lines event log (--events FILE): one object per line, flushed per line, so tests and
// users can follow a session's life (`tail -f`, jq). Written on the protocol thread only.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/fsm/fsm.hpp"
#include "bgp/wire/message.hpp"

namespace msee::app {

class EventLog {
 public:
  EventLog() = default;
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  bool open(const std::string& path);  // appends; false if it cannot be opened
  bool enabled() const { return file_ != nullptr; }

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

 private:
  void write_line(const std::string& line);
  std::FILE* file_ = nullptr;
};

}  // namespace msee::app
