// The emulator's shards (issue #15; src/emulator/shards.cpp): which circuits go to which
// protocol thread (Global Reach pairs together, R74; the rest balanced by sessions; a big hub
// spread, its links relayed by message, global_reach.cpp), that each shard's Speaker holds its
// own circuits' sessions and routes only, that every shard runs on a thread of its own, that
// exclusive() really parks them while the control thread works, and that on_shards() visits
// each on its own thread without stopping the others.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "emulator/emulator.hpp"
#include "msee/config/config.hpp"

#include "../msee/fixtures.hpp"

using namespace msee;
using namespace std::chrono_literals;

namespace {

// Four circuits: a and b joined by Global Reach, c and d on their own; one private peering
// each (two sessions), a with IPv6 too (four sessions).
std::string circuit(const std::string& name, int n, const std::string& extra = "") {
  return R"({"name": ")" + name + R"(", "sku": {"tier": "Standard", "family": "MeteredData"},
    "serviceProviderProperties": {"peeringLocation": "Location )" + name +
         R"(", "bandwidthInMbps": 1000},
    "peerings": [{"peeringType": "AzurePrivatePeering", "peerASN": 6500)" + std::to_string(n) +
         R"(, "vlanId": 100,
      "primaryPeerAddressPrefix": "192.168.)" + std::to_string(n) + R"(.0/30",
      "secondaryPeerAddressPrefix": "192.168.)" + std::to_string(n) + R"(.4/30")" + extra + R"(}],
    "vnets": [{"name": "v)" + name + R"(", "region": "westeurope",
               "addressPrefixes": ["10.)" + std::to_string(n) + R"(.0.0/16"]}])";
}

std::string location() {
  return R"({"circuits": [)" +
         circuit("a", 1, R"(, "ipv6PeeringConfig": {"primaryPeerAddressPrefix": "fdcc:0:0:1::/126",
                        "secondaryPeerAddressPrefix": "fdcc:0:0:1::4/126"})") +
         R"(, "globalReach": [{"peerCircuit": "b", "addressPrefix": "192.168.250.0/29"}]}, )" +
         circuit("b", 2) + "}, " + circuit("c", 3) + "}, " + circuit("d", 4) + "}]}";
}

// h linked by Global Reach to b, c and d: one group of four circuits, 8 sessions.
std::string hub() {
  return R"({"circuits": [)" + circuit("h", 1) +
         R"(, "globalReach": [{"peerCircuit": "b", "addressPrefix": "192.168.250.0/29"},
                              {"peerCircuit": "c", "addressPrefix": "192.168.250.8/29"},
                              {"peerCircuit": "d", "addressPrefix": "192.168.250.16/29"}]}, )" +
         circuit("b", 2) + "}, " + circuit("c", 3) + "}, " + circuit("d", 4) + "}]}";
}

msee::EmulatorConfig parse(const std::string& text) {
  auto r = config::parse_emulator_config(text);
  INFO((r ? std::string() : test::dump(r.error())));
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("Shards: Global Reach pairs stay together, the rest is balanced by sessions (R74)",
          "[emulator][shards]") {
  auto cfg = parse(location());
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  // a (4 sessions) + b (2) form one group of 6; c and d weigh 2 each.
  CHECK(emulator::assign_shards(plan, 4, 1) == std::vector<std::size_t>{0, 0, 0, 0});
  CHECK(emulator::assign_shards(plan, 4, 2) == std::vector<std::size_t>{0, 0, 1, 1});
  // Three groups over eight threads: three shards, never a and b apart.
  CHECK(emulator::assign_shards(plan, 4, 8) == std::vector<std::size_t>{0, 0, 1, 2});
  // Without the Global Reach link the heaviest circuit goes first, then the lightest shard.
  cfg.circuits[0].global_reach.clear();
  auto apart = msee::make_plan(cfg, msee::builtin_catalogue());
  CHECK(emulator::assign_shards(apart, 4, 2) == std::vector<std::size_t>{0, 1, 1, 0});
}

TEST_CASE("Shards: a Global Reach hub bigger than a fair share is spread, its links by message",
          "[emulator][shards]") {
  auto cfg = parse(hub());
  auto plan = msee::make_plan(cfg, msee::builtin_catalogue());
  // Two threads: fair share 4 sessions, the group of 4 circuits weighs 8: spread circuit by
  // circuit. Four threads: one each. One thread: nothing to spread.
  CHECK(emulator::assign_shards(plan, 4, 2) == std::vector<std::size_t>{0, 1, 0, 1});
  CHECK(emulator::assign_shards(plan, 4, 4) == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(emulator::assign_shards(plan, 4, 1) == std::vector<std::size_t>{0, 0, 0, 0});
  // The emulator: h's sessions import c's... and b's and d's across threads as remote
  // neighbours; every link that crosses is relayed, the one inside a shard is not.
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, cfg, msee::builtin_catalogue(), events, 2);
  REQUIRE(emu.shard_count() == 2);
  const auto& h = emu.speaker_of_circuit(0);
  CHECK(h.is_remote("b/AzurePrivatePeering/primary"));
  CHECK(h.is_remote("d/AzurePrivatePeering/secondary"));
  CHECK_FALSE(h.is_remote("c/AzurePrivatePeering/primary"));  // c shares h's thread
  CHECK(emu.speaker_of_circuit(1).is_remote("h/AzurePrivatePeering/primary"));
}

TEST_CASE("Shards: each shard's Speaker holds its own circuits' sessions only",
          "[emulator][shards]") {
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, parse(location()), msee::builtin_catalogue(), events, 2);
  REQUIRE(emu.shard_count() == 2);
  CHECK(emu.shard_of(0) == emu.shard_of(1));  // a and b: Global Reach
  CHECK(emu.shard_of(2) != emu.shard_of(0));
  std::size_t checked = 0;
  for (const auto& s : emu.plan().sessions) {
    INFO(s.name);
    CHECK(emu.speaker_of(s).find_peer(s.name) != nullptr);
    CHECK_FALSE(emu.speaker_of(s).is_remote(s.name));
    for (std::size_t c = 0; c < 4; ++c) {
      if (emu.shard_of(c) != emu.shard_of(s.circuit_index)) {
        // Elsewhere a private-peering session is only a remote neighbour (Global Reach by
        // message, R74): no session of its own.
        const auto& other = emu.speaker_of_circuit(c);
        if (s.peering_type == msee::PeeringType::AzurePrivatePeering) {
          CHECK(other.is_remote(s.name));
        } else {
          CHECK(other.find_peer(s.name) == nullptr);
        }
        ++checked;
      }
    }
  }
  CHECK(checked > 0);
  // Global Reach inside one Speaker: a's sessions import from b's (R74).
  const auto& a = emu.speaker_of_circuit(0);
  CHECK(a.find_peer("b/AzurePrivatePeering/primary") != nullptr);
}

TEST_CASE("Shards: a thread per shard, and exclusive() parks them all", "[emulator][shards]") {
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, parse(location()), msee::builtin_catalogue(), events, 2);
  REQUIRE(emu.shard_count() == 2);
  emu.start_threads();
  std::mutex m;
  std::set<std::thread::id> ids;
  std::atomic<int> ran{0};
  for (std::size_t k = 0; k < emu.shard_count(); ++k) {
    boost::asio::post(emu.shard_io(k), [&] {
      std::lock_guard lock(m);
      ids.insert(std::this_thread::get_id());
      ++ran;
    });
  }
  for (int i = 0; i < 200 && ran < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(ran == 2);
  CHECK(ids.size() == 2);
  CHECK(ids.count(std::this_thread::get_id()) == 0);

  // Work posted to the shards while the control thread holds them waits until it lets go.
  std::atomic<int> after{0};
  int seen_inside = -1;
  auto got = emu.exclusive([&] {
    for (std::size_t k = 0; k < emu.shard_count(); ++k) {
      boost::asio::post(emu.shard_io(k), [&] { ++after; });
    }
    std::this_thread::sleep_for(100ms);
    seen_inside = after.load();
    // A nested exclusive() (an API handler calling into a reload) runs at once.
    return emu.exclusive([] { return 42; });
  });
  CHECK(got == 42);
  CHECK(seen_inside == 0);
  for (int i = 0; i < 200 && after < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(after == 2);
}

TEST_CASE("Shards: on_shards() runs on each shard's own thread, without waiting for the others",
          "[emulator][shards]") {
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, parse(location()), msee::builtin_catalogue(), events, 2);
  REQUIRE(emu.shard_count() == 2);
  emu.start_threads();
  // Each shard's thread, as a handler posted to it sees it.
  std::vector<std::thread::id> thread_of(2);
  std::atomic<int> ran{0};
  for (std::size_t k = 0; k < 2; ++k) {
    boost::asio::post(emu.shard_io(k), [&, k] {
      thread_of[k] = std::this_thread::get_id();
      ++ran;
    });
  }
  for (int i = 0; i < 200 && ran < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(ran == 2);

  std::vector<std::thread::id> visited(2);
  emu.on_shards({}, [&](std::size_t k) { visited[k] = std::this_thread::get_id(); });
  CHECK(visited == thread_of);

  // Shard 0 is busy in a long handler: a visit to shard 1 alone does not wait for it.
  std::atomic<bool> release{false}, busy{false};
  boost::asio::post(emu.shard_io(0), [&] {
    busy = true;
    while (!release) {
      std::this_thread::sleep_for(1ms);
    }
  });
  while (!busy) {
    std::this_thread::sleep_for(1ms);
  }
  int visits = 0;
  emu.on_shards({1}, [&](std::size_t k) {
    CHECK(k == 1);
    ++visits;
  });
  CHECK(visits == 1);
  CHECK_FALSE(release.load());  // shard 0 is still in its handler
  release = true;

  // What a visit throws comes back to the caller; the shard thread goes on.
  CHECK_THROWS_WITH(emu.on_shards({0}, [](std::size_t) { throw std::runtime_error("boom"); }),
                    "boom");
  int after = 0;
  emu.on_shards({0}, [&](std::size_t) { ++after; });
  CHECK(after == 1);
}

TEST_CASE("Shards: threads 0 keeps one shard on the caller's io_context", "[emulator][shards]") {
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, parse(location()), msee::builtin_catalogue(), events);
  CHECK(emu.shard_count() == 1);
  CHECK(&emu.shard_io(0) == &control);
  CHECK(emu.exclusive([] { return 7; }) == 7);  // no thread to park
  std::thread::id where;
  emu.on_shards({}, [&](std::size_t) { where = std::this_thread::get_id(); });
  CHECK(where == std::this_thread::get_id());  // no thread to visit: runs here
}

TEST_CASE("Shards: a linked session's routes cross to the other shard by message (R74)",
          "[emulator][shards]") {
  // The hub of the test above on two threads: h and c on shard 0, b and d on shard 1. b's CE
  // announces a prefix; b's shard relays it and h's shard imports it into h's table. The
  // shards' io_contexts are run here, one after the other (no threads started).
  auto cfg = parse(hub());
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, cfg, msee::builtin_catalogue(), events, 2);
  REQUIRE(emu.shard_of(0) != emu.shard_of(1));
  auto run_all = [&] {
    for (int round = 0; round < 4; ++round) {
      for (std::size_t k = 0; k < emu.shard_count(); ++k) {
        emu.shard_io(k).restart();
        emu.shard_io(k).poll();
      }
    }
  };
  run_all();
  // The UPDATE as b's primary session would hand it over (the Speaker is the peer's observer).
  auto& b = const_cast<speaker::Speaker&>(emu.speaker_of_circuit(1));
  auto& b_peer = const_cast<bgp::io::Peer&>(*b.find_peer("b/AzurePrivatePeering/primary"));
  bgp::wire::UpdateMessage u;
  u.attributes.origin = bgp::wire::Origin::Igp;
  u.attributes.as_path = bgp::wire::AsPath{{{bgp::wire::AsSegmentType::AsSequence, {65002}}}};
  u.attributes.next_hop = *bgp::wire::IpAddress::parse("192.168.2.1");
  u.nlri = {*bgp::wire::Prefix::parse("10.60.0.0/16")};
  b.on_update(b_peer, std::move(u));
  const auto& h = emu.speaker_of_circuit(0);
  const auto& h_table = h.rib_of(*h.find_peer("h/AzurePrivatePeering/primary"));
  const auto prefix = *bgp::wire::Prefix::parse("10.60.0.0/16");
  CHECK(h_table.best(prefix) == nullptr);  // not before the shards ran their messages
  run_all();
  const auto* best = h_table.best(prefix);
  REQUIRE(best != nullptr);
  CHECK(best->peer == h.peer_id(*h.find_peer("b/AzurePrivatePeering/primary")));
  CHECK(h.is_remote("b/AzurePrivatePeering/primary"));
  // c's table (on h's shard, not linked to b) does not get it: only the importer.
  const auto& c_table = h.rib_of(*h.find_peer("c/AzurePrivatePeering/primary"));
  CHECK(c_table.best(prefix) == nullptr);
  // Withdrawn on b: gone from h's table once the shards ran again.
  bgp::wire::UpdateMessage w;
  w.withdrawn_routes = {prefix};
  b.on_update(b_peer, std::move(w));
  run_all();
  CHECK(h_table.best(prefix) == nullptr);
}

TEST_CASE("Shards: the status board answers without waiting for a busy protocol thread",
          "[emulator][shards]") {
  boost::asio::io_context control;
  speaker::EventLog events;
  emulator::Emulator emu(control, parse(location()), msee::builtin_catalogue(), events, 2);
  emu.start_threads();
  const auto& sessions = emu.plan().sessions;
  std::size_t i = 0;
  while (i < sessions.size() && sessions[i].name != "c/AzurePrivatePeering/primary") {
    ++i;
  }
  REQUIRE(i < sessions.size());
  auto st = emu.session_status(i);
  CHECK(st.present);
  CHECK(st.state == bgp::fsm::State::Idle);  // not started: no listener, no connection
  CHECK(st.accepted == 0);
  CHECK(emu.session_statuses().size() == sessions.size());

  // The CE's UPDATE, handled on c's shard thread: on the board once that handler is over.
  auto k = emu.shard_of(sessions[i].circuit_index);
  auto& sp = const_cast<speaker::Speaker&>(emu.speaker_of(sessions[i]));
  auto& peer = const_cast<bgp::io::Peer&>(*sp.find_peer(sessions[i].name));
  boost::asio::post(emu.shard_io(k), [&] {
    bgp::wire::UpdateMessage u;
    u.attributes.origin = bgp::wire::Origin::Igp;
    u.attributes.as_path = bgp::wire::AsPath{{{bgp::wire::AsSegmentType::AsSequence, {65003}}}};
    u.attributes.next_hop = *bgp::wire::IpAddress::parse("192.168.3.1");
    u.nlri = {*bgp::wire::Prefix::parse("10.70.0.0/16"), *bgp::wire::Prefix::parse("10.71.0.0/16")};
    sp.on_update(peer, std::move(u));
  });
  for (int n = 0; n < 200 && emu.session_status(i).accepted != 2; ++n) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(emu.session_status(i).accepted == 2);

  // That shard stuck in a long handler: the board still answers, at once, with what it holds.
  std::atomic<bool> release{false}, busy{false};
  boost::asio::post(emu.shard_io(k), [&] {
    busy = true;
    while (!release) {
      std::this_thread::sleep_for(1ms);
    }
  });
  while (!busy) {
    std::this_thread::sleep_for(1ms);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto all = emu.session_statuses();
  CHECK(std::chrono::steady_clock::now() - t0 < 100ms);
  CHECK(all[i].accepted == 2);
  CHECK_FALSE(release.load());  // the shard is still in its handler
  release = true;

  // A change made with the shards parked is on the board when exclusive() returns (MSEE: R66).
  emu.exclusive([&] {
    CHECK_FALSE(emu.set_peering_state("c", msee::PeeringType::AzurePrivatePeering, std::nullopt,
                                      msee::PeeringState::Disabled));
  });
  CHECK(emu.session_status(i).admin_down);
}
