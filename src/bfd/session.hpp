// One BFD session in asynchronous mode as a pure state machine: RFC 5880 §6.2 states and
// three-way handshake, §6.8.6 reception, §6.8.2-§6.8.4 / §6.8.7 timer negotiation, jitter and
// detection, §6.5 Poll/Final, §6.1 passive role, §6.8.16 AdminDown. Demand mode and the Echo
// function are not implemented (we never set D and advertise Required Min Echo RX 0).
// Time is always passed in; there is no clock, no I/O, no logging here.
//
// Usage by the I/O layer, after every input (receive / tick / set_admin_down / set_timers):
//   1. report the returned StateChange, if any;
//   2. while (auto p = s.poll_transmit(now)) send encode(*p);
//   3. arm one timer at next_deadline() and call tick(now) when it fires.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "bfd/packet.hpp"

namespace msee::bfd {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Micros = std::chrono::microseconds;

// RFC 5880 §6.8.3: while not Up, bfd.DesiredMinTxInterval is at least one second.
inline constexpr Micros kSlowTxInterval{1'000'000};

// MSEE: desired-min-tx and required-min-rx 300 ms, detect multiplier 3, passive; the slower
// side wins through the normal RFC 5880 §6.8.2 negotiation.
struct SessionConfig {
  Micros desired_min_tx{300'000};
  Micros required_min_rx{300'000};
  std::uint8_t detect_mult = 3;
  bool passive = true;                  // RFC 5880 §6.1 passive role
  std::uint32_t local_discriminator = 1;  // must be nonzero and unique per system
  std::uint64_t jitter_seed = 0;        // seeds the §6.8.7 jitter; fixed in tests
};

struct StateChange {
  State from = State::Down;
  State to = State::Down;
  Diag diag = Diag::NoDiagnostic;  // bfd.LocalDiag after the change
  bool operator==(const StateChange&) const = default;
};

struct SessionCounters {
  std::uint64_t rx_packets = 0;     // every packet handed to receive()
  std::uint64_t rx_discarded = 0;   // of those: wrong Your Discriminator, or we are AdminDown
  std::uint64_t tx_packets = 0;
  std::uint64_t up_transitions = 0;
  std::uint64_t down_transitions = 0;  // leaving Up (to Down or AdminDown)
  std::uint64_t poll_sequences = 0;    // started by us
};

class Session {
 public:
  explicit Session(const SessionConfig& cfg);

  // RFC 5880 §6.8.6 for a packet that decode() accepted and the caller demultiplexed to this
  // session (by Your Discriminator, or by addresses when it is zero).
  std::optional<StateChange> receive(const ControlPacket& pkt, TimePoint now);
  // Timers: detection time (§6.8.4) and remote-discriminator expiry (§6.8.1).
  std::optional<StateChange> tick(TimePoint now);
  // RFC 5880 §6.8.16. Leaving AdminDown goes to Down.
  std::optional<StateChange> set_admin_down(bool down, TimePoint now);
  // Runtime change of the local timers; starts a Poll Sequence when Up (§6.8.3).
  void set_timers(Micros desired_min_tx, Micros required_min_rx, std::uint8_t detect_mult,
                  TimePoint now);

  // The next packet to send now, if any. Call until nullopt: a Final reply to a Poll (§6.5)
  // and a periodic packet can both be due.
  std::optional<ControlPacket> poll_transmit(TimePoint now);
  // Earliest time at which tick()/poll_transmit() has something to do; nullopt = idle (e.g.
  // passive with no remote). A value <= now means "call poll_transmit now".
  std::optional<TimePoint> next_deadline() const;

  State state() const { return state_; }
  Diag local_diag() const { return local_diag_; }
  State remote_state() const { return remote_state_; }
  Diag remote_diag() const { return remote_diag_; }
  std::uint32_t local_discriminator() const { return cfg_.local_discriminator; }
  std::uint32_t remote_discriminator() const { return remote_discr_; }
  bool poll_in_progress() const { return poll_active_; }
  const SessionConfig& config() const { return cfg_; }

  // Negotiated values for display. tx_interval is before jitter; zero while we may not send.
  Micros tx_interval() const;
  Micros detection_time() const;  // zero until a packet from the remote has been accepted
  Micros advertised_desired_min_tx() const;
  Micros remote_desired_min_tx() const { return remote_desired_tx_; }
  Micros remote_required_min_rx() const { return remote_min_rx_; }
  std::uint8_t remote_detect_mult() const { return remote_detect_mult_; }
  const SessionCounters& counters() const { return counters_; }

 private:
  std::optional<StateChange> change_state(State to, Diag diag, TimePoint now);
  void advertise_changed(TimePoint now);
  void start_poll();
  void finish_poll();
  bool may_transmit_periodic() const;
  Micros jittered(Micros interval);
  ControlPacket build(bool poll, bool final) const;
  void forget_remote();
  void reschedule_tx(TimePoint now);

  SessionConfig cfg_;
  State state_ = State::Down;
  Diag local_diag_ = Diag::NoDiagnostic;

  // What the remote told us (RFC 5880 §6.8.1 bfd.Remote*). RemoteMinRxInterval starts at 1 µs.
  std::uint32_t remote_discr_ = 0;
  State remote_state_ = State::Down;
  Diag remote_diag_ = Diag::NoDiagnostic;
  bool remote_demand_ = false;
  Micros remote_min_rx_{1};
  Micros remote_desired_tx_{0};
  std::uint8_t remote_detect_mult_ = 0;

  // Values in force for the interval computations; they lag the advertised ones while a Poll
  // Sequence is running (RFC 5880 §6.8.3).
  Micros effective_desired_tx_;
  Micros effective_required_rx_;
  // The advertised values the running Poll Sequence announces.
  Micros poll_desired_tx_{0};
  Micros poll_required_rx_{0};
  bool poll_active_ = false;

  bool final_pending_ = false;   // a Poll arrived: answer with F at once (§6.5)
  bool urgent_tx_ = false;       // state changed or remote just appeared: send at once
  TimePoint next_tx_{};
  bool tx_scheduled_ = false;
  TimePoint detect_deadline_{};  // valid while remote_discr_ != 0

  std::uint64_t rng_;
  SessionCounters counters_;
};

}  // namespace msee::bfd
