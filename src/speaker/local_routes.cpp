// The speaker's own routes: static announcements and generated blocks (announce[],
// generate[] of the router config) enter the Loc-RIB as routes of rib::kLocalPeer; generators
// with flapInterval withdraw and re-announce their block for as long as the process runs
// (the test-harness "flap" of ExaBGP/GoBGP users).
#include <memory>

#include "speaker/speaker.hpp"
#include "util/log.hpp"

namespace msee::speaker {

namespace asio = boost::asio;
namespace wire = bgp::wire;

namespace {
// The n-th prefix of a generator block.
wire::Prefix nth_prefix(const wire::Prefix& base, std::uint32_t n) {
  wire::Prefix p = base;
  if (base.addr.is_v4()) {
    std::uint64_t step = base.length == 0 ? 0 : std::uint64_t{1} << (32 - base.length);
    p.addr = wire::IpAddress::v4(static_cast<std::uint32_t>(base.addr.v4_value() + step * n));
    return p;
  }
  // IPv6 bases are /1../64: add n << (64 - len) to the upper 64 bits.
  std::uint64_t hi = 0;
  for (int i = 0; i < 8; ++i) {
    hi = (hi << 8) | base.addr.bytes[static_cast<std::size_t>(i)];
  }
  hi += std::uint64_t{n} << (64 - base.length);
  for (int i = 7; i >= 0; --i) {
    p.addr.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi);
    hi >>= 8;
  }
  return p;
}
}  // namespace

// Static announcements and generated blocks enter the tables of the neighbours they go to (all
// tables when `to` is empty) as routes of kLocalPeer. Nothing is established yet: no changes
// to queue.
void Speaker::originate_local_routes() {
  std::size_t n = 0;
  auto add = [&](const wire::Prefix& p, const wire::PathAttributes& attrs,
                 const std::vector<rib::PeerId>& to, const std::vector<TableId>& tables) {
    for (auto t : tables) {
      tables_[t].rib->update(p, rib::kLocalPeer, attrs_.intern(attrs));
    }
    local_.add(p, to);
    ++n;
  };
  for (const auto& ann : config_.announce) {
    auto tables = local_tables(ann.to);
    auto to = peer_ids(ann.to);
    for (const auto& p : ann.prefixes) {
      add(p, ann.attributes, to, tables);
    }
  }
  for (const auto& g : config_.generate) {
    auto tables = local_tables(g.to);
    auto to = peer_ids(g.to);
    for (std::uint32_t i = 0; i < g.count; ++i) {
      add(nth_prefix(g.base, i), g.attributes, to, tables);
    }
  }
  if (n > 0) {
    log::info("originating {} local route(s)", n);
  }
}

// Generators with flapInterval withdraw their whole block, then re-announce it one interval
// later, for as long as the process runs.
void Speaker::start_flaps() {
  for (const auto& g : config_.generate) {
    if (g.flap_interval_ms == 0) {
      continue;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_);
    flap_timers_.push_back(timer);
    auto announced = std::make_shared<bool>(true);
    const Generator* gen = &g;
    // Re-arms itself; the timer (owned by flap_timers_) ends the cycle when cancelled.
    auto tick = std::make_shared<std::function<void()>>();
    *tick = [this, timer, announced, gen, weak = std::weak_ptr<std::function<void()>>(tick)] {
      timer->expires_after(std::chrono::milliseconds(gen->flap_interval_ms));
      timer->async_wait([this, announced, gen, weak](boost::system::error_code ec) {
        auto again = weak.lock();
        if (ec || !again) {
          return;
        }
        *announced = !*announced;
        auto tables = local_tables(gen->to);
        for (std::uint32_t i = 0; i < gen->count; ++i) {
          set_local(nth_prefix(gen->base, i), tables, *announced ? &gen->attributes : nullptr);
        }
        log::info("generator {}: {} {} prefixes", gen->base.to_string(),
                  *announced ? "announced" : "withdrew", gen->count);
        (*again)();
      });
    };
    flap_ticks_.push_back(tick);
    (*tick)();
  }
}

}  // namespace msee::speaker
