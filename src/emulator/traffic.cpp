// Azure's traffic metrics of the emulated circuits (R81: BitsInPerSecond, BitsOutPerSecond,
// DroppedInBitsPerSecond, DroppedOutBitsPerSecond), sampled once a second while the data plane
// is on. In = from the customer into Azure, Out = from Azure to the customer, as Azure counts.
// Bits: the MSEE link interface's byte counters. Drops: the shapers' queues (the lab's tbf,
// R62) — toward the CE on the link interface, toward Azure on the link's gateway interface
// (emulator.dataplane.gateways); the kernel counts dropped packets, so dropped bits are those
// packets at the queue's mean packet size.
#include <net/if.h>

#include <fmt/format.h>

#include "emulator/emulator.hpp"
#include "kernel/links.hpp"

namespace msee::emulator {

namespace {
constexpr auto kTrafficPeriod = std::chrono::seconds(1);
}  // namespace

Emulator::RawTraffic Emulator::read_raw(int ifindex) {
  RawTraffic r;
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr) {
    if (auto c = kernel::counters(name)) {
      r.rx_bytes = c->rx_bytes;
      r.tx_bytes = c->tx_bytes;
    }
  }
  if (auto q = kernel::root_qdisc(ifindex)) {
    r.q_drops = q->drops;
    r.q_bytes = q->bytes;
    r.q_packets = q->packets;
  }
  return r;
}

void Emulator::start_traffic_meter() {
  traffic_links_.clear();
  for (const auto& s : plan_.sessions) {
    auto link = kernel::interface_for_address(s.msee_address);
    if (!link || link->loopback) {
      continue;
    }
    auto& t = traffic_links_[TrafficKey{s.circuit, s.peering_type, s.path}];
    t.link_ifindex = link->ifindex;
    auto gw = config_.emulator.dataplane.gateways.find(s.circuit + "/" +
                                                      std::string(msee::to_string(s.path)));
    if (gw != config_.emulator.dataplane.gateways.end()) {
      t.gateway_ifindex = static_cast<int>(::if_nametoindex(gw->second.c_str()));
    }
  }
  traffic_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  sample_traffic();
}

void Emulator::sample_traffic() {
  auto now = std::chrono::steady_clock::now();
  std::map<int, RawTraffic> raw;  // one read per interface per tick
  auto get = [&](int ifindex) -> const RawTraffic& {
    auto it = raw.find(ifindex);
    return it != raw.end() ? it->second : raw.emplace(ifindex, read_raw(ifindex)).first->second;
  };
  for (auto& [key, t] : traffic_links_) {
    RawTraffic link = get(t.link_ifindex);
    RawTraffic gw = t.gateway_ifindex > 0 ? get(t.gateway_ifindex) : RawTraffic{};
    if (t.sampled) {
      double dt = std::chrono::duration<double>(now - t.at).count();
      auto rate = [&](std::uint64_t a, std::uint64_t b) {
        return dt > 0 && a >= b ? 8.0 * static_cast<double>(a - b) / dt : 0.0;
      };
      auto dropped = [&](const RawTraffic& cur, const RawTraffic& prev) {
        if (dt <= 0 || cur.q_drops < prev.q_drops) {
          return 0.0;
        }
        double mean = cur.q_packets > 0 ? static_cast<double>(cur.q_bytes) /
                                              static_cast<double>(cur.q_packets)
                                        : 0.0;
        return 8.0 * mean * static_cast<double>(cur.q_drops - prev.q_drops) / dt;
      };
      t.now.bits_in_ps = rate(link.rx_bytes, t.link.rx_bytes);
      t.now.bits_out_ps = rate(link.tx_bytes, t.link.tx_bytes);
      t.now.dropped_out_bps = dropped(link, t.link);
      t.now.dropped_in_bps = t.gateway_ifindex > 0 ? dropped(gw, t.gateway) : 0.0;
      t.now.dropped_out_packets = link.q_drops;
      t.now.dropped_in_packets = gw.q_drops;
    }
    t.link = link;
    t.gateway = gw;
    t.at = now;
    t.sampled = true;
  }
  traffic_timer_->expires_after(kTrafficPeriod);
  traffic_timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      sample_traffic();
    }
  });
}

std::optional<Emulator::LinkTraffic> Emulator::link_traffic(const std::string& circuit,
                                                            msee::PeeringType type,
                                                            msee::LinkPath path) const {
  auto it = traffic_links_.find(TrafficKey{circuit, type, path});
  if (it == traffic_links_.end()) {
    return std::nullopt;
  }
  return it->second.now;
}

}  // namespace msee::emulator
