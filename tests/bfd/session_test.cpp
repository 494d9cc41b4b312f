// BFD session state machine (RFC 5880 §6.2, §6.5, §6.8): handshakes as passive responder and
// as initiator, timer negotiation (the slower side wins), detection timeout to the microsecond,
// Poll/Final, AdminDown, remote Down, passive silence. Two sessions talk through a simulated
// link on a virtual clock; every packet goes through encode() and decode().
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <vector>

#include "bfd/packet.hpp"
#include "bfd/session.hpp"

using namespace msee::bfd;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kCeDiscr = 0x1111;
constexpr std::uint32_t kMseeDiscr = 0x2222;

SessionConfig msee_config() {
  SessionConfig c;  // defaults are the MSEE values: 300/300/3, passive
  c.local_discriminator = kMseeDiscr;
  c.jitter_seed = 42;
  return c;
}

SessionConfig ce_config(Micros tx = 300ms, Micros rx = 300ms, std::uint8_t mult = 3) {
  SessionConfig c;
  c.desired_min_tx = tx;
  c.required_min_rx = rx;
  c.detect_mult = mult;
  c.passive = false;
  c.local_discriminator = kCeDiscr;
  c.jitter_seed = 7;
  return c;
}

struct Rec {
  TimePoint at;
  StateChange change;
};

struct Sent {
  TimePoint at;
  ControlPacket pkt;
};

// A lossless zero-delay link between a CE and an MSEE session, stepped on a virtual clock.
struct Sim {
  Session ce;
  Session msee;
  TimePoint now = TimePoint{} + 100s;
  bool ce_to_msee = true;
  bool msee_to_ce = true;
  std::vector<Rec> ce_changes;
  std::vector<Rec> msee_changes;
  std::vector<Sent> ce_sent;
  std::vector<Sent> msee_sent;
  TimePoint msee_last_rx{};
  TimePoint ce_last_rx{};

  Sim(const SessionConfig& ce_cfg, const SessionConfig& msee_cfg) : ce(ce_cfg), msee(msee_cfg) {}

  static void deliver(const ControlPacket& p, Session& to, std::vector<Rec>& changes,
                      TimePoint& last_rx, TimePoint now) {
    auto d = decode(encode(p));
    REQUIRE(d.has_value());
    if (auto c = to.receive(*d, now)) {
      changes.push_back({now, *c});
    }
    last_rx = now;
  }

  void exchange() {
    for (int round = 0; round < 16; ++round) {
      bool any = false;
      while (auto p = ce.poll_transmit(now)) {
        any = true;
        ce_sent.push_back({now, *p});
        if (ce_to_msee) {
          deliver(*p, msee, msee_changes, msee_last_rx, now);
        }
      }
      while (auto p = msee.poll_transmit(now)) {
        any = true;
        msee_sent.push_back({now, *p});
        if (msee_to_ce) {
          deliver(*p, ce, ce_changes, ce_last_rx, now);
        }
      }
      if (!any) {
        break;
      }
    }
    // After draining, nothing may be overdue: the I/O layer arms its timer at this value.
    for (const Session* s : {&ce, &msee}) {
      auto d = s->next_deadline();
      CHECK((!d || *d > now));
    }
  }

  void advance(Micros total, Micros step = 1ms) {
    const TimePoint end = now + total;
    exchange();
    while (now < end) {
      now += step;
      if (auto c = ce.tick(now)) {
        ce_changes.push_back({now, *c});
      }
      if (auto c = msee.tick(now)) {
        msee_changes.push_back({now, *c});
      }
      exchange();
    }
  }

  bool both_up() const { return ce.state() == State::Up && msee.state() == State::Up; }
};

std::vector<StateChange> changes_of(const std::vector<Rec>& recs) {
  std::vector<StateChange> out;
  for (const auto& r : recs) {
    out.push_back(r.change);
  }
  return out;
}

// Gaps between consecutive periodic (non-Final) packets sent at or after `from`.
std::vector<Micros> periodic_gaps(const std::vector<Sent>& sent, TimePoint from) {
  std::vector<Micros> gaps;
  std::optional<TimePoint> prev;
  for (const auto& s : sent) {
    if (s.at < from || s.pkt.final) {
      continue;
    }
    if (prev) {
      gaps.push_back(std::chrono::duration_cast<Micros>(s.at - *prev));
    }
    prev = s.at;
  }
  return gaps;
}

// Both ends agreed on transmit interval `tx` and detection time `detect`.
void check_negotiated(const Sim& sim, Micros tx, Micros detect) {
  CHECK(sim.msee.tx_interval() == tx);
  CHECK(sim.msee.detection_time() == detect);
  CHECK(sim.ce.tx_interval() == tx);
  CHECK(sim.ce.detection_time() == detect);
}

// Runs `sim` for `d` and returns the gaps between the periodic packets `sent` gained meanwhile.
std::vector<Micros> gaps_over(Sim& sim, const std::vector<Sent>& sent, Micros d) {
  const TimePoint from = sim.now;
  sim.advance(d);
  return periodic_gaps(sent, from);
}

ControlPacket packet_from_ce(State st, std::uint32_t your, Micros tx = 300ms, Micros rx = 300ms) {
  ControlPacket p;
  p.state = st;
  p.detect_mult = 3;
  p.my_discriminator = kCeDiscr;
  p.your_discriminator = your;
  p.desired_min_tx_us = static_cast<std::uint32_t>(tx.count());
  p.required_min_rx_us = static_cast<std::uint32_t>(rx.count());
  return p;
}

// Drives a passive MSEE session to Up by hand; returns the time of the last CE packet.
TimePoint bring_up_by_hand(Session& s, TimePoint t, Micros ce_tx = 300ms, Micros ce_rx = 300ms) {
  REQUIRE(s.receive(packet_from_ce(State::Down, 0, 1s, ce_rx), t));
  while (s.poll_transmit(t)) {
  }
  REQUIRE(s.receive(packet_from_ce(State::Up, kMseeDiscr, ce_tx, ce_rx), t));
  while (s.poll_transmit(t)) {
  }
  // Answer the Poll our Up packet started (1 s -> 300 ms, RFC 5880 §6.8.3).
  auto fin = packet_from_ce(State::Up, kMseeDiscr, ce_tx, ce_rx);
  fin.final = true;
  s.receive(fin, t);
  REQUIRE_FALSE(s.poll_in_progress());
  return t;
}

}  // namespace

TEST_CASE("BFD passive session stays silent until the remote talks", "[bfd]") {
  Session s(msee_config());
  const TimePoint t0 = TimePoint{} + 100s;
  CHECK_FALSE(s.next_deadline().has_value());
  for (auto t = t0; t < t0 + 5s; t += 100ms) {
    CHECK_FALSE(s.tick(t).has_value());
    CHECK_FALSE(s.poll_transmit(t).has_value());
  }
  CHECK(s.counters().tx_packets == 0);
  CHECK(s.state() == State::Down);
  CHECK(s.tx_interval() == Micros{0});
}

TEST_CASE("BFD handshake step by step as passive responder", "[bfd]") {
  Session s(msee_config());
  const TimePoint t = TimePoint{} + 100s;

  // RFC 5880 §6.2: Down + remote Down -> Init.
  auto c = s.receive(packet_from_ce(State::Down, 0, 1s), t);
  REQUIRE(c);
  CHECK(*c == StateChange{State::Down, State::Init, Diag::NoDiagnostic});
  auto p = s.poll_transmit(t);
  REQUIRE(p);
  CHECK(p->state == State::Init);
  CHECK(p->your_discriminator == kCeDiscr);
  CHECK(p->my_discriminator == kMseeDiscr);
  CHECK(p->desired_min_tx_us == 1'000'000);  // §6.8.3: >= 1 s while not Up
  CHECK(p->required_min_rx_us == 300'000);
  CHECK(p->detect_mult == 3);
  CHECK_FALSE(p->poll);
  CHECK_FALSE(s.poll_transmit(t));

  // Init + remote Up -> Up; the first Up packet polls for the new 300 ms Desired Min TX.
  c = s.receive(packet_from_ce(State::Up, kMseeDiscr), t + 10ms);
  REQUIRE(c);
  CHECK(*c == StateChange{State::Init, State::Up, Diag::NoDiagnostic});
  p = s.poll_transmit(t + 10ms);
  REQUIRE(p);
  CHECK(p->state == State::Up);
  CHECK(p->poll);
  CHECK(p->desired_min_tx_us == 300'000);
  CHECK(s.poll_in_progress());

  auto fin = packet_from_ce(State::Up, kMseeDiscr);
  fin.final = true;
  CHECK_FALSE(s.receive(fin, t + 20ms));
  CHECK_FALSE(s.poll_in_progress());
  CHECK(s.tx_interval() == 300ms);
  CHECK(s.detection_time() == 900ms);
  CHECK(s.counters().up_transitions == 1);
}

TEST_CASE("BFD handshake: MSEE passive responder, CE active", "[bfd]") {
  Sim sim(ce_config(), msee_config());
  sim.advance(50ms);
  REQUIRE(sim.both_up());
  CHECK(changes_of(sim.msee_changes) ==
        std::vector<StateChange>{{State::Down, State::Init, Diag::NoDiagnostic},
                                 {State::Init, State::Up, Diag::NoDiagnostic}});
  CHECK(changes_of(sim.ce_changes) ==
        std::vector<StateChange>{{State::Down, State::Up, Diag::NoDiagnostic}});
  // The CE spoke first: the passive MSEE sent nothing before its first packet arrived.
  REQUIRE_FALSE(sim.ce_sent.empty());
  REQUIRE_FALSE(sim.msee_sent.empty());
  CHECK(sim.msee_sent.front().at >= sim.ce_sent.front().at);
}

TEST_CASE("BFD handshake: MSEE as initiator (active), CE passive", "[bfd]") {
  SessionConfig msee = msee_config();
  msee.passive = false;
  SessionConfig ce = ce_config();
  ce.passive = true;
  Sim sim(ce, msee);
  sim.advance(50ms);
  REQUIRE(sim.both_up());
  CHECK(changes_of(sim.msee_changes) ==
        std::vector<StateChange>{{State::Down, State::Up, Diag::NoDiagnostic}});
  CHECK(changes_of(sim.ce_changes) ==
        std::vector<StateChange>{{State::Down, State::Init, Diag::NoDiagnostic},
                                 {State::Init, State::Up, Diag::NoDiagnostic}});
}

TEST_CASE("BFD handshake: both active", "[bfd]") {
  SessionConfig msee = msee_config();
  msee.passive = false;
  Sim sim(ce_config(), msee);
  sim.advance(3s);
  CHECK(sim.both_up());
  CHECK(sim.ce.counters().up_transitions == 1);
  CHECK(sim.msee.counters().up_transitions == 1);
}

TEST_CASE("BFD detection timeout fires after exactly detect_mult x interval", "[bfd]") {
  SECTION("by hand, to the microsecond") {
    Session s(msee_config());
    const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s);
    REQUIRE(s.state() == State::Up);
    REQUIRE(s.detection_time() == 900ms);
    // A fresh packet restarts the clock.
    const TimePoint last = t + 200ms;
    s.receive(packet_from_ce(State::Up, kMseeDiscr), last);
    while (s.poll_transmit(last)) {
    }
    auto d = s.next_deadline();
    REQUIRE(d);
    CHECK(*d <= last + 900ms);
    CHECK_FALSE(s.tick(last + 900ms - 1us));
    CHECK(s.state() == State::Up);
    auto c = s.tick(last + 900ms);
    REQUIRE(c);
    CHECK(*c == StateChange{State::Up, State::Down, Diag::ControlDetectionTimeExpired});
    CHECK(s.remote_discriminator() == 0);  // RFC 5880 §6.8.1
    CHECK(s.counters().down_transitions == 1);
  }
  SECTION("simulated: CE goes silent") {
    Sim sim(ce_config(), msee_config());
    sim.advance(2s);
    REQUIRE(sim.both_up());
    sim.ce_to_msee = false;
    sim.advance(2s);
    REQUIRE(sim.msee_changes.size() == 3);
    const Rec& down = sim.msee_changes.back();
    CHECK(down.change == StateChange{State::Up, State::Down, Diag::ControlDetectionTimeExpired});
    CHECK(down.at - sim.msee_last_rx == 900ms);
    // The CE, no longer hearing a passive MSEE that went silent, times out too.
    REQUIRE_FALSE(sim.ce_changes.empty());
    CHECK(sim.ce_changes.back().change.diag == Diag::ControlDetectionTimeExpired);
    CHECK(sim.ce_changes.back().at - sim.ce_last_rx == 900ms);
  }
}

TEST_CASE("BFD passive session goes silent after the remote is gone, then recovers", "[bfd]") {
  Sim sim(ce_config(), msee_config());
  sim.advance(2s);
  REQUIRE(sim.both_up());
  sim.ce_to_msee = false;
  sim.msee_to_ce = false;
  sim.advance(1s);
  REQUIRE(sim.msee.state() == State::Down);
  const auto sent_after_down = sim.msee_sent.size();
  sim.advance(5s);
  CHECK(sim.msee_sent.size() == sent_after_down);  // passive again (RFC 5880 §6.1)
  CHECK_FALSE(sim.msee.next_deadline().has_value());
  CHECK(sim.ce.state() == State::Down);

  sim.ce_to_msee = true;
  sim.msee_to_ce = true;
  sim.advance(3s);
  CHECK(sim.both_up());
  CHECK(sim.msee.counters().up_transitions == 2);
}

TEST_CASE("BFD timer negotiation: the slower side wins", "[bfd]") {
  SECTION("CE 300 ms x 3 vs MSEE 300 ms x 3 -> 900 ms") {
    Sim sim(ce_config(300ms, 300ms, 3), msee_config());
    sim.advance(2s);
    REQUIRE(sim.both_up());
    check_negotiated(sim, 300ms, 900ms);
    for (auto g : gaps_over(sim, sim.msee_sent, 10s)) {
      CHECK(g >= 225ms);  // RFC 5880 §6.8.7 jitter: 75-100%
      CHECK(g <= 300ms);
    }
    CHECK(sim.both_up());
  }
  SECTION("CE 1000 ms -> MSEE sends every 1 s, detection 3 s") {
    Sim sim(ce_config(1000ms, 1000ms, 3), msee_config());
    sim.advance(3s);
    REQUIRE(sim.both_up());
    check_negotiated(sim, 1000ms, 3s);
    const auto gaps = gaps_over(sim, sim.msee_sent, 20s);
    REQUIRE(gaps.size() >= 15);
    for (auto g : gaps) {
      CHECK(g >= 750ms);
      CHECK(g <= 1000ms);
    }
    CHECK(sim.both_up());
  }
  SECTION("CE trying 50 ms -> still 300 ms") {
    Sim sim(ce_config(50ms, 50ms, 3), msee_config());
    sim.advance(2s);
    REQUIRE(sim.both_up());
    // The CE may not send faster than our Required Min RX either.
    check_negotiated(sim, 300ms, 900ms);
    for (auto g : gaps_over(sim, sim.ce_sent, 5s)) {
      CHECK(g >= 225ms);
    }
  }
}

TEST_CASE("BFD jitter with detect multiplier 1 stays within 75-90%", "[bfd]") {
  SessionConfig m = msee_config();
  m.detect_mult = 1;
  Sim sim(ce_config(), m);
  sim.advance(2s);
  REQUIRE(sim.both_up());
  const auto gaps = gaps_over(sim, sim.msee_sent, 10s);
  REQUIRE(gaps.size() > 20);
  for (auto g : gaps) {
    CHECK(g >= 225ms);
    CHECK(g <= 270ms);
  }
}

TEST_CASE("BFD Poll/Final", "[bfd]") {
  SECTION("a Poll is answered by a Final at once") {
    Session s(msee_config());
    const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s);
    while (s.poll_transmit(t + 1ms)) {
    }
    auto poll = packet_from_ce(State::Up, kMseeDiscr, 600ms, 300ms);
    poll.poll = true;
    s.receive(poll, t + 2ms);
    auto f = s.poll_transmit(t + 2ms);  // well before the next periodic slot
    REQUIRE(f);
    CHECK(f->final);
    CHECK_FALSE(f->poll);
    CHECK(f->state == State::Up);
    CHECK(s.detection_time() == 1800ms);  // 3 x max(300, 600)
  }
  SECTION("our slower Desired Min TX waits for the Final (RFC 5880 6.8.3)") {
    Session s(msee_config());
    const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s);
    s.set_timers(1000ms, 300ms, 3, t + 1ms);
    CHECK(s.poll_in_progress());
    CHECK(s.tx_interval() == 300ms);
    auto p = s.poll_transmit(t + 400ms);
    REQUIRE(p);
    CHECK(p->poll);
    CHECK(p->desired_min_tx_us == 1'000'000);
    auto fin = packet_from_ce(State::Up, kMseeDiscr);
    fin.final = true;
    s.receive(fin, t + 401ms);
    CHECK_FALSE(s.poll_in_progress());
    CHECK(s.tx_interval() == 1000ms);
    p = s.poll_transmit(t + 2s);
    REQUIRE(p);
    CHECK_FALSE(p->poll);
  }
  SECTION("a lower Required Min RX keeps the old detection time until the Final") {
    Session s(msee_config());
    const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s, 50ms, 50ms);
    REQUIRE(s.detection_time() == 900ms);
    s.set_timers(300ms, 100ms, 3, t + 1ms);
    CHECK(s.poll_in_progress());
    CHECK(s.detection_time() == 900ms);
    auto fin = packet_from_ce(State::Up, kMseeDiscr, 50ms, 50ms);
    fin.final = true;
    s.receive(fin, t + 2ms);
    CHECK(s.detection_time() == 300ms);  // 3 x max(100, 50)
  }
  SECTION("simulated: the CE changes its interval while Up and nothing flaps") {
    Sim sim(ce_config(), msee_config());
    sim.advance(2s);
    REQUIRE(sim.both_up());
    sim.ce.set_timers(600ms, 600ms, 3, sim.now);
    sim.advance(3s);
    CHECK(sim.both_up());
    CHECK_FALSE(sim.ce.poll_in_progress());
    CHECK(sim.msee.tx_interval() == 600ms);
    CHECK(sim.msee.detection_time() == 1800ms);
    CHECK(sim.ce.counters().poll_sequences == 2);  // going Up, then the change
    CHECK(sim.msee.counters().down_transitions == 0);
  }
}

TEST_CASE("BFD AdminDown", "[bfd]") {
  Sim sim(ce_config(), msee_config());
  sim.advance(2s);
  REQUIRE(sim.both_up());
  auto c = sim.msee.set_admin_down(true, sim.now);
  REQUIRE(c);
  CHECK(*c == StateChange{State::Up, State::AdminDown, Diag::AdministrativelyDown});
  sim.advance(10ms);
  REQUIRE_FALSE(sim.msee_sent.empty());
  CHECK(sim.msee_sent.back().pkt.state == State::AdminDown);
  CHECK(sim.msee_sent.back().pkt.diag == Diag::AdministrativelyDown);
  REQUIRE_FALSE(sim.ce_changes.empty());
  CHECK(sim.ce_changes.back().change ==
        StateChange{State::Up, State::Down, Diag::NeighborSignaledSessionDown});
  // While AdminDown, the CE's packets change nothing here.
  sim.advance(3s);
  CHECK(sim.msee.state() == State::AdminDown);
  CHECK(sim.ce.state() == State::Down);
  CHECK(sim.msee.counters().rx_discarded > 0);

  c = sim.msee.set_admin_down(false, sim.now);
  REQUIRE(c);
  CHECK(c->from == State::AdminDown);
  CHECK(c->to == State::Down);
  sim.advance(3s);
  CHECK(sim.both_up());
}

TEST_CASE("BFD remote signalling Down or AdminDown", "[bfd]") {
  SECTION("remote Down while Up") {
    Session s(msee_config());
    const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s);
    auto pkt = packet_from_ce(State::Down, kMseeDiscr);
    pkt.diag = Diag::ControlDetectionTimeExpired;
    auto c = s.receive(pkt, t + 10ms);
    REQUIRE(c);
    CHECK(*c == StateChange{State::Up, State::Down, Diag::NeighborSignaledSessionDown});
    CHECK(s.remote_diag() == Diag::ControlDetectionTimeExpired);
    // The remote is still there: keep answering it, and the handshake restarts.
    auto p = s.poll_transmit(t + 10ms);
    REQUIRE(p);
    CHECK(p->state == State::Down);
    CHECK(p->diag == Diag::NeighborSignaledSessionDown);
    c = s.receive(packet_from_ce(State::Down, 0), t + 20ms);
    REQUIRE(c);
    CHECK(c->to == State::Init);
  }
  SECTION("remote AdminDown while Init") {
    Session s(msee_config());
    const TimePoint t = TimePoint{} + 100s;
    REQUIRE(s.receive(packet_from_ce(State::Down, 0), t));
    auto c = s.receive(packet_from_ce(State::AdminDown, 0), t + 1ms);
    REQUIRE(c);
    CHECK(*c == StateChange{State::Init, State::Down, Diag::NeighborSignaledSessionDown});
    CHECK_FALSE(s.receive(packet_from_ce(State::AdminDown, 0), t + 2ms));
  }
  SECTION("simulated CE going AdminDown") {
    Sim sim(ce_config(), msee_config());
    sim.advance(2s);
    REQUIRE(sim.both_up());
    sim.ce.set_admin_down(true, sim.now);
    sim.advance(10ms);
    REQUIRE_FALSE(sim.msee_changes.empty());
    CHECK(sim.msee_changes.back().change ==
          StateChange{State::Up, State::Down, Diag::NeighborSignaledSessionDown});
    sim.ce.set_admin_down(false, sim.now);
    sim.advance(3s);
    CHECK(sim.both_up());
  }
}

TEST_CASE("BFD session discards a packet for another discriminator", "[bfd]") {
  Session s(msee_config());
  const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s);
  const auto before = s.counters();
  CHECK_FALSE(s.receive(packet_from_ce(State::Down, kMseeDiscr + 1), t + 1ms));
  CHECK(s.state() == State::Up);
  CHECK(s.counters().rx_discarded == before.rx_discarded + 1);
  CHECK(s.counters().rx_packets == before.rx_packets + 1);
}

TEST_CASE("BFD remote Required Min RX zero stops periodic transmission", "[bfd]") {
  Session s(msee_config());
  const TimePoint t = bring_up_by_hand(s, TimePoint{} + 100s);
  s.receive(packet_from_ce(State::Up, kMseeDiscr, 300ms, 0ms), t + 1ms);
  CHECK_FALSE(s.poll_transmit(t + 5s));
  CHECK(s.tx_interval() == Micros{0});
}

TEST_CASE("BFD jitter is deterministic for a given seed", "[bfd]") {
  auto run = [] {
    Sim sim(ce_config(), msee_config());
    sim.advance(5s);
    std::vector<TimePoint> at;
    for (const auto& s : sim.msee_sent) {
      at.push_back(s.at);
    }
    return at;
  };
  CHECK(run() == run());
}
