// Loc-RIB → kernel routing tables (fib_sync.hpp).
#include "speaker/fib_sync.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>

#include "speaker/speaker.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace wire = bgp::wire;

FibSync::FibSync(boost::asio::io_context& io, Speaker& speaker, std::vector<Table> tables)
    : io_(io), speaker_(speaker), tables_(std::move(tables)) {}

FibSync::~FibSync() {
  if (watch_ != 0) {
    speaker_.remove_route_watch(watch_);
  }
}

Result<std::size_t, std::string> FibSync::start(
    const std::function<bool(const fib::Route&)>& stale) {
  auto sock = kernel::RouteSocket::open();
  if (!sock) {
    return unexpected(std::move(sock.error()));
  }
  socket_.emplace(std::move(*sock));
  // A run killed with SIGKILL could not clean up: its routes carry our protocol number.
  auto flushed = socket_->flush(kernel::kRouteProtocol, stale);
  if (!flushed) {
    return unexpected("removing the routes of an earlier run: " + flushed.error());
  }
  stats_.stale_flushed = *flushed;
  running_ = true;
  watch_ = speaker_.add_route_watch(Speaker::RouteWatch{
      [this](TableId t, const wire::Prefix& p) { path_changed(t, p); },
      [this](rib::PeerId id) { peer_changed(id); }});
  for (const auto& t : tables_) {
    for (const auto& s : t.sources) {
      dirty_peers_.insert(s.peer);
    }
  }
  flush();
  return *flushed;
}

void FibSync::stop() {
  if (!running_) {
    return;
  }
  running_ = false;
  speaker_.remove_route_watch(watch_);
  watch_ = 0;
  auto ops = programmed_.clear();
  auto res = socket_->apply(ops);
  stats_.routes = stats_.next_hops = 0;
  if (res.failed > 0) {
    log::warn("data plane: {} of {} routes not removed at stop: {}", res.failed, ops.size(),
              res.first_error);
  } else {
    log::info("data plane: {} routes removed", res.applied);
  }
}

void FibSync::exclude(rib::PeerId peer, bool excluded) {
  bool changed = excluded ? excluded_.insert(peer).second : excluded_.erase(peer) > 0;
  if (changed && running_) {
    peer_changed(peer);
    flush();  // MSEE: R64 — out of the multipath route before anything else happens
  }
}

void FibSync::path_changed(std::uint16_t rib, const wire::Prefix& prefix) {
  dirty_.insert({rib, prefix});
  schedule();
}

void FibSync::peer_changed(rib::PeerId peer) {
  dirty_peers_.insert(peer);
  schedule();
}

void FibSync::schedule() {
  if (posted_ || !running_) {
    return;
  }
  posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) {
      return;  // destroyed before the io_context got to it
    }
    posted_ = false;
    flush();
  });
}

bool FibSync::usable(rib::PeerId peer) const {
  if (excluded_.count(peer) != 0) {
    return false;
  }
  return speaker_.source_up(peer);
}

void FibSync::recompute(std::uint16_t table, const wire::Prefix& prefix,
                        std::vector<fib::Op>& ops) {
  const auto& rib = speaker_.table_rib(table);
  auto paths = rib.paths(prefix);
  // A prefix this speaker originates (a VNet, a Microsoft service prefix) is reached on the
  // Azure side, never through the CE, even when a CE echoes it back (allow-as-in, R24).
  bool own = std::any_of(paths.begin(), paths.end(),
                         [](const rib::Path& p) { return p.peer == rib::kLocalPeer; });
  std::vector<fib::Candidate> cands;
  for (const auto& t : tables_) {
    if (t.rib != table) {
      continue;
    }
    cands.clear();
    for (const auto& path : paths) {
      if (own) {
        break;
      }
      for (const auto& src : t.sources) {
        if (src.peer != path.peer || !usable(path.peer)) {
          continue;
        }
        const auto& a = rib.store().get(path.attr);
        if (!a.next_hop || a.next_hop->family != prefix.family()) {
          continue;
        }
        fib::Candidate c;
        c.next_hop = fib::NextHop{*a.next_hop, src.ifindex};
        c.as_path_length = a.as_path ? a.as_path->length() : 0;
        c.rank = src.rank;
        cands.push_back(c);
      }
    }
    if (auto op = programmed_.set(t.id, prefix, fib::select(cands))) {
      ops.push_back(std::move(*op));
    }
  }
}

void FibSync::flush() {
  if (!running_) {
    return;
  }
  for (auto peer : dirty_peers_) {
    for (const auto& t : tables_) {
      bool feeds = false;
      for (const auto& s : t.sources) {
        feeds = feeds || s.peer == peer;
      }
      if (!feeds) {
        continue;
      }
      // What it holds now, and what the table holds (the next hops it may have lost).
      for (auto fam : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
        speaker_.table_rib(t.rib).for_each_path(
            peer, fam, [&](const wire::Prefix& p, const rib::Path&) { dirty_.insert({t.rib, p}); });
      }
      programmed_.for_each([&](std::uint32_t table, const wire::Prefix& p, const auto&) {
        if (table == t.id) {
          dirty_.insert({t.rib, p});
        }
      });
    }
  }
  dirty_peers_.clear();
  if (dirty_.empty()) {
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<fib::Op> ops;
  for (const auto& [rib, p] : dirty_) {
    recompute(rib, p, ops);
  }
  dirty_.clear();
  if (ops.empty()) {
    return;
  }
  auto res = socket_->apply(ops);
  stats_.operations += ops.size();
  stats_.failures += res.failed;
  if (res.failed > 0) {
    stats_.last_error = res.first_error;
    log::warn("data plane: {} of {} route changes refused by the kernel: {}", res.failed,
              ops.size(), res.first_error);
  }
  stats_.routes = programmed_.size();
  stats_.next_hops = programmed_.next_hop_count();
  stats_.last_batch_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  log::debug("data plane: {} route change(s) in {:.2f} ms", ops.size(), stats_.last_batch_ms);
}

}  // namespace msee::speaker
