// Emulator: Azure's link failover test (R68, Q7) applied to the running MSEEs.
#include <fmt/core.h>

#include "emulator/emulator.hpp"
#include "util/log.hpp"

namespace msee::emulator {

namespace wire = bgp::wire;

namespace {
std::string link_name(msee::LinkPath l) { return l == msee::LinkPath::Primary ? "Primary" : "Secondary"; }
}  // namespace

msee::FailoverSnapshot Emulator::snapshot(const std::string& circuit) const {
  msee::FailoverSnapshot snap;
  for (const auto& s : plan_.sessions) {
    if (s.circuit != circuit) {
      continue;
    }
    const auto& spk = speaker_of(s);
    const auto* peer = spk.find_peer(s.name);
    bool up = peer != nullptr && peer->state() == bgp::fsm::State::Established;
    snap.sessions.push_back({s.name, s.path, up});
    if (peer == nullptr) {
      continue;
    }
    auto& routes = s.path == msee::LinkPath::Primary ? snap.primary_routes : snap.secondary_routes;
    auto fam = s.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    spk.rib_of(*peer).for_each_path(spk.peer_id(*peer), fam,
                                    [&](const wire::Prefix& p, const rib::Path&) {
                                      routes.push_back(p);
                                    });
  }
  return snap;
}

Result<const msee::FailoverTest*, std::string> Emulator::start_failover_test(
    const std::string& circuit, msee::LinkPath link, msee::FailoverCategory category,
    std::chrono::seconds duration, std::uint8_t prepends) {
  if (config_.circuit(circuit) == nullptr) {
    return unexpected("no circuit named '" + circuit + "'");
  }
  if (auto why = msee::may_start(failover_tests_, circuit)) {
    return unexpected(*why);
  }
  for (const auto& [key, d] : link_drills_) {
    if (key.first == circuit) {
      return unexpected("a drill holds the " + link_name(key.second) + " link of '" + circuit +
                        "'; restore it first (bgpState Up, asPathPrepend 0)");
    }
  }
  msee::FailoverTest t;
  t.circuit = circuit;
  t.link = link;
  t.category = category;
  t.duration = duration;
  t.prepends = prepends;  // MSEE: Q7 — 12076 N more times (default 3)
  t.start_time = std::chrono::system_clock::now();
  t.status = msee::FailoverStatus::Starting;
  t.before = snapshot(circuit);
  FailoverRun run;
  exclude_link(circuit, link, true);  // MSEE: R68 — traffic leaves the link first
  auto what = category == msee::FailoverCategory::ASPathPrepend
                  ? fmt::format("ASPathPrepend (12076 x{} more) on the {} link", prepends,
                                link_name(link))
                  : fmt::format("BgpDisconnect on the {} link", link_name(link));
  for (const auto& s : plan_.sessions) {
    if (s.circuit != circuit || s.path != link || !s.enabled) {
      continue;  // MSEE: R68, Q7 — never the other link; a Disabled peering stays as it is
    }
    if (category == msee::FailoverCategory::BgpDisconnect) {
      sp(s.name).set_admin_down(s.name, true, "link failover test: " + what);
    } else {
      sp(s.name).set_extra_prepends(s.name, prepends);
    }
    run.touched.push_back(s.name);
  }
  if (run.touched.empty()) {
    exclude_link(circuit, link, false);
    t.status = msee::FailoverStatus::StartFailed;
    t.message = "the " + link_name(link) + " link of '" + circuit + "' has no enabled session";
    failover_tests_.push_back(std::move(t));
    return unexpected(failover_tests_.back().message);
  }
  t.status = msee::FailoverStatus::Running;
  t.message = fmt::format("{}: {} session(s)", what, run.touched.size());
  log::warn("{}: link failover test started: {}", circuit, t.message);
  events_.admin("failover-test", circuit,
                {{"status", "Running"}, {"linkType", link_name(link)},
                 {"category", msee::to_string(category)}});
  failover_tests_.push_back(std::move(t));
  auto index = failover_tests_.size() - 1;
  if (duration.count() > 0) {
    run.timer = std::make_unique<boost::asio::steady_timer>(io_, duration);
    // On the control thread, with the shards parked, as if an operator stopped it.
    run.timer->async_wait([this, circuit, link](boost::system::error_code ec) {
      if (!ec) {
        exclusive([&] { (void)stop_failover_test(circuit, link); });
      }
    });
  }
  failover_runs_[index] = std::move(run);
  return &failover_tests_.back();
}

Result<const msee::FailoverTest*, std::string> Emulator::stop_failover_test(
    const std::string& circuit, msee::LinkPath link) {
  for (std::size_t i = failover_tests_.size(); i-- > 0;) {
    auto& t = failover_tests_[i];
    if (t.circuit != circuit || t.link != link || t.status != msee::FailoverStatus::Running) {
      continue;
    }
    t.status = msee::FailoverStatus::Stopping;
    t.during = snapshot(circuit);
    auto& run = failover_runs_[i];
    if (run.timer) {
      run.timer->cancel();
    }
    for (const auto& name : run.touched) {
      if (t.category == msee::FailoverCategory::BgpDisconnect) {
        sp(name).set_admin_down(name, false, "link failover test stopped");
      } else {
        sp(name).set_extra_prepends(name, 0);
      }
    }
    failover_runs_.erase(i);
    exclude_link(circuit, link, false);
    t.status = msee::FailoverStatus::Completed;
    t.end_time = std::chrono::system_clock::now();
    bool ok = msee::was_simulation_successful(t);
    log::warn("{}: link failover test completed ({})", circuit,
              ok ? "simulation successful" : "simulation NOT successful");
    events_.admin("failover-test", circuit,
                  {{"status", "Completed"}, {"linkType", link_name(link)},
                   {"category", msee::to_string(t.category)},
                   {"wasSimulationSuccessful", ok ? "true" : "false"}});
    return &t;
  }
  return unexpected("no test is Running on the " + link_name(link) + " link of '" + circuit +
                    "'");
}

Emulator::LinkDrill Emulator::link_drill(const std::string& circuit, msee::LinkPath link) const {
  auto it = link_drills_.find({circuit, link});
  return it == link_drills_.end() ? LinkDrill{} : it->second;
}

std::optional<std::string> Emulator::set_link_drill(const std::string& circuit,
                                                    msee::LinkPath link,
                                                    std::optional<bool> bgp_down,
                                                    std::optional<std::uint8_t> prepends) {
  if (config_.circuit(circuit) == nullptr) {
    return "no circuit named '" + circuit + "'";
  }
  for (const auto& t : failover_tests_) {
    if (t.circuit == circuit && (t.status == msee::FailoverStatus::Running ||
                                 t.status == msee::FailoverStatus::Starting ||
                                 t.status == msee::FailoverStatus::Stopping)) {
      return "a link failover test is " + std::string(msee::to_string(t.status)) + " on '" +
             circuit + "'; stop it first";
    }
  }
  auto other = link == msee::LinkPath::Primary ? msee::LinkPath::Secondary : msee::LinkPath::Primary;
  LinkDrill next = link_drill(circuit, link);
  next.bgp_down = bgp_down.value_or(next.bgp_down);
  next.prepends = prepends.value_or(next.prepends);
  bool active = next.bgp_down || next.prepends > 0;
  if (active && link_drills_.count({circuit, other}) != 0) {
    // MSEE: R64, Q7 — maintenance works on one connection at a time.
    return "the " + link_name(other) + " link of '" + circuit +
           "' is drained or down; restore it before touching the " + link_name(link) + " link";
  }
  LinkDrill prev = link_drill(circuit, link);
  if (active) {
    exclude_link(circuit, link, true);  // MSEE: R64 — out of the multipath route first
  }
  for (const auto& s : plan_.sessions) {
    if (s.circuit != circuit || s.path != link || !s.enabled) {
      continue;  // a Disabled peering stays as it is
    }
    if (next.bgp_down != prev.bgp_down) {
      sp(s.name).set_admin_down(s.name, next.bgp_down,
                               next.bgp_down ? "drill: BGP shut on the " + link_name(link) + " link"
                                             : "drill: link restored");
    }
    if (next.prepends != prev.prepends) {
      sp(s.name).set_extra_prepends(s.name, next.prepends);  // MSEE: R64, Q7
    }
  }
  if (active) {
    link_drills_[{circuit, link}] = next;
  } else {
    link_drills_.erase({circuit, link});
    exclude_link(circuit, link, false);
  }
  log::warn("{}: {} link drill: bgp {}, {} extra prepend(s)", circuit, link_name(link),
            next.bgp_down ? "down" : "up", next.prepends);
  events_.admin("link-drill", circuit,
                {{"linkType", link_name(link)},
                 {"bgpState", next.bgp_down ? "Down" : "Up"},
                 {"asPathPrepend", std::to_string(next.prepends)}});
  return std::nullopt;
}

}  // namespace msee::emulator
