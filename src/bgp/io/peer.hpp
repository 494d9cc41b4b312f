// One BGP neighbour on the wire: turns a TCP connection and timers into FSM events and carries
// out the FSM's actions (RFC 4271 §8); hands each UPDATE received while Established to the
// observer (on_update). Owns up to two transport channels while a connection
// collision (§6.8) is being resolved. Everything runs on the single protocol io_context thread;
// the observer is called on that thread and must not call back into handle paths re-entrantly
// (stop()/automatic_stop() post, so they are safe from callbacks).
//
// Concurrency contract: not thread-safe; all calls on the io_context thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "bgp/fsm/fsm.hpp"
#include "bgp/io/socket_options.hpp"
#include "bgp/wire/codec.hpp"

namespace msee::bgp::io {

struct TransportConfig {
  wire::IpAddress address;                      // the neighbour
  std::uint16_t port = 179;                     // its port for our outbound connections
  std::optional<wire::IpAddress> local_address; // bind outbound connections to this
  std::string md5_password;                     // RFC 2385; empty = none
  bool ttl_security = false;                    // RFC 5082 GTSM: send 255, accept >= 254
  int ttl = 1;                                  // outgoing TTL without GTSM (1 = single-hop eBGP)
  // RFC 9687 SendHoldTime: a write that moves no octet for this long closes the session with
  // Send Hold Timer Expired. 0 = the RFC's default, max(8 minutes, 2 × negotiated hold time).
  std::chrono::seconds send_hold_time{0};
};

struct PeerStats {
  std::array<std::uint64_t, 6> messages_in{};   // indexed by wire::MessageType (1..5)
  std::array<std::uint64_t, 6> messages_out{};
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint32_t established_transitions = 0;
  std::uint32_t flaps = 0;                      // Established → down
  std::uint32_t send_hold_expired = 0;          // RFC 9687: closed because the peer stopped reading
  std::string last_error;                       // "sent Cease/Maximum Number of Prefixes Reached"
  std::chrono::system_clock::time_point last_state_change{};
};

class Peer;

// What the owner (the app's speaker) learns from a peer.
class PeerObserver {
 public:
  virtual ~PeerObserver() = default;
  virtual void on_state_change(Peer& peer, fsm::State from, fsm::State to) = 0;
  virtual void on_established(Peer& peer, const fsm::Negotiated& negotiated) = 0;
  virtual void on_down(Peer& peer, const fsm::SessionDown& down) = 0;
  virtual void on_update(Peer& peer, wire::UpdateMessage&& update) = 0;
  virtual void on_route_refresh(Peer& peer, const wire::RouteRefreshMessage& request) = 0;
  // A transport-level problem worth telling the user (MD5, bind, connect errors).
  virtual void on_transport_note(Peer& peer, std::string_view kind, std::string_view text) = 0;
  // The outbound queue fell below the low-water mark after notify_when_drained() (back-pressure:
  // the owner produces more UPDATEs only when the peer is reading).
  virtual void on_drained(Peer& peer) = 0;
};

class Peer {
 public:
  Peer(boost::asio::io_context& io, std::string name, fsm::PeerConfig config,
       TransportConfig transport, PeerObserver& observer);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  const std::string& name() const { return name_; }
  const TransportConfig& transport() const { return transport_; }
  const fsm::PeerConfig& config() const { return config_; }
  fsm::State state() const;
  const fsm::Negotiated* negotiated() const;  // non-null when Established
  wire::EncodeContext encode_context() const;
  // Local address of the current connection (for next-hop-self), if connected.
  std::optional<wire::IpAddress> local_address() const;
  const PeerStats& stats() const { return stats_; }
  std::size_t queued_bytes() const;
  // Call on_drained() once the queue is below kLowWater (now, if it already is: posted).
  void notify_when_drained();
  static constexpr std::size_t kLowWater = 256 * 1024;
  static constexpr std::size_t kHighWater = 1024 * 1024;

  void start();                                            // ManualStart (Event 1/4)
  void stop(wire::NotificationMessage notification);       // ManualStop (Event 2); posted
  void automatic_stop(wire::NotificationMessage notification,
                      std::chrono::milliseconds restart_after);  // Event 8; posted
  void accept(tcp::socket socket);                         // an inbound connection
  // Queue a message on the Established session; false if not Established.
  bool send(const wire::Message& message);
  // Close everything now (shutdown path, after stop() had time to flush).
  void close();
  // New session parameters (a config reload). Only while Idle and stopped (call stop() first,
  // then this from a later posted handler): the next start() uses them.
  void reconfigure(fsm::PeerConfig config, TransportConfig transport);
  // Sees every whole BGP message sent or received on any of this peer's connections, header
  // included, before decoding (MRT recording, RFC 6396). Empty = none.
  using MessageTap = std::function<void(bool received, std::span<const std::uint8_t> message)>;
  void set_tap(MessageTap tap) { tap_ = std::move(tap); }

 private:
  struct Connection;
  struct Channel;

  std::shared_ptr<Channel> make_channel(bool outbound);
  void feed(const std::shared_ptr<Channel>& ch, const fsm::Event& event);
  void receive(const std::shared_ptr<Channel>& ch, wire::Message&& message);
  void apply(const std::shared_ptr<Channel>& ch, std::vector<fsm::Action>& actions);
  void after_event(const std::shared_ptr<Channel>& ch, fsm::State before);
  void check_collision(const std::shared_ptr<Channel>& fresh);
  void promote(std::shared_ptr<Channel> winner);
  void drop_channel(const std::shared_ptr<Channel>& ch);
  void start_connect(const std::shared_ptr<Channel>& ch);
  void attach(const std::shared_ptr<Channel>& ch, std::shared_ptr<Connection> conn);
  void disconnect(Channel& ch);
  void enqueue(Connection& conn, wire::Bytes bytes);
  void start_timer(const std::shared_ptr<Channel>& ch, fsm::Timer which,
                   std::chrono::milliseconds after);
  void stop_timer(Channel& ch, fsm::Timer which);
  void transport_failed(const std::shared_ptr<Channel>& ch,
                        const std::shared_ptr<Connection>& conn, const std::string& why);
  void check_md5();
  std::size_t max_frame(const Channel& ch) const;
  void apply_ttl(tcp::socket& socket) const;

  boost::asio::awaitable<void> connect_task(std::weak_ptr<Channel> wch,
                                            std::shared_ptr<Connection> conn);
  boost::asio::awaitable<void> reader(std::weak_ptr<Channel> wch,
                                      std::shared_ptr<Connection> conn);
  boost::asio::awaitable<void> writer(std::shared_ptr<Connection> conn);
  // RFC 9687 send hold timer (peer_transport.cpp).
  std::chrono::seconds send_hold_time() const;
  void arm_send_hold(const std::shared_ptr<Connection>& conn);
  void send_hold_expired(const std::shared_ptr<Connection>& conn, std::chrono::seconds limit);

  boost::asio::io_context& io_;
  std::string name_;
  fsm::PeerConfig config_;
  TransportConfig transport_;
  PeerObserver& observer_;
  std::shared_ptr<Channel> main_;    // the session (outbound or adopted inbound)
  std::shared_ptr<Channel> second_;  // an inbound connection racing main_ (collision)
  PeerStats stats_;
  std::minstd_rand rng_;
  Md5Counters md5_seen_;
  std::uint64_t next_channel_id_ = 1;
  bool drain_wanted_ = false;
  // Surplus connections being told Cease/Connection Rejected (each lingers up to 3 s while its
  // NOTIFICATION leaves); beyond kMaxRejecting they are closed at once, so a CE that opens
  // connections in a loop cannot make us hold a socket for each.
  std::shared_ptr<std::size_t> rejecting_ = std::make_shared<std::size_t>(0);
  MessageTap tap_;
};

// Peer's private parts, defined here because peer.cpp (events and actions) and
// peer_transport.cpp (sockets and timers) both use them.

// One TCP connection: the socket and the writer's queue.
struct Peer::Connection {
  explicit Connection(asio::io_context& io) : socket(io), wake(io), linger(io), send_hold(io) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  tcp::socket socket;
  asio::steady_timer wake;       // cancelled to wake the writer
  asio::steady_timer linger;     // bounds the flush after Disconnect
  asio::steady_timer send_hold;  // RFC 9687: armed while a write is pending
  std::chrono::steady_clock::time_point progress{};  // when a write last moved octets
  bool writing = false;
  std::deque<wire::Bytes> queue;
  std::size_t queued = 0;
  bool closing = false;  // Disconnect: flush the queue, then close
  bool dead = false;     // feeds no more events to the FSM
};

// One FSM instance and its connection: the session, or a connection racing it (RFC 4271 §6.8).
struct Peer::Channel {
  Channel(asio::io_context& io, fsm::PeerConfig cfg, bool out, std::uint64_t ident)
      : fsm(std::move(cfg)),
        outbound(out),
        id(ident),
        timers{asio::steady_timer(io), asio::steady_timer(io), asio::steady_timer(io),
               asio::steady_timer(io)} {}
  fsm::Fsm fsm;
  std::shared_ptr<Connection> conn;
  bool outbound;
  std::uint64_t id;
  std::array<asio::steady_timer, 4> timers;
  std::array<std::uint64_t, 4> timer_gen{};
};

}  // namespace msee::bgp::io
