// Peer's transport half (the I/O shell of RFC 4271 §8, see peer.cpp for the event side):
// outbound connection setup (bind, TCP MD5 key, TTL/GTSM), the reader and writer coroutines of
// a connection (Asio chat_server pattern: the writer parks on a timer used as a signal; the
// reader frames and decodes, then hands each message to Peer::receive), closing with a bounded
// flush, one steady_timer per FSM timer, and the TCP MD5 (RFC 2385) diagnosis on ConnectRetry.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <utility>

#include "bgp/io/peer.hpp"
#include "bgp/io/socket_options.hpp"
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
}  // namespace

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
  // Our address on this connection: a NEXT_HOP naming it is no next hop (RFC 4271 §6.3).
  // Unless both ends share it (IPv6 sessions over ::1 in a loopback lab): then it is the
  // peer's own address too, and the check would refuse every route.
  std::optional<wire::IpAddress> local;
  {
    boost::system::error_code lec, rec;
    auto ep = conn->socket.local_endpoint(lec);
    auto remote = conn->socket.remote_endpoint(rec);
    if (!lec && !rec && ep.address() != remote.address()) {
      local = from_asio(ep.address());
    }
  }
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
        dctx.external = neg->peer_as != ch->fsm.config().local_as;
      }
      dctx.local_address = local;
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
        receive(ch, std::move(decoded).value());
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
    // RFC 9687: the send hold timer runs while the write waits; every octet moved restarts it.
    conn->writing = true;
    conn->progress = std::chrono::steady_clock::now();
    arm_send_hold(conn);
    std::size_t moved = 0;
    auto* raw = conn.get();
    auto [ec, n] = co_await asio::async_write(
        conn->socket, bufs,
        [&moved, raw](const boost::system::error_code& e, std::size_t done) -> std::size_t {
          if (done > moved) {
            moved = done;
            raw->progress = std::chrono::steady_clock::now();
          }
          return e ? 0 : 65536;  // asio::transfer_all
        },
        kTuple);
    conn->writing = false;
    conn->send_hold.cancel();
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

std::chrono::seconds Peer::send_hold_time() const {
  if (transport_.send_hold_time.count() > 0) {
    return transport_.send_hold_time;
  }
  std::chrono::seconds hold{0};
  if (main_ && main_->fsm.negotiated()) {
    hold = std::chrono::seconds(main_->fsm.negotiated()->hold_time);
  }
  return std::max<std::chrono::seconds>(std::chrono::minutes(8), 2 * hold);  // RFC 9687 §4
}

void Peer::arm_send_hold(const std::shared_ptr<Connection>& conn) {
  const auto limit = send_hold_time();
  conn->send_hold.expires_at(conn->progress + limit);
  std::weak_ptr<Connection> wconn = conn;
  conn->send_hold.async_wait([this, wconn, limit](boost::system::error_code ec) {
    auto c = wconn.lock();
    if (ec || !c || c->dead || !c->writing) {
      return;
    }
    if (std::chrono::steady_clock::now() - c->progress < limit) {
      arm_send_hold(c);  // octets moved since: wait the rest
      return;
    }
    send_hold_expired(c, limit);
  });
}

// RFC 9687 §4: the peer has read nothing for SendHoldTime. The NOTIFICATION is sent as best
// it can be (the window is closed) and the session goes down with an automatic restart.
void Peer::send_hold_expired(const std::shared_ptr<Connection>& conn,
                             std::chrono::seconds limit) {
  std::shared_ptr<Channel> owner;
  for (auto* ch : {&main_, &second_}) {
    if (*ch && (*ch)->conn == conn) {
      owner = *ch;
    }
  }
  if (!owner) {
    return;
  }
  log::warn("peer {}: send hold timer expired: nothing written for {} s with {} octets queued, "
            "the peer is not reading (RFC 9687)",
            name_, limit.count(), conn->queued);
  ++stats_.send_hold_expired;
  fsm::AutomaticStop stop{
      wire::NotificationMessage::make(wire::ErrorCode::SendHoldTimerExpired, 0),
      std::chrono::duration_cast<std::chrono::milliseconds>(owner->fsm.config().idle_hold_time)};
  feed(owner, std::move(stop));
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

// TCP MD5 (RFC 2385) trouble shows only in the kernel's counters: compare them with the last
// look while the session is trying to come up (ConnectRetry expiry); see diagnose_md5().
void Peer::check_md5() {
  auto now = read_md5_counters();
  if (!now.available) {
    return;
  }
  auto before = std::exchange(md5_seen_, now);
  if (state() == fsm::State::Established) {
    return;
  }
  auto notes = diagnose_md5(before, now, !transport_.md5_password.empty(),
                            transport_.address.to_string());
  if (!notes.empty()) {
    // The kernel drops such segments without a word, so "connection timed out" would be all
    // lastError said otherwise: the diagnosis is the error an operator needs to see.
    stats_.last_error = notes.front();
  }
  for (const auto& note : notes) {
    observer_.on_transport_note(*this, "md5", note);
  }
}

}  // namespace msee::bgp::io
