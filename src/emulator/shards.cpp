// The emulator's shards (issue #15): which circuits each protocol thread owns, the threads
// themselves, and exclusive() — the one way the control thread (API, ARM, signals, the
// Emulator's own timers) reaches into the shards.
//
// Why parking rather than messages (for the control thread; Global Reach between shards is
// by message, global_reach.cpp): every API view and operator action was written against
// one consistent state (a circuit's sessions, its RIB, its failover test). Parking every shard
// between two of its handlers gives the control thread that state for the length of one call
// (a route table of 10,000 rows is copied in a few milliseconds; BGP timers are seconds), and
// the shards never wait for each other or for the control thread, so nothing can deadlock.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>

#include "emulator/emulator.hpp"
#include "util/log.hpp"

namespace msee::emulator {

std::vector<std::size_t> assign_shards(const msee::Plan& plan, std::size_t circuits,
                                       std::size_t shards) {
  std::vector<std::size_t> out(circuits, 0);
  if (shards <= 1 || circuits == 0) {
    return out;
  }
  // Global Reach groups (R74): union-find over the circuits a session imports from.
  std::vector<std::size_t> parent(circuits);
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  auto root = [&](std::size_t c) {
    while (parent[c] != c) {
      c = parent[c] = parent[parent[c]];
    }
    return c;
  };
  std::map<std::string, std::size_t> circuit_of;
  std::vector<std::size_t> sessions(circuits, 0);
  for (const auto& s : plan.sessions) {
    circuit_of[s.name] = s.circuit_index;
    ++sessions[s.circuit_index];
  }
  for (const auto& s : plan.sessions) {
    for (const auto& from : s.export_from) {
      if (auto it = circuit_of.find(from); it != circuit_of.end()) {
        parent[root(it->second)] = root(s.circuit_index);
      }
    }
  }
  // Groups by weight (sessions), heaviest first, each onto the lightest shard so far; ties go
  // to the lower shard and the lower circuit, so the assignment is the same on every start.
  std::map<std::size_t, std::pair<std::size_t, std::vector<std::size_t>>> groups;
  for (std::size_t c = 0; c < circuits; ++c) {
    auto& g = groups[root(c)];
    g.first += std::max<std::size_t>(sessions[c], 1);
    g.second.push_back(c);
  }
  // A group of three or more circuits (a hub linked to several) heavier than one shard's fair
  // share is spread circuit by circuit instead: its links then cross shards by message
  // (global_reach.cpp), and no thread carries the whole group alone. A pair stays together:
  // split, every route of both would cross for little gain.
  std::size_t total = 0;
  for (const auto& [r, g] : groups) {
    total += g.first;
  }
  const std::size_t fair = (total + shards - 1) / shards;
  std::vector<std::pair<std::size_t, std::vector<std::size_t>>> singles;
  for (auto& [r, g] : groups) {
    if (g.first > fair && g.second.size() >= 3) {
      for (auto c : g.second) {
        singles.push_back({std::max<std::size_t>(sessions[c], 1), {c}});
      }
      g.second.clear();
    }
  }
  std::vector<const std::pair<std::size_t, std::vector<std::size_t>>*> order;
  for (const auto& [r, g] : groups) {
    if (!g.second.empty()) {
      order.push_back(&g);
    }
  }
  for (const auto& g : singles) {
    order.push_back(&g);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->first > b->first; });
  std::vector<std::size_t> load(shards, 0);
  for (const auto* g : order) {
    auto k = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[k] += g->first;
    for (auto c : g->second) {
      out[c] = k;
    }
  }
  return out;
}

void Emulator::make_shards(unsigned threads) {
  threaded_ = threads > 0;
  shard_of_ = assign_shards(plan_, config_.circuits.size(), std::max(threads, 1u));
  // As many shards as got circuits: the greedy fill uses 0 .. n-1 (fewer Global Reach groups
  // than threads leaves the rest without work, so without a thread).
  std::size_t n = shard_of_.empty() ? 1 : *std::max_element(shard_of_.begin(), shard_of_.end()) + 1;
  for (std::size_t k = 0; k < n; ++k) {
    auto sh = std::make_unique<Shard>();
    if (threaded_) {
      sh->own = std::make_unique<boost::asio::io_context>(1);
      sh->io = sh->own.get();
    } else {
      sh->io = &io_;
    }
    shards_.push_back(std::move(sh));
  }
  for (std::size_t c = 0; c < shard_of_.size(); ++c) {
    shards_[shard_of_[c]]->circuits.push_back(c);
  }
  for (auto& sh : shards_) {
    sh->speaker = std::make_unique<speaker::Speaker>(
        *sh->io, router_config_for(config_, plan_, &sh->circuits), events_);
    sh->bfd = std::make_unique<bfd::io::BfdTransport>(
        *sh->io, [this, shp = sh.get()](const std::string& name, bfd::State from, bfd::State to,
                                         bfd::Diag diag) {
          on_bfd_change(*shp, name, from, to, diag);  // its own shard: no search by name
        });
    if (threaded_) {
      // The status board (status.cpp): the Speaker names each session a handler changes.
      sh->speaker->set_status_hook([this, shp = sh.get()](rib::PeerId id) { mark_dirty(*shp, id); });
    }
  }
}

namespace {
// Protocol threads run at a lower CPU priority than the control thread (the API, ARM, drills,
// the Emulator's timers): when the cores are oversubscribed — a location converging on a
// small machine with its CEs on the same cores — an API request is answered first and route
// processing, which is throughput work, waits a little (issue #15: p99 under 10 ms while
// 1,000 circuits converge; docs/performance.md has the runs with and without). With free
// cores it changes nothing. Five steps is a weight of about a third of the control thread's
// (the kernel's nice table): the protocol threads still get most of the CPU when the API is
// busy, so timers of seconds (hold, BFD detection) are not at risk.
constexpr int kProtocolNice = 5;

void lower_priority() {
  auto tid = static_cast<id_t>(::gettid());
  errno = 0;
  int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) {
    (void)::setpriority(PRIO_PROCESS, tid, std::min(now + kProtocolNice, 19));  // best effort
  }
}
}  // namespace

void Emulator::start_threads() {
  if (!threaded_ || threads_started_) {
    return;
  }
  rebuild_status_board();
  for (auto& sh : shards_) {
    start_status_refresh(*sh);
  }
  threads_started_ = true;
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    auto* sh = shards_[k].get();
    sh->thread = std::thread([this, sh, k] {
      lower_priority();
      auto work = boost::asio::make_work_guard(*sh->io);
      // One handler at a time, so a park request is seen within one handler (see Shard), and
      // what the handler changed is on the status board as soon as it is over.
      while (!sh->io->stopped()) {
        sh->io->run_one();
        if (!sh->dirty.empty()) {
          publish_dirty(*sh);
        }
        if (sh->park.load(std::memory_order_acquire)) {
          std::shared_ptr<Gate> gate;
          {
            std::lock_guard lock(sh->park_m);
            gate = std::move(sh->gate);
            sh->park.store(false, std::memory_order_relaxed);
          }
          if (gate && gate->visit != nullptr) {
            std::exception_ptr failed;
            try {
              (*gate->visit)(k);
            } catch (...) {
              failed = std::current_exception();
            }
            std::lock_guard lock(gate->m);
            if (failed && !gate->failed) {
              gate->failed = std::move(failed);
            }
            ++gate->parked;
            gate->cv.notify_all();
          } else if (gate) {
            std::unique_lock lock(gate->m);
            ++gate->parked;
            gate->cv.notify_all();
            gate->cv.wait(lock, [&] { return gate->released; });
          }
        }
      }
    });
  }
  log::info("{} protocol thread(s): {}", shards_.size(), [&] {
    std::string s;
    for (std::size_t k = 0; k < shards_.size(); ++k) {
      s += fmt::format("{}{} circuit(s)", k ? ", " : "", shards_[k]->circuits.size());
    }
    return s;
  }());
}

void Emulator::stop_threads() {
  for (auto& sh : shards_) {
    if (sh->own) {
      sh->own->stop();
    }
  }
  for (auto& sh : shards_) {
    if (sh->thread.joinable()) {
      sh->thread.join();
    }
  }
}

Emulator::Shard& Emulator::shard_of_session(const std::string& session) {
  for (const auto& s : plan_.sessions) {
    if (s.name == session) {
      return *shards_[shard_of_[s.circuit_index]];
    }
  }
  return *shards_.front();  // not a session of the plan: its Speaker knows no such neighbour
}

Emulator::Parked::Parked(Emulator& e) : e_(e) {
  if (!e_.threaded_ || !e_.threads_started_ || e_.in_exclusive_) {
    return;
  }
  e_.in_exclusive_ = true;
  gate_ = std::make_shared<Gate>();
  std::vector<std::size_t> all(e_.shards_.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  e_.hand_gate(gate_, all);
}

void Emulator::hand_gate(const std::shared_ptr<Gate>& gate, const std::vector<std::size_t>& ks) {
  for (auto k : ks) {
    auto& sh = *shards_.at(k);
    {
      std::lock_guard lock(sh.park_m);
      sh.gate = gate;
      sh.park.store(true, std::memory_order_release);
    }
    boost::asio::post(*sh.io, [] {});  // wakes a thread that waits for work
  }
  std::unique_lock lock(gate->m);
  gate->cv.wait(lock, [&] { return gate->parked == ks.size(); });
}

Emulator::Parked::~Parked() {
  if (!gate_) {
    return;
  }
  // What the call changed (an admin-down, a reload) is on the status board before any shard
  // goes on, so the API's next read sees it.
  for (auto& sh : e_.shards_) {
    e_.publish_dirty(*sh);
  }
  {
    std::lock_guard lock(gate_->m);
    gate_->released = true;
  }
  gate_->cv.notify_all();
  e_.in_exclusive_ = false;
}

void Emulator::on_shards(const std::vector<std::size_t>& which,
                         const std::function<void(std::size_t)>& f) {
  std::vector<std::size_t> ks = which;
  if (ks.empty()) {
    ks.resize(shards_.size());
    std::iota(ks.begin(), ks.end(), std::size_t{0});
  }
  if (!threaded_ || !threads_started_ || in_exclusive_) {
    for (auto k : ks) {
      f(k);
    }
    return;
  }
  auto gate = std::make_shared<Gate>();
  gate->visit = &f;
  hand_gate(gate, ks);
  // Taken out of the gate: a shard thread may drop the last reference to the gate after this
  // returns, and the exception must not go with it while the caller still reads it.
  std::exception_ptr failed;
  {
    std::lock_guard lock(gate->m);
    failed = std::move(gate->failed);
  }
  if (failed) {
    std::rethrow_exception(failed);
  }
}

namespace {
std::string shard_pattern(const std::string& pattern, std::size_t k) {
  return k == 0 ? pattern : fmt::format("{}.shard{}", pattern, k);
}
}  // namespace

bool Emulator::record_mrt(const std::string& pattern, std::uint32_t rotate_seconds,
                          std::string& error) {
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    if (!shards_[k]->speaker->record_mrt(shard_pattern(pattern, k), rotate_seconds, error)) {
      return false;
    }
  }
  return true;
}

Result<std::vector<speaker::Speaker::TableDump>, std::string> Emulator::dump_tables_mrt(
    const std::string& pattern) {
  return exclusive([&]() -> Result<std::vector<speaker::Speaker::TableDump>, std::string> {
    std::vector<speaker::Speaker::TableDump> out;
    for (std::size_t k = 0; k < shards_.size(); ++k) {
      auto d = shards_[k]->speaker->dump_table_mrt(shard_pattern(pattern, k));
      if (!d) {
        return unexpected(d.error());
      }
      out.push_back(std::move(*d));
    }
    return out;
  });
}

void Emulator::request_refresh_all() {
  exclusive([&] {
    for (auto& sh : shards_) {
      sh->speaker->request_refresh_all();
    }
  });
}

}  // namespace msee::emulator
