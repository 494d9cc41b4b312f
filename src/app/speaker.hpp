// The plain BGP speaker instance: wires configured neighbours (bgp::io::Peer) to listeners, an
// Adj-RIB-In per neighbour, the static announcements and the event log. It is the
// PeerObserver for every peer. MSEE behaviour (issue #4) builds on top of this.
//
// Concurrency contract: lives on the protocol io_context thread; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/event_log.hpp"
#include "app/router_config.hpp"
#include "bgp/io/listener.hpp"
#include "bgp/io/peer.hpp"
#include "rib/adj_rib_in.hpp"

namespace msee::app {

class Speaker : public bgp::io::PeerObserver {
 public:
  Speaker(boost::asio::io_context& io, RouterConfig config, EventLog& events);
  ~Speaker() override;

  // Opens every listener and starts every neighbour. False (with log lines) if a listener
  // cannot be opened: nothing is left half-started in that case.
  bool start();
  // RFC 8203/9003 Cease/Administrative Shutdown with `message` to every peer, then closes
  // everything; `done` runs once all NOTIFICATIONs left (or after a bounded wait).
  void shutdown(const std::string& message, std::function<void()> done);
  // Sends ROUTE-REFRESH for every negotiated family to every peer that supports it.
  void request_refresh_all();

  const std::vector<std::unique_ptr<bgp::io::Peer>>& peers() const { return peers_; }
  const rib::AdjRibIn& adj_rib_in(const bgp::io::Peer& peer) const;

  // PeerObserver
  void on_state_change(bgp::io::Peer& peer, bgp::fsm::State from, bgp::fsm::State to) override;
  void on_established(bgp::io::Peer& peer, const bgp::fsm::Negotiated& negotiated) override;
  void on_down(bgp::io::Peer& peer, const bgp::fsm::SessionDown& down) override;
  void on_update(bgp::io::Peer& peer, bgp::wire::UpdateMessage&& update) override;
  void on_route_refresh(bgp::io::Peer& peer,
                        const bgp::wire::RouteRefreshMessage& request) override;
  void on_transport_note(bgp::io::Peer& peer, std::string_view kind,
                         std::string_view text) override;

 private:
  void dispatch_inbound(bgp::io::tcp::socket socket);
  void advertise(bgp::io::Peer& peer, bgp::wire::AfiSafi family);
  const NeighborConfig& neighbor_config(const bgp::io::Peer& peer) const;

  boost::asio::io_context& io_;
  RouterConfig config_;
  EventLog& events_;
  std::vector<std::unique_ptr<bgp::io::Listener>> listeners_;
  std::vector<std::unique_ptr<bgp::io::Peer>> peers_;
  std::map<const bgp::io::Peer*, std::size_t> index_;  // peer → position in config_.neighbors
  std::map<const bgp::io::Peer*, rib::AdjRibIn> rib_in_;
};

}  // namespace msee::app
