// BFD single-hop transport (RFC 5881) for many bfd::Session state machines (RFC 5880): UDP
// receive sockets on <local>:3784, one send socket per session with a fixed source port in
// 49152-65535 (RFC 5881 §4), TTL/hop limit 255 out and checked in (RFC 5881 §5),
// demultiplexing by Your Discriminator or by addresses (RFC 5880 §6.8.6), one timer per
// session armed at Session::next_deadline(). No protocol decisions live here.
//
// Concurrency contract: not thread-safe; every call on the single io_context thread. The state
// callback runs on that thread after the session's packets are sent and its timer re-armed; it
// may call any method here (including remove_session) but must not destroy the transport.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "bfd/packet.hpp"
#include "bfd/session.hpp"
#include "bgp/wire/types.hpp"

namespace msee::bfd::io {

struct BfdSessionInfo {
  std::string name;
  bgp::wire::IpAddress local;
  bgp::wire::IpAddress remote;
  std::uint16_t source_port = 0;
  bool passive = true;
  bool silent = false;
  bfd::State state = bfd::State::Down;
  bfd::Diag local_diag = bfd::Diag::NoDiagnostic;
  bfd::State remote_state = bfd::State::Down;
  bfd::Diag remote_diag = bfd::Diag::NoDiagnostic;
  std::uint32_t local_discriminator = 0;
  std::uint32_t remote_discriminator = 0;
  // Negotiated (RFC 5880 §6.8.2 / §6.8.4); zero while not applicable.
  std::chrono::microseconds tx_interval{0};
  std::chrono::microseconds detection_time{0};
  std::chrono::microseconds remote_desired_min_tx{0};
  std::chrono::microseconds remote_required_min_rx{0};
  std::uint8_t remote_detect_mult = 0;
  bfd::SessionCounters counters;
  std::uint64_t tx_suppressed = 0;      // not sent because silent
  std::uint64_t tx_errors = 0;          // sendto() failed
  std::uint64_t rx_ignored_silent = 0;  // dropped because silent
  std::chrono::steady_clock::time_point last_state_change{};
};

// Datagrams dropped before they could be matched to a session.
struct BfdTransportCounters {
  std::uint64_t rx_datagrams = 0;
  std::uint64_t rx_bad_ttl = 0;          // RFC 5881 §5: TTL/hop limit not 255
  std::uint64_t rx_decode_errors = 0;    // bfd::decode() discard (RFC 5880 §6.8.6)
  std::uint64_t rx_unknown_session = 0;  // no session for the discriminator / addresses
  std::string last_decode_error;
};

class BfdTransport {
 public:
  using StateCallback = std::function<void(const std::string& name, bfd::State from,
                                           bfd::State to, bfd::Diag diag)>;

  BfdTransport(boost::asio::io_context& io, StateCallback on_state_change);
  ~BfdTransport();
  BfdTransport(const BfdTransport&) = delete;
  BfdTransport& operator=(const BfdTransport&) = delete;

  // Creates a session. cfg.local_discriminator is replaced by a unique one chosen here, and a
  // zero cfg.jitter_seed by a random one. Binds <local>:3784 (shared by every session on that
  // local address) and a per-session send socket. Errors: file_exists (name or address pair
  // already used), invalid_argument (mixed families), or the socket error.
  std::error_code add_session(const std::string& name, const bgp::wire::IpAddress& local,
                              const bgp::wire::IpAddress& remote, const bfd::SessionConfig& cfg);
  // Drops the session without telling the remote (call set_admin_down first for that).
  // Returns false if there is no such session.
  bool remove_session(const std::string& name);
  // Failure drill: no packets out, received packets ignored; the session keeps running and so
  // goes Down by detection timeout like after a real failure. errc::no_such_device_or_address
  // if there is no such session (likewise below).
  std::error_code set_silent(const std::string& name, bool silent);
  // RFC 5880 §6.8.16.
  std::error_code set_admin_down(const std::string& name, bool down);

  std::optional<BfdSessionInfo> session_info(const std::string& name) const;
  std::vector<BfdSessionInfo> sessions() const;
  const BfdTransportCounters& counters() const { return counters_; }

 private:
  struct RxSocket;
  struct Entry;

  std::shared_ptr<RxSocket> acquire_rx(const bgp::wire::IpAddress& local, std::error_code& ec);
  void release_rx(const bgp::wire::IpAddress& local);
  void start_read(const std::shared_ptr<RxSocket>& rx);
  void on_readable(const std::shared_ptr<RxSocket>& rx);
  void on_datagram(const bgp::wire::IpAddress& local, const bgp::wire::IpAddress& source, int ttl,
                   const std::uint8_t* data, std::size_t size);
  void after_input(const std::shared_ptr<Entry>& e, std::optional<bfd::StateChange> change,
                   bfd::TimePoint now);
  void flush_tx(Entry& e, bfd::TimePoint now);
  void arm_timer(const std::shared_ptr<Entry>& e);
  std::uint32_t allocate_discriminator();
  BfdSessionInfo info_of(const Entry& e) const;

  boost::asio::io_context& io_;
  StateCallback on_state_change_;
  std::shared_ptr<bool> alive_;  // handlers hold a weak_ptr: no use after destruction
  std::mt19937_64 rng_;
  std::map<std::string, std::shared_ptr<Entry>> sessions_;
  std::map<std::uint32_t, std::shared_ptr<Entry>> by_discriminator_;
  std::map<std::pair<bgp::wire::IpAddress, bgp::wire::IpAddress>, std::shared_ptr<Entry>> by_address_;
  std::map<bgp::wire::IpAddress, std::shared_ptr<RxSocket>> rx_sockets_;
  BfdTransportCounters counters_;
};

}  // namespace msee::bfd::io
