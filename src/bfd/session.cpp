// BFD asynchronous-mode session state machine (RFC 5880 §6.2, §6.5, §6.8.1-§6.8.7, §6.8.16)
// and the passive role of §6.1. Pure: every input carries the current time.
//
// Our behaviour for the passive role (RFC 5880 §6.1 leaves the "after" open): a passive session
// transmits only while bfd.RemoteDiscr is known. bfd.RemoteDiscr is cleared when a Detection
// Time passes without an accepted packet (§6.8.1), so after the remote goes away the session
// ends Down (ControlDetectionTimeExpired) and silent, i.e. passive again, until the remote's
// next packet. A remote that signals Down/AdminDown keeps its discriminator, so we keep
// answering it (with Down) as long as it keeps talking.
#include "bfd/session.hpp"

#include <algorithm>
#include <limits>

namespace msee::bfd {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint32_t to_wire_us(Micros v) {
  if (v.count() <= 0) {
    return 0;
  }
  if (v.count() > std::numeric_limits<std::uint32_t>::max()) {
    return std::numeric_limits<std::uint32_t>::max();
  }
  return static_cast<std::uint32_t>(v.count());
}

}  // namespace

Session::Session(const SessionConfig& cfg)
    : cfg_(cfg), rng_(cfg.jitter_seed ^ (std::uint64_t{cfg.local_discriminator} << 32)) {
  effective_desired_tx_ = advertised_desired_min_tx();
  effective_required_rx_ = cfg_.required_min_rx;
}

Micros Session::advertised_desired_min_tx() const {
  // RFC 5880 §6.8.3: not less than one second while the session is not Up.
  if (state_ == State::Up) {
    return cfg_.desired_min_tx;
  }
  return std::max(cfg_.desired_min_tx, kSlowTxInterval);
}

bool Session::may_transmit_periodic() const {
  // RFC 5880 §6.1 / §6.8.7: a passive system is silent until it learns the remote discriminator.
  if (cfg_.passive && remote_discr_ == 0) {
    return false;
  }
  // RFC 5880 §6.8.7: RemoteMinRxInterval zero means the remote wants no periodic packets.
  if (remote_min_rx_.count() == 0) {
    return false;
  }
  // RFC 5880 §6.8.7: the remote runs Demand mode and both ends are Up.
  if (remote_demand_ && state_ == State::Up && remote_state_ == State::Up) {
    return false;
  }
  return true;
}

Micros Session::tx_interval() const {
  if (!may_transmit_periodic()) {
    return Micros{0};
  }
  // RFC 5880 §6.8.2 / §6.8.7: the slower of what we want to send and what the remote accepts.
  return std::max(effective_desired_tx_, remote_min_rx_);
}

Micros Session::detection_time() const {
  if (remote_detect_mult_ == 0) {
    return Micros{0};
  }
  // RFC 5880 §6.8.4 (asynchronous mode): remote Detect Mult times the slower of what we
  // require and what the remote says it will send.
  return remote_detect_mult_ * std::max(effective_required_rx_, remote_desired_tx_);
}

Micros Session::jittered(Micros interval) {
  // RFC 5880 §6.8.7: reduce each interval by 0-25%; with Detect Mult 1 the interval is at
  // most 90% (so 75-90%).
  const std::uint64_t lo = 75;
  const std::uint64_t hi = cfg_.detect_mult == 1 ? 90 : 100;
  const std::uint64_t pct = lo + splitmix64(rng_) % (hi - lo + 1);
  return Micros{static_cast<Micros::rep>(static_cast<std::uint64_t>(interval.count()) * pct /
                                         100)};
}

void Session::reschedule_tx(TimePoint now) {
  // A shorter interval takes effect at once (RFC 5880 §6.8.3 only forbids speeding up the
  // detection side early); a longer one applies from the next packet on.
  const Micros interval = tx_interval();
  if (tx_scheduled_ && interval.count() > 0 && next_tx_ > now + interval) {
    next_tx_ = now + jittered(interval);
  }
}

void Session::start_poll() {
  poll_active_ = true;
  poll_desired_tx_ = advertised_desired_min_tx();
  poll_required_rx_ = cfg_.required_min_rx;
  ++counters_.poll_sequences;
}

void Session::finish_poll() {
  poll_active_ = false;
  // RFC 5880 §6.8.3: the Final confirms the values the Poll announced; now they all apply.
  effective_desired_tx_ = std::min(poll_desired_tx_, advertised_desired_min_tx());
  effective_required_rx_ = std::max(poll_required_rx_, cfg_.required_min_rx);
  // Values changed again while the first sequence ran: announce the newest ones.
  if (poll_desired_tx_ != advertised_desired_min_tx() ||
      poll_required_rx_ != cfg_.required_min_rx) {
    start_poll();
  }
}

void Session::advertise_changed(TimePoint now) {
  const Micros adv_tx = advertised_desired_min_tx();
  const Micros adv_rx = cfg_.required_min_rx;
  if (state_ != State::Up) {
    // Nothing is being detected against these values yet: apply them directly.
    poll_active_ = false;
    effective_desired_tx_ = adv_tx;
    effective_required_rx_ = adv_rx;
    reschedule_tx(now);
    return;
  }
  // RFC 5880 §6.8.3: any change of DesiredMinTx or RequiredMinRx while Up needs a Poll
  // Sequence. A change during a running sequence waits for its Final (finish_poll restarts).
  if (!poll_active_ && (adv_tx != effective_desired_tx_ || adv_rx != effective_required_rx_)) {
    start_poll();
  }
  // RFC 5880 §6.8.3: sending faster and accepting slower are safe at once; sending slower
  // and requiring faster wait for the Final.
  effective_desired_tx_ = std::min(effective_desired_tx_, adv_tx);
  effective_required_rx_ = std::max(effective_required_rx_, adv_rx);
  reschedule_tx(now);
}

std::optional<StateChange> Session::change_state(State to, Diag diag, TimePoint now) {
  if (to == state_) {
    return std::nullopt;
  }
  const State from = state_;
  state_ = to;
  local_diag_ = diag;
  if (to == State::Up) {
    ++counters_.up_transitions;
  }
  if (from == State::Up) {
    ++counters_.down_transitions;
  }
  // Tell the remote at once rather than at the next periodic slot: the three-way handshake
  // and a Down both need to reach it quickly (BIRD and FRR do the same).
  urgent_tx_ = true;
  if (from == State::Up || to == State::Up) {
    advertise_changed(now);  // the §6.8.3 one-second rule flips here
  }
  return StateChange{from, to, diag};
}

void Session::forget_remote() {
  // RFC 5880 §6.8.1: bfd.RemoteDiscr is zeroed after a Detection Time without packets; the
  // other remote variables go back to their initial values with it.
  remote_discr_ = 0;
  remote_state_ = State::Down;
  remote_diag_ = Diag::NoDiagnostic;
  remote_demand_ = false;
  remote_min_rx_ = Micros{1};
  remote_desired_tx_ = Micros{0};
  remote_detect_mult_ = 0;
  final_pending_ = false;
}

std::optional<StateChange> Session::receive(const ControlPacket& pkt, TimePoint now) {
  ++counters_.rx_packets;
  // RFC 5880 §6.8.6: a nonzero Your Discriminator must be ours. The caller demultiplexes;
  // this guards against a mis-routed packet.
  if (pkt.your_discriminator != 0 && pkt.your_discriminator != cfg_.local_discriminator) {
    ++counters_.rx_discarded;
    return std::nullopt;
  }
  const bool remote_was_unknown = remote_discr_ == 0;
  remote_discr_ = pkt.my_discriminator;
  remote_state_ = pkt.state;
  remote_diag_ = pkt.diag;
  remote_demand_ = pkt.demand;
  remote_min_rx_ = Micros{pkt.required_min_rx_us};
  remote_desired_tx_ = Micros{pkt.desired_min_tx_us};
  remote_detect_mult_ = pkt.detect_mult;
  // RFC 5880 §6.8.6 / §6.5: a Final ends our Poll Sequence.
  if (pkt.final && poll_active_) {
    finish_poll();
  }
  // RFC 5880 §6.8.6: "update the transmit interval"; the Detection Time is derived on demand.
  reschedule_tx(now);
  if (remote_was_unknown) {
    urgent_tx_ = true;  // a passive session starts talking now (§6.1)
  }

  if (state_ == State::AdminDown) {
    // RFC 5880 §6.8.6: discard. Our behaviour: still count the remote as alive, so that it
    // keeps receiving our AdminDown packets (§6.8.16) instead of timing out.
    ++counters_.rx_discarded;
    detect_deadline_ = now + detection_time();
    return std::nullopt;
  }

  std::optional<StateChange> change;
  if (pkt.state == State::AdminDown) {
    // RFC 5880 §6.8.6: remote AdminDown -> Down with "Neighbor Signaled Session Down".
    if (state_ != State::Down) {
      change = change_state(State::Down, Diag::NeighborSignaledSessionDown, now);
    }
  } else {
    switch (state_) {
      case State::Down:
        // RFC 5880 §6.2: Down + Down -> Init; Down + Init -> Up; Down + Up is ignored.
        if (pkt.state == State::Down) {
          change = change_state(State::Init, Diag::NoDiagnostic, now);
        } else if (pkt.state == State::Init) {
          change = change_state(State::Up, Diag::NoDiagnostic, now);
        }
        break;
      case State::Init:
        // RFC 5880 §6.2: Init + (Init | Up) -> Up.
        if (pkt.state == State::Init || pkt.state == State::Up) {
          change = change_state(State::Up, Diag::NoDiagnostic, now);
        }
        break;
      case State::Up:
        // RFC 5880 §6.2: Up + Down -> Down, LocalDiag 3.
        if (pkt.state == State::Down) {
          change = change_state(State::Down, Diag::NeighborSignaledSessionDown, now);
        }
        break;
      case State::AdminDown:
        break;  // handled above
    }
  }
  // RFC 5880 §6.8.6 / §6.5: answer a Poll with a Final as soon as practicable.
  if (pkt.poll) {
    final_pending_ = true;
  }
  // RFC 5880 §6.8.6: the packet was not discarded, so it restarts the Detection Time.
  detect_deadline_ = now + detection_time();
  return change;
}

std::optional<StateChange> Session::tick(TimePoint now) {
  if (remote_discr_ == 0 || now < detect_deadline_) {
    return std::nullopt;
  }
  std::optional<StateChange> change;
  // RFC 5880 §6.8.4: Detection Time passed in Init or Up -> Down, LocalDiag 1.
  if (state_ == State::Init || state_ == State::Up) {
    change = change_state(State::Down, Diag::ControlDetectionTimeExpired, now);
  }
  forget_remote();
  reschedule_tx(now);
  return change;
}

std::optional<StateChange> Session::set_admin_down(bool down, TimePoint now) {
  if (down) {
    if (state_ == State::AdminDown) {
      return std::nullopt;
    }
    final_pending_ = false;
    // RFC 5880 §6.8.16: AdminDown with LocalDiag 7.
    return change_state(State::AdminDown, Diag::AdministrativelyDown, now);
  }
  if (state_ != State::AdminDown) {
    return std::nullopt;
  }
  // RFC 5880 §6.8.16: re-enabling puts the session in Down; the diag keeps saying why it was.
  return change_state(State::Down, local_diag_, now);
}

void Session::set_timers(Micros desired_min_tx, Micros required_min_rx,
                         std::uint8_t detect_mult, TimePoint now) {
  cfg_.desired_min_tx = desired_min_tx;
  cfg_.required_min_rx = required_min_rx;
  cfg_.detect_mult = detect_mult == 0 ? std::uint8_t{1} : detect_mult;
  advertise_changed(now);
}

ControlPacket Session::build(bool poll, bool final) const {
  ControlPacket p;
  p.diag = local_diag_;
  p.state = state_;
  p.poll = poll;
  p.final = final;
  p.detect_mult = cfg_.detect_mult;
  p.my_discriminator = cfg_.local_discriminator;
  p.your_discriminator = remote_discr_;
  p.desired_min_tx_us = to_wire_us(advertised_desired_min_tx());
  p.required_min_rx_us = to_wire_us(cfg_.required_min_rx);
  p.required_min_echo_rx_us = 0;  // no Echo function
  return p;
}

std::optional<ControlPacket> Session::poll_transmit(TimePoint now) {
  if (final_pending_) {
    final_pending_ = false;
    ++counters_.tx_packets;
    // RFC 5880 §6.5: P and F are never both set; the Final is outside the periodic schedule.
    return build(false, true);
  }
  if (!may_transmit_periodic()) {
    tx_scheduled_ = false;
    urgent_tx_ = false;
    return std::nullopt;
  }
  if (urgent_tx_ || !tx_scheduled_ || now >= next_tx_) {
    urgent_tx_ = false;
    tx_scheduled_ = true;
    next_tx_ = now + jittered(tx_interval());
    ++counters_.tx_packets;
    // RFC 5880 §6.5: every packet of a running Poll Sequence carries P.
    return build(poll_active_, false);
  }
  return std::nullopt;
}

std::optional<TimePoint> Session::next_deadline() const {
  std::optional<TimePoint> d;
  const bool periodic = may_transmit_periodic();
  if (final_pending_ || (periodic && (urgent_tx_ || !tx_scheduled_))) {
    return TimePoint{};  // due immediately
  }
  if (periodic) {
    d = next_tx_;
  }
  if (remote_discr_ != 0 && (!d || detect_deadline_ < *d)) {
    d = detect_deadline_;
  }
  return d;
}

}  // namespace msee::bfd
