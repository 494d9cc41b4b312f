// Peer: the I/O shell around fsm::Fsm. Reader and writer coroutines per connection (Asio
// chat_server pattern: the writer parks on a timer used as a signal), one steady_timer per FSM
// timer, connection collision handling (RFC 4271 §6.8) over two channels.
#include "bgp/io/peer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

#include "bgp/fsm/collision.hpp"
#include "util/log.hpp"

namespace msee::bgp::io {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

namespace {
// Frames handled per read wake-up before yielding, so one busy peer cannot starve the others
// (OpenBGPD MSG_PROCESS_LIMIT).
constexpr int kFramesPerSlice = 64;
// A NOTIFICATION gets this long to leave before a closing socket is torn down anyway.
constexpr auto kLinger = std::chrono::seconds(3);
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kReadChunkIdle = 4 * 1024;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

struct Peer::Connection {
  explicit Connection(asio::io_context& io) : socket(io), wake(io), linger(io) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  tcp::socket socket;
  asio::steady_timer wake;    // cancelled to wake the writer
  asio::steady_timer linger;  // bounds the flush after Disconnect
  std::deque<wire::Bytes> queue;
  std::size_t queued = 0;
  bool closing = false;  // Disconnect: flush the queue, then close
  bool dead = false;     // feeds no more events to the FSM
};

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

Peer::Peer(asio::io_context& io, std::string name, fsm::PeerConfig config,
           TransportConfig transport, PeerObserver& observer)
    : io_(io),
      name_(std::move(name)),
      config_(std::move(config)),
      transport_(std::move(transport)),
      observer_(observer),
      rng_(std::random_device{}()) {
  md5_seen_ = read_md5_counters();
}

Peer::~Peer() = default;

fsm::State Peer::state() const { return main_ ? main_->fsm.state() : fsm::State::Idle; }

const fsm::Negotiated* Peer::negotiated() const {
  if (main_ && main_->fsm.state() == fsm::State::Established && main_->fsm.negotiated()) {
    return &*main_->fsm.negotiated();
  }
  return nullptr;
}

wire::EncodeContext Peer::encode_context() const {
  wire::EncodeContext ctx;
  if (const auto* n = negotiated()) {
    ctx.four_octet_as = n->four_octet_as;
    ctx.extended_message = n->extended_message;
  }
  return ctx;
}

std::optional<wire::IpAddress> Peer::local_address() const {
  if (!main_ || !main_->conn) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto ep = main_->conn->socket.local_endpoint(ec);
  if (ec) {
    return std::nullopt;
  }
  return from_asio(ep.address());
}

std::size_t Peer::queued_bytes() const {
  return main_ && main_->conn ? main_->conn->queued : 0;
}

// Outgoing TTL, and with GTSM (RFC 5082 §3) TTL 255 out and at least 254 accepted.
void Peer::apply_ttl(tcp::socket& socket) const {
  bool v6 = transport_.address.is_v6();
  if (transport_.ttl_security) {
    set_ttl(socket, v6, 255);
    set_min_ttl(socket, v6, 254);
  } else {
    set_ttl(socket, v6, transport_.ttl);
  }
}

void Peer::notify_when_drained() {
  if (drain_wanted_) {
    return;
  }
  drain_wanted_ = true;
  if (queued_bytes() < kLowWater) {
    asio::post(io_, [this] {
      if (drain_wanted_) {
        drain_wanted_ = false;
        observer_.on_drained(*this);
      }
    });
  }
}

std::size_t Peer::max_frame(const Channel& ch) const {
  // RFC 8654 §4: the larger size applies only once both sides advertised the capability,
  // i.e. after the OPEN exchange; until then (and for the OPEN itself) 4096.
  const auto& n = ch.fsm.negotiated();
  return n && n->extended_message ? wire::kMaxExtendedMessageSize : wire::kMaxMessageSize;
}

std::shared_ptr<Peer::Channel> Peer::make_channel(bool outbound) {
  return std::make_shared<Channel>(io_, config_, outbound, next_channel_id_++);
}

// ---------------------------------------------------------------------------------------------
// Commands from the owner.

void Peer::start() {
  if (!main_) {
    main_ = make_channel(!config_.passive);
  }
  feed(main_, fsm::ManualStart{config_.passive});
}

void Peer::reconfigure(fsm::PeerConfig config, TransportConfig transport) {
  config_ = std::move(config);
  transport_ = std::move(transport);
  // The channels' FSMs were built with the old parameters.
  main_.reset();
  second_.reset();
}

void Peer::stop(wire::NotificationMessage notification) {
  asio::post(io_, [this, n = std::move(notification)]() mutable {
    if (second_) {
      feed(second_, fsm::ManualStop{n});
      second_.reset();
    }
    if (main_) {
      feed(main_, fsm::ManualStop{std::move(n)});
    }
  });
}

void Peer::automatic_stop(wire::NotificationMessage notification,
                          std::chrono::milliseconds restart_after) {
  asio::post(io_, [this, n = std::move(notification), restart_after]() mutable {
    if (second_) {
      feed(second_, fsm::ManualStop{n});
      second_.reset();
    }
    if (main_) {
      feed(main_, fsm::AutomaticStop{std::move(n), restart_after});
    }
  });
}

void Peer::close() {
  for (auto* ch : {&main_, &second_}) {
    if (*ch) {
      for (std::size_t i = 0; i < (*ch)->timers.size(); ++i) {
        stop_timer(**ch, static_cast<fsm::Timer>(i));
      }
      if ((*ch)->conn) {
        (*ch)->conn->dead = true;
        boost::system::error_code ec;
        (*ch)->conn->socket.close(ec);
        (*ch)->conn->wake.cancel();
        (*ch)->conn->linger.cancel();
      }
    }
  }
}

bool Peer::send(const wire::Message& message) {
  if (!main_ || main_->fsm.state() != fsm::State::Established || !main_->conn) {
    return false;
  }
  auto bytes = wire::encode(message, encode_context());
  auto t = static_cast<std::size_t>(wire::type_of(message));
  stats_.messages_out[t]++;
  enqueue(*main_->conn, std::move(bytes));
  return true;
}

// An inbound connection from this neighbour (the listener matched its address).
void Peer::accept(tcp::socket socket) {
  auto state = main_ ? main_->fsm.state() : fsm::State::Idle;
  auto conn = std::make_shared<Connection>(io_);
  conn->socket = std::move(socket);
  boost::system::error_code ec;
  conn->socket.set_option(tcp::no_delay(true), ec);
  apply_ttl(conn->socket);
  switch (state) {
    case fsm::State::Idle:
      // RFC 4271 §8.2.2 Idle: "refuses all incoming BGP connections".
      log::info("peer {}: refused inbound connection while Idle", name_);
      conn->socket.close(ec);
      return;
    case fsm::State::Connect:
    case fsm::State::Active: {
      // No transport yet: adopt this one. An outbound attempt in flight is abandoned; its
      // completion sees a different conn and exits.
      if (main_->conn) {
        main_->conn->dead = true;
        main_->conn->socket.close(ec);
      }
      main_->outbound = false;
      attach(main_, conn);
      feed(main_, fsm::TcpConnectionConfirmed{});
      return;
    }
    case fsm::State::OpenSent:
    case fsm::State::OpenConfirm: {
      // §6.8: keep both until the BGP Identifiers can be compared. A third one replaces an
      // earlier racing inbound connection.
      if (second_) {
        drop_channel(second_);
      }
      second_ = make_channel(false);
      // The collision channel never initiates: its FSM starts like main's (so that it can be
      // promoted with the same active/passive behaviour); apply() ignores Connect for it.
      feed(second_, fsm::ManualStart{config_.passive});
      attach(second_, conn);
      feed(second_, fsm::TcpConnectionConfirmed{});
      return;
    }
    case fsm::State::Established:
      // §6.8: a connection colliding with an Established session is closed.
      log::info("peer {}: closing inbound connection: session already Established", name_);
      enqueue(*conn, wire::encode(wire::NotificationMessage::cease(
                                      wire::CeaseSubcode::ConnectionCollisionResolution),
                                  {}));
      conn->closing = true;
      conn->dead = true;
      asio::co_spawn(io_, writer(conn), asio::detached);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Event feeding and action execution.

void Peer::feed(const std::shared_ptr<Channel>& ch, fsm::Event&& event) {
  auto before = ch->fsm.state();
  auto actions = ch->fsm.handle(event);
  log::debug("peer {}#{}: {} in {} -> {} ({} actions)", name_, ch->id, fsm::describe(event),
             fsm::to_string(before), fsm::to_string(ch->fsm.state()), actions.size());
  // Report the transition before carrying out the actions, so that observers see
  // "OpenConfirm -> Established" before the session's first routes.
  if (ch == main_ && before != ch->fsm.state()) {
    stats_.last_state_change = std::chrono::system_clock::now();
    observer_.on_state_change(*this, before, ch->fsm.state());
  }
  apply(ch, actions, event);
  after_event(ch, before);
}

void Peer::apply(const std::shared_ptr<Channel>& ch, std::vector<fsm::Action>& actions,
                 fsm::Event& event) {
  for (auto& action : actions) {
    std::visit(
        Overloaded{
            [&](const fsm::Connect&) {
              if (ch == main_ && !config_.passive) {
                start_connect(ch);
              }
            },
            [&](const fsm::Disconnect&) { disconnect(*ch); },
            [&](const fsm::Send& s) {
              if (ch->conn && !ch->conn->closing) {
                wire::EncodeContext ctx;
                if (const auto& n = ch->fsm.negotiated()) {
                  ctx.four_octet_as = n->four_octet_as;
                  ctx.extended_message = n->extended_message;
                }
                stats_.messages_out[static_cast<std::size_t>(wire::type_of(s.message))]++;
                if (auto* n = std::get_if<wire::NotificationMessage>(&s.message)) {
                  stats_.last_error = "sent " + n->describe();
                  log::warn("peer {}: sending NOTIFICATION {}", name_, n->describe());
                }
                enqueue(*ch->conn, wire::encode(s.message, ctx));
              }
            },
            [&](const fsm::StartTimer& t) {
              auto after = t.after;
              // RFC 4271 §10: jitter ConnectRetry and Keepalive by a factor in [0.75, 1].
              if (t.which == fsm::Timer::ConnectRetry || t.which == fsm::Timer::Keepalive) {
                std::uniform_int_distribution<int> d(750, 1000);
                after = after * d(rng_) / 1000;
              }
              start_timer(ch, t.which, after);
            },
            [&](const fsm::StopTimer& t) { stop_timer(*ch, t.which); },
            [&](const fsm::SessionEstablished& e) {
              if (ch != main_) {
                return;  // a collision channel reports once promoted (after_event)
              }
              stats_.established_transitions++;
              observer_.on_established(*this, e.negotiated);
            },
            [&](const fsm::SessionDown& d) {
              if (d.was_established) {
                stats_.flaps++;
              }
              if (d.notification && d.kind == fsm::SessionDown::Kind::NotificationReceived) {
                stats_.last_error = "received " + d.notification->describe();
              } else if (!d.reason.empty() && !d.notification) {
                stats_.last_error = d.reason;
              }
              if (ch == main_) {
                drain_wanted_ = false;  // the queue went with the connection
              }
              if (ch == main_ || d.was_established) {
                observer_.on_down(*this, d);
              }
            },
            [&](const fsm::DeliverUpdate&) {
              auto* rx = std::get_if<fsm::MessageReceived>(&event);
              if (rx != nullptr) {
                if (auto* u = std::get_if<wire::UpdateMessage>(&rx->message)) {
                  observer_.on_update(*this, std::move(*u));
                }
              }
            },
            [&](const fsm::DeliverRouteRefresh& r) { observer_.on_route_refresh(*this, r.request); },
        },
        action);
  }
}

void Peer::after_event(const std::shared_ptr<Channel>& ch, fsm::State before) {
  auto after = ch->fsm.state();
  if (ch == main_) {
    // The main channel failed while a racing inbound connection is alive: the racer becomes
    // the session (its OPEN exchange may already be under way).
    if (after == fsm::State::Idle && second_ && second_->fsm.state() != fsm::State::Idle) {
      auto old = main_;
      for (std::size_t i = 0; i < old->timers.size(); ++i) {
        stop_timer(*old, static_cast<fsm::Timer>(i));
      }
      promote(second_);
      return;
    }
  } else if (ch == second_ && after == fsm::State::Idle) {
    drop_channel(second_);
    second_.reset();
    return;
  }
  if (after == fsm::State::OpenConfirm && before != fsm::State::OpenConfirm) {
    check_collision(ch);
  }
}

// Makes `winner` (the collision channel) the session and reports what the owner missed while
// it was the second channel.
void Peer::promote(std::shared_ptr<Channel> winner) {
  auto before = main_ ? main_->fsm.state() : fsm::State::Idle;
  main_ = std::move(winner);
  second_.reset();
  auto now = main_->fsm.state();
  if (before != now) {
    stats_.last_state_change = std::chrono::system_clock::now();
    observer_.on_state_change(*this, before, now);
  }
  if (now == fsm::State::Established && main_->fsm.negotiated()) {
    stats_.established_transitions++;
    observer_.on_established(*this, *main_->fsm.negotiated());
  }
}

void Peer::check_collision(const std::shared_ptr<Channel>& fresh) {
  auto other = fresh == main_ ? second_ : main_;
  if (!other || !fresh->fsm.peer_open()) {
    return;
  }
  auto outcome = fsm::resolve_collision(config_.router_id, fresh->fsm.peer_open()->bgp_id,
                                        other->fsm.state(), fresh->outbound);
  if (outcome == fsm::CollisionOutcome::NoCollision) {
    return;
  }
  auto loser = outcome == fsm::CollisionOutcome::CloseExisting ? other : fresh;
  auto winner = loser == main_ ? second_ : main_;
  log::info("peer {}: connection collision: closing the {} connection (RFC 4271 §6.8)", name_,
            loser->outbound ? "outbound" : "inbound");
  // ManualStop on the loser sends Cease/Connection Collision Resolution and closes it. Its
  // SessionDown is not reported: it never was the session.
  auto n = wire::NotificationMessage::cease(wire::CeaseSubcode::ConnectionCollisionResolution);
  fsm::Event stop = fsm::ManualStop{n};
  auto actions = loser->fsm.handle(stop);
  std::erase_if(actions, [](const fsm::Action& a) {
    return std::holds_alternative<fsm::SessionDown>(a);
  });
  apply(loser, actions, stop);
  drop_channel(loser);
  if (loser == main_) {
    promote(winner);
  } else {
    second_.reset();
  }
}

void Peer::drop_channel(const std::shared_ptr<Channel>& ch) {
  for (std::size_t i = 0; i < ch->timers.size(); ++i) {
    stop_timer(*ch, static_cast<fsm::Timer>(i));
  }
  disconnect(*ch);
}

// ---------------------------------------------------------------------------------------------
// Transport.

void Peer::attach(const std::shared_ptr<Channel>& ch, std::shared_ptr<Connection> conn) {
  ch->conn = conn;
  asio::co_spawn(io_, reader(ch, conn), asio::detached);
  asio::co_spawn(io_, writer(conn), asio::detached);
}

void Peer::start_connect(const std::shared_ptr<Channel>& ch) {
  if (ch->conn) {
    ch->conn->dead = true;
    boost::system::error_code ec;
    ch->conn->socket.close(ec);
  }
  auto conn = std::make_shared<Connection>(io_);
  ch->conn = conn;
  ch->outbound = true;
  asio::co_spawn(io_, connect_task(ch, conn), asio::detached);
}

awaitable<void> Peer::connect_task(std::weak_ptr<Channel> wch, std::shared_ptr<Connection> conn) {
  bool v6 = transport_.address.is_v6();
  tcp::endpoint remote(to_asio(transport_.address), transport_.port);
  boost::system::error_code ec;
  conn->socket.open(v6 ? tcp::v6() : tcp::v4(), ec);
  if (!ec) {
    conn->socket.set_option(tcp::socket::reuse_address(true), ec);
  }
  if (!ec && transport_.local_address) {
    conn->socket.bind(tcp::endpoint(to_asio(*transport_.local_address), 0), ec);
    if (ec) {
      observer_.on_transport_note(*this, "bind",
                                  fmt::format("cannot bind {}: {}",
                                              transport_.local_address->to_string(),
                                              ec.message()));
    }
  }
  if (!ec && !transport_.md5_password.empty()) {
    ec = set_md5_key(conn->socket, transport_.address, transport_.md5_password);
    if (ec) {
      observer_.on_transport_note(*this, "md5",
                                  fmt::format("cannot set TCP MD5 key: {}", ec.message()));
    }
  }
  if (!ec) {
    apply_ttl(conn->socket);
    auto [cec] = co_await conn->socket.async_connect(remote, kTuple);
    ec = cec;
  }
  auto ch = wch.lock();
  if (!ch || ch->conn != conn || conn->dead) {
    co_return;  // superseded (inbound adopted, stopped, or retried)
  }
  if (ec) {
    log::debug("peer {}: connect to {}:{} failed: {}", name_, transport_.address.to_string(),
               transport_.port, ec.message());
    ch->conn.reset();
    feed(ch, fsm::TcpConnectionFails{});
    co_return;
  }
  conn->socket.set_option(tcp::no_delay(true), ec);
  asio::co_spawn(io_, reader(ch, conn), asio::detached);
  asio::co_spawn(io_, writer(conn), asio::detached);
  feed(ch, fsm::TcpConnectionConfirmed{});
}

awaitable<void> Peer::reader(std::weak_ptr<Channel> wch, std::shared_ptr<Connection> conn) {
  wire::Bytes buf;
  std::size_t start = 0;  // first unconsumed byte
  // Read size: small for a connection waking from idle (most sessions exchange a keepalive
  // now and then), growing while reads fill it (a table transfer), up to kReadChunk.
  std::size_t chunk = kReadChunkIdle;
  for (;;) {
    if (start == buf.size()) {
      // Everything consumed: hold no buffer while the connection is idle (an idle session
      // then costs a few hundred octets, not the read chunk), and wait for data first.
      wire::Bytes().swap(buf);
      start = 0;
      chunk = kReadChunkIdle;
      auto [wec] = co_await conn->socket.async_wait(tcp::socket::wait_read, kTuple);
      if (conn->dead) {
        co_return;
      }
      (void)wec;  // a failed wait shows up as a failed read below
    } else if (start > 0 && buf.size() - start < kReadChunk / 2) {
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(start));
      start = 0;
    }
    std::size_t old = buf.size();
    buf.resize(old + chunk);
    auto [ec, n] = co_await conn->socket.async_read_some(asio::buffer(buf.data() + old, chunk),
                                                         kTuple);
    buf.resize(old + n);
    if (n == chunk && chunk < kReadChunk) {
      chunk *= 4;
    }
    if (conn->dead) {
      co_return;
    }
    auto ch = wch.lock();
    if (!ch || ch->conn != conn) {
      co_return;
    }
    stats_.bytes_in += n;
    if (ec) {
      transport_failed(ch, conn,
                       ec == asio::error::eof ? "connection closed by peer" : ec.message());
      co_return;
    }
    int handled = 0;
    for (;;) {
      wire::ByteSpan pending(buf.data() + start, buf.size() - start);
      auto fr = wire::frame(pending, max_frame(*ch));
      if (std::holds_alternative<wire::NeedMore>(fr)) {
        break;
      }
      if (auto* err = std::get_if<wire::DecodeError>(&fr)) {
        log::warn("peer {}: bad message header: {}", name_, err->reason);
        feed(ch, fsm::DecodeFailed{*err});
        co_return;
      }
      auto len = std::get<wire::Frame>(fr).length;
      if (tap_) {
        tap_(true, pending.first(len));
      }
      wire::DecodeContext dctx;
      if (const auto& neg = ch->fsm.negotiated()) {
        dctx.four_octet_as = neg->four_octet_as;
        dctx.extended_message = neg->extended_message;
      }
      auto decoded = wire::decode(pending.first(len), dctx);
      start += len;
      if (!decoded) {
        log::warn("peer {}: malformed {} message: {}", name_,
                  pending.size() > 18 ? wire::to_string(static_cast<wire::MessageType>(pending[18]))
                                      : "?",
                  decoded.error().reason);
        feed(ch, fsm::DecodeFailed{std::move(decoded).error()});
      } else {
        stats_.messages_in[std::min<std::size_t>(pending[18], 5)]++;
        if (auto* nt = std::get_if<wire::NotificationMessage>(&*decoded)) {
          log::warn("peer {}: received NOTIFICATION {}", name_, nt->describe());
        }
        feed(ch, fsm::MessageReceived{std::move(decoded).value()});
      }
      if (conn->dead || ch->conn != conn) {
        co_return;
      }
      if (++handled >= kFramesPerSlice) {
        handled = 0;
        co_await asio::post(io_, use_awaitable);
        if (conn->dead || ch->conn != conn) {
          co_return;
        }
      }
    }
  }
}

awaitable<void> Peer::writer(std::shared_ptr<Connection> conn) {
  std::vector<asio::const_buffer> bufs;
  for (;;) {
    if (conn->queue.empty()) {
      if (conn->closing || !conn->socket.is_open()) {
        break;
      }
      co_await conn->wake.async_wait(kTuple);
      continue;
    }
    // Gather several queued messages into one write.
    bufs.clear();
    std::size_t count = 0, bytes = 0;
    for (auto& b : conn->queue) {
      bufs.emplace_back(asio::buffer(b));
      bytes += b.size();
      if (++count >= 64 || bytes >= 256 * 1024) {
        break;
      }
    }
    auto [ec, n] = co_await asio::async_write(conn->socket, bufs, kTuple);
    for (std::size_t i = 0; i < count; ++i) {
      conn->queued -= conn->queue.front().size();
      conn->queue.pop_front();
    }
    stats_.bytes_out += n;
    if (drain_wanted_ && conn->queued < kLowWater && main_ && main_->conn == conn) {
      drain_wanted_ = false;
      observer_.on_drained(*this);
    }
    if (ec) {
      if (!conn->dead) {
        // The reader will see the same failure; make sure the FSM hears it once.
        std::shared_ptr<Channel> owner;
        for (auto* c : {&main_, &second_}) {
          if (*c && (*c)->conn == conn) {
            owner = *c;
          }
        }
        if (owner) {
          transport_failed(owner, conn, ec.message());
        }
      }
      conn->queue.clear();
      conn->queued = 0;
      break;
    }
  }
  boost::system::error_code ignored;
  conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
  conn->socket.close(ignored);
  conn->linger.cancel();
}

void Peer::enqueue(Connection& conn, wire::Bytes bytes) {
  if (tap_) {
    tap_(false, bytes);
  }
  conn.queued += bytes.size();
  conn.queue.push_back(std::move(bytes));
  conn.wake.cancel();
}

void Peer::disconnect(Channel& ch) {
  if (!ch.conn) {
    return;
  }
  auto conn = std::move(ch.conn);
  conn->dead = true;
  conn->closing = true;
  conn->wake.cancel();
  if (!conn->socket.is_open()) {
    return;
  }
  // Whatever is queued (usually a NOTIFICATION) gets kLinger to leave; then the socket is
  // closed regardless, which ends the writer.
  conn->linger.expires_after(kLinger);
  conn->linger.async_wait([conn](boost::system::error_code ec) {
    if (!ec) {
      boost::system::error_code ignored;
      conn->socket.close(ignored);
    }
  });
}

void Peer::transport_failed(const std::shared_ptr<Channel>& ch,
                            const std::shared_ptr<Connection>& conn, const std::string& why) {
  if (conn->dead) {
    return;
  }
  log::info("peer {}: transport closed: {}", name_, why);
  conn->dead = true;
  boost::system::error_code ignored;
  conn->socket.close(ignored);
  conn->wake.cancel();
  ch->conn.reset();
  if (stats_.last_error.empty() || ch->fsm.state() != fsm::State::Idle) {
    stats_.last_error = "transport: " + why;
  }
  feed(ch, fsm::TcpConnectionFails{});
}

void Peer::start_timer(const std::shared_ptr<Channel>& ch, fsm::Timer which,
                       std::chrono::milliseconds after) {
  auto i = static_cast<std::size_t>(which);
  auto gen = ++ch->timer_gen[i];
  ch->timers[i].expires_after(after);
  std::weak_ptr<Channel> wch = ch;
  ch->timers[i].async_wait([this, wch, i, gen, which](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    auto c = wch.lock();
    if (!c || c->timer_gen[i] != gen) {
      return;  // restarted or stopped since
    }
    if (which == fsm::Timer::ConnectRetry && c == main_) {
      check_md5();
    }
    feed(c, fsm::TimerExpired{which});
  });
}

void Peer::stop_timer(Channel& ch, fsm::Timer which) {
  auto i = static_cast<std::size_t>(which);
  ++ch.timer_gen[i];
  ch.timers[i].cancel();
}

// The kernel drops segments with a missing or wrong MD5 signature before BGP sees anything
// (RFC 2385 §2), so the only evidence is in its counters. Called while the session is trying
// to come up (ConnectRetry expiry). The counters belong to the network namespace, not to a
// socket: in a lab namespace per router they point at this session; on a shared loopback they
// may be raised by other sessions, and the message says so.
void Peer::check_md5() {
  auto now = read_md5_counters();
  if (!now.available) {
    return;
  }
  auto before = md5_seen_;
  md5_seen_ = now;
  if (state() == fsm::State::Established) {
    return;
  }
  bool keyed = !transport_.md5_password.empty();
  if (keyed && now.failure > before.failure) {
    observer_.on_transport_note(
        *this, "md5",
        fmt::format("TCP MD5: the kernel dropped {} segment(s) with an invalid MD5 digest "
                    "(TCPMD5Failure, namespace-wide counter) while {} is not Established: the "
                    "peer's password is probably wrong",
                    now.failure - before.failure, transport_.address.to_string()));
  }
  if (keyed && now.not_found > before.not_found) {
    observer_.on_transport_note(
        *this, "md5",
        fmt::format("TCP MD5: the kernel dropped {} segment(s) with no MD5 digest "
                    "(TCPMD5NotFound, namespace-wide counter): the peer {} probably has no "
                    "password configured",
                    now.not_found - before.not_found, transport_.address.to_string()));
  }
  if (!keyed && now.unexpected > before.unexpected) {
    observer_.on_transport_note(
        *this, "md5",
        fmt::format("TCP MD5: {} segment(s) carried an MD5 digest but no key is configured "
                    "(TCPMD5Unexpected, namespace-wide counter): the peer {} probably has a "
                    "password set",
                    now.unexpected - before.unexpected, transport_.address.to_string()));
  }
}

}  // namespace msee::bgp::io
