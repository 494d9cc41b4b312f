// Speaker: MRT (RFC 6396) recording of every session's messages and state changes
// (BGP4MP_ET, microsecond timestamps) to a rotating file, and TABLE_DUMP_V2 snapshots of the
// Loc-RIB on demand. Readable by bgpdump; scripts/mrt2pcap.py turns the BGP4MP part into a
// pcap for Wireshark/tshark, which has no MRT reader.
#include <chrono>
#include <map>

#include "mrt/recorder.hpp"
#include "speaker/speaker.hpp"
#include "mrt/mrt.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace wire = bgp::wire;
using bgp::io::Peer;

namespace {
constexpr auto kMrtFlushInterval = std::chrono::seconds(1);

mrt::Timestamp mrt_now() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return {static_cast<std::uint32_t>(us / 1000000), static_cast<std::uint32_t>(us % 1000000)};
}

wire::IpAddress unspecified(wire::Afi afi) {
  wire::IpAddress a;
  a.family = afi;
  return a;
}
}  // namespace

mrt::SessionKey Speaker::mrt_key(const Peer& peer) const {
  mrt::SessionKey k;
  k.peer_as = peer.config().peer_as;
  k.local_as = config_.asn;
  k.peer_ip = peer.transport().address;
  k.local_ip = peer.local_address().value_or(
      peer.transport().local_address.value_or(unspecified(k.peer_ip.family)));
  return k;
}

bool Speaker::record_mrt(const std::string& pattern, std::uint32_t rotate_seconds,
                         std::string& error) {
  auto rec = std::make_unique<mrt::Recorder>(pattern, rotate_seconds);
  if (!rec->open(std::time(nullptr))) {
    error = rec->error();
    return false;
  }
  log::info("MRT: recording every session to {}{}", rec->current_path(),
            rotate_seconds > 0 ? fmt::format(" (new file every {} s)", rotate_seconds) : "");
  mrt_ = std::move(rec);
  for (auto& p : peers_) {
    Peer* peer = p.get();
    peer->set_tap([this, peer](bool received, std::span<const std::uint8_t> message) {
      if (!mrt_) {
        return;
      }
      auto key = mrt_key(*peer);
      // RFC 6396 §4.4.3: MESSAGE_AS4 only where the AS_PATHs inside are 4-octet (before the
      // OPEN exchange ends there is none to misread).
      const auto* n = peer->negotiated();
      auto record = n == nullptr || n->four_octet_as
                        ? mrt::bgp4mp_message_as4(mrt_now(), key, message, !received)
                        : mrt::bgp4mp_message(mrt_now(), key, message, !received);
      if (!mrt_->write(record, std::time(nullptr)) && !mrt_error_logged_) {
        mrt_error_logged_ = true;
        log::error("MRT: cannot write {}: {}", mrt_->current_path(), mrt_->error());
      }
    });
  }
  mrt_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  schedule_mrt_flush();
  return true;
}

void Speaker::schedule_mrt_flush() {
  mrt_timer_->expires_after(kMrtFlushInterval);
  mrt_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || !mrt_) {
      return;
    }
    (void)mrt_->flush();
    schedule_mrt_flush();
  });
}

void Speaker::mrt_state_change(const Peer& peer, bgp::fsm::State from, bgp::fsm::State to) {
  if (!mrt_) {
    return;
  }
  // RFC 6396 §4.4.1 numbers the states from 1; fsm::State from 0.
  auto num = [](bgp::fsm::State s) {
    return static_cast<mrt::BgpState>(static_cast<std::uint16_t>(s) + 1);
  };
  (void)mrt_->write(mrt::bgp4mp_state_change_as4(mrt_now(), mrt_key(peer), num(from), num(to)),
                    std::time(nullptr));
}

void Speaker::close_mrt() {
  if (mrt_timer_) {
    mrt_timer_->cancel();
  }
  if (mrt_) {
    (void)mrt_->flush();
    log::info("MRT: {} record(s) written to {}", mrt_->records_written(), mrt_->current_path());
    mrt_.reset();
  }
}

Result<Speaker::TableDump, std::string> Speaker::dump_table_mrt(const std::string& pattern) const {
  mrt::Recorder out(pattern, 0);
  auto now = std::time(nullptr);
  if (!out.open(now)) {
    return unexpected(out.error());
  }
  auto t = mrt_now();
  // RFC 6396 §4.3.1: peer 0 is this speaker itself (its own routes), then every neighbour.
  std::vector<mrt::RibPeer> peers;
  peers.push_back({config_.router_id, unspecified(wire::Afi::Ipv4), config_.asn});
  for (const auto& ps : states_) {
    const auto* n = ps.peer->negotiated();
    peers.push_back({n != nullptr ? n->peer_id : 0, ps.peer->transport().address,
                     ps.peer->config().peer_as});
  }
  out.write(mrt::peer_index_table(t, config_.router_id, "msee-emu", peers), now);
  TableDump info;
  info.path = out.current_path();
  std::uint32_t sequence = 0;
  for (auto family : {wire::kIpv4Unicast, wire::kIpv6Unicast}) {
    std::map<wire::Prefix, std::vector<mrt::RibEntry>> by_prefix;
    // Each neighbour's paths once, from its own table; our own routes once per prefix (the
    // same route may sit in several tables).
    auto add = [&](const rib::LocRib& from, rib::PeerId id, std::uint16_t index) {
      from.for_each_path(id, family, [&](const wire::Prefix& p, const rib::Path& path) {
        auto& entries = by_prefix[p];
        if (index == 0 && !entries.empty() && entries.front().peer_index == 0) {
          return;
        }
        mrt::RibEntry e;
        e.peer_index = index;
        e.originated_time = t.seconds;  // not tracked per route: the dump time
        e.attributes = from.store().get(path.attr);
        e.next_hop = e.attributes.next_hop.value_or(unspecified(p.addr.family));
        entries.push_back(std::move(e));
      });
    };
    for (const auto& table : tables_) {
      add(*table.rib, rib::kLocalPeer, 0);
    }
    for (std::size_t i = 0; i < states_.size(); ++i) {
      if (!states_[i].config->remote) {  // a remote's paths are in its own thread's dump
        add(home(states_[i]), states_[i].id, static_cast<std::uint16_t>(i + 1));
      }
    }
    for (const auto& [prefix, entries] : by_prefix) {
      out.write(mrt::rib_unicast(t, sequence++, prefix, entries), now);
      ++info.prefixes;
      info.entries += entries.size();
    }
  }
  if (!out.flush()) {
    return unexpected(out.error());
  }
  return info;
}

}  // namespace msee::speaker
