// In-process pipeline micro-benchmark (no sockets): the stages a route goes through inside
// msee-emu, timed separately, so docs/performance.md can say where the time goes.
//   decode : wire::decode of pre-encoded UPDATEs (1000 /24s each)
//   ingest : AttrStore::intern + LocRib::update for every prefix
//   export : best lookup + export_attributes + pack_updates + wire::encode, all prefixes
// Usage: micro_bench [prefixes] [runs]   (default 1000000, 3)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "rib/export.hpp"
#include "rib/loc_rib.hpp"

using namespace msee;
namespace wire = msee::bgp::wire;
using Clock = std::chrono::steady_clock;

namespace {
long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  return -1;
}
double secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  wire::EncodeContext ectx;
  ectx.four_octet_as = true;
  wire::DecodeContext dctx;
  dctx.four_octet_as = true;

  // Pre-encode the input stream, as a sender would.
  std::vector<wire::Bytes> stream;
  for (std::size_t i = 0; i < n; i += 1000) {
    wire::UpdateMessage u;
    u.attributes.origin = wire::Origin::Igp;
    u.attributes.as_path = wire::AsPath{{{wire::AsSegmentType::AsSequence, {65001, 4200000001u}}}};
    u.attributes.next_hop = wire::IpAddress::v4(0xC0000201);
    for (std::size_t j = i; j < std::min(n, i + 1000); ++j) {
      auto base = static_cast<std::uint32_t>((1u << 24) + (j << 8));
      u.nlri.push_back(wire::Prefix{wire::IpAddress::v4(base), 24});
    }
    stream.push_back(wire::encode(u, ectx));
  }
  std::printf("micro_bench: %zu prefixes in %zu UPDATEs, %d runs\n", n, stream.size(), runs);
  std::printf("%-4s %10s %10s %10s %12s %12s\n", "run", "decode s", "ingest s", "export s",
              "table B/rt", "rss B/rt");
  for (int r = 1; r <= runs; ++r) {
    long rss0 = rss_kb();
    rib::AttrStore store;
    rib::LocRib rib(store);
    rib.set_peer(1, rib::PeerInfo{0, true, 1, wire::IpAddress::v4(1)});
    std::size_t decoded = 0;
    std::vector<wire::UpdateMessage> updates;
    updates.reserve(stream.size());
    auto t0 = Clock::now();
    for (const auto& b : stream) {
      auto m = wire::decode(b, dctx);
      if (!m) {
        std::fprintf(stderr, "decode failed: %s\n", m.error().reason.c_str());
        return 1;
      }
      auto& u = std::get<wire::UpdateMessage>(*m);
      decoded += u.nlri.size();
      updates.push_back(std::move(u));
    }
    auto t1 = Clock::now();
    for (auto& u : updates) {
      auto id = store.intern(u.attributes);
      for (std::size_t i = 1; i < u.nlri.size(); ++i) {
        store.ref(id);
      }
      rib.update_all(u.nlri, 1, id, [](const wire::Prefix&) {});
    }
    auto t2 = Clock::now();
    updates.clear();
    updates.shrink_to_fit();
    long rss1 = rss_kb();
    std::vector<wire::Prefix> all;
    all.reserve(rib.size(wire::kIpv4Unicast));
    rib.for_each_best(wire::kIpv4Unicast,
                      [&](const wire::Prefix& p, const rib::Path&) { all.push_back(p); });
    std::size_t bytes = 0;
    auto t3 = Clock::now();
    for (std::size_t i = 0; i < all.size(); i += 4096) {
      std::vector<wire::Prefix> batch(all.begin() + static_cast<std::ptrdiff_t>(i),
                                      all.begin() + static_cast<std::ptrdiff_t>(
                                                        std::min(all.size(), i + 4096)));
      std::vector<wire::Prefix> group;
      rib::AttrId attr = rib::kNoAttr;
      for (const auto& p : batch) {
        attr = rib.best(p)->attr;
        group.push_back(p);
      }
      auto exported = rib::export_attributes(store.get(attr), {65000, 65100, true});
      for (auto& u : rib::pack_updates(wire::kIpv4Unicast, group, exported,
                                       wire::IpAddress::v4(0xC0000202), std::nullopt, ectx)) {
        bytes += wire::encode(u, ectx).size();
      }
    }
    auto t4 = Clock::now();
    std::printf("%-4d %10.3f %10.3f %10.3f %12.1f %12.1f\n", r, secs(t0, t1), secs(t1, t2),
                secs(t3, t4), static_cast<double>(rib.memory_bytes()) / static_cast<double>(n),
                static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(n));
    if (decoded != n || rib.size(wire::kIpv4Unicast) != n || bytes == 0) {
      std::fprintf(stderr, "wrong counts: decoded %zu, rib %zu\n", decoded,
                   rib.size(wire::kIpv4Unicast));
      return 1;
    }
  }
  return 0;
}
