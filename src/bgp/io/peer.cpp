// Peer: the I/O shell around fsm::Fsm (RFC 4271 §8). Commands from the owner, inbound
// connections, feeding events to the FSM and carrying out its actions, handing UPDATEs to the
// owner while Established, and connection collision handling (RFC 4271 §6.8) over two
// channels. The transport half (connect, reader and writer coroutines, FSM timers, TCP MD5
// diagnosis) is peer_transport.cpp.
#include "bgp/io/peer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

#include "bgp/fsm/collision.hpp"
#include "util/log.hpp"
#include "util/overloaded.hpp"

namespace msee::bgp::io {

namespace asio = boost::asio;
using util::Overloaded;

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
    case fsm::State::Established: {
      // §6.8: a connection colliding with an Established session is closed; before any OPEN
      // on it that is RFC 4486's Connection Rejected. Rejections in flight are capped.
      constexpr std::size_t kMaxRejecting = 16;
      if (*rejecting_ >= kMaxRejecting) {
        log::debug("peer {}: closing surplus inbound connection at once", name_);
        conn->socket.close(ec);
        return;
      }
      log::info("peer {}: rejecting inbound connection: session already Established", name_);
      enqueue(*conn, wire::encode(wire::NotificationMessage::cease(
                                      wire::CeaseSubcode::ConnectionRejected),
                                  {}));
      conn->closing = true;
      conn->dead = true;
      ++*rejecting_;
      asio::co_spawn(io_, writer(conn),
                     [count = rejecting_](std::exception_ptr) { --*count; });
      conn->linger.expires_after(std::chrono::seconds(3));
      conn->linger.async_wait([conn](boost::system::error_code lec) {
        if (!lec) {
          boost::system::error_code ignored;
          conn->socket.close(ignored);
        }
      });
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Event feeding and action execution.

void Peer::feed(const std::shared_ptr<Channel>& ch, const fsm::Event& event) {
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
  apply(ch, actions);
  after_event(ch, before);
}

// A decoded message. Every message but UPDATE goes to the FSM whole. An UPDATE is Event 27 to
// the FSM (RFC 4271 §8.2.2: restart the HoldTimer in Established, an FSM Error in OpenSent/
// OpenConfirm, a dropped connection in Connect/Active) and, if the session is still
// Established afterwards, moves on to the owner's RIB from here, without a copy (holo-bgp's
// events.rs: Event::RcvdUpdate to the FSM, then process_nbr_update).
void Peer::receive(const std::shared_ptr<Channel>& ch, wire::Message&& message) {
  std::visit(Overloaded{
                 [&](wire::UpdateMessage& update) {
                   feed(ch, fsm::UpdateReceived{});
                   if (ch->fsm.state() == fsm::State::Established) {
                     observer_.on_update(*this, std::move(update));
                   }
                 },
                 [&](auto& control) { feed(ch, fsm::MessageReceived{std::move(control)}); },
             },
             message);
}

void Peer::apply(const std::shared_ptr<Channel>& ch, std::vector<fsm::Action>& actions) {
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
                  const auto& neg = ch->fsm.negotiated();
                  if (neg && neg->graceful_notification && fsm::ends_for_good(*n) &&
                      !n->is_hard_reset()) {
                    // RFC 8538 §3, §5: with the N bit, a NOTIFICATION that ends the session
                    // for good travels inside Cease/Hard Reset, so the peer drops our routes.
                    log::warn("peer {}: sending NOTIFICATION {} inside Cease/Hard Reset "
                              "(RFC 8538)",
                              name_, n->describe());
                    enqueue(*ch->conn,
                            wire::encode(wire::NotificationMessage::hard_reset(*n), ctx));
                    return;
                  }
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
  const auto& open = *fresh->fsm.peer_open();
  auto outcome = fsm::resolve_collision({config_.router_id, config_.local_as},
                                        {open.bgp_id, open.effective_as()}, other->fsm.state(),
                                        fresh->outbound);
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
  auto actions = loser->fsm.handle(fsm::ManualStop{n});
  std::erase_if(actions, [](const fsm::Action& a) {
    return std::holds_alternative<fsm::SessionDown>(a);
  });
  apply(loser, actions);
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

}  // namespace msee::bgp::io
