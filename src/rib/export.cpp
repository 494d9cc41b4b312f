// Export attribute rewriting and UPDATE packing (see export.hpp).
#include "rib/export.hpp"

#include <algorithm>

namespace msee::rib {

namespace wire = bgp::wire;

bool exportable(const ExportRule& rule, const Path& best, const wire::Prefix& prefix) {
  if (best.peer == rule.self) {
    return false;
  }
  if (best.peer == kLocalPeer) {
    return rule.local == nullptr || rule.local->allows(prefix, rule.self);
  }
  if (rule.export_from != nullptr && !rule.export_from->empty()) {
    return rule.export_from->count(best.peer) > 0;
  }
  return rule.export_routes;
}

std::optional<wire::IpAddress> export_next_hop(wire::AfiSafi family,
                                               const std::optional<wire::IpAddress>& configured_v4,
                                               const std::optional<wire::IpAddress>& configured_v6,
                                               const std::optional<wire::IpAddress>& local) {
  if (family.afi == wire::Afi::Ipv4) {
    return configured_v4 ? configured_v4 : (local && local->is_v4() ? local : std::nullopt);
  }
  return configured_v6 ? configured_v6 : (local && local->is_v6() ? local : std::nullopt);
}

wire::PathAttributes export_attributes(const wire::PathAttributes& attrs,
                                       const ExportContext& ctx) {
  wire::PathAttributes out = attrs;
  if (!out.origin) {
    out.origin = wire::Origin::Igp;
  }
  if (!out.as_path) {
    out.as_path = wire::AsPath{};
  }
  if (ctx.ebgp()) {
    auto& segs = out.as_path->segments;
    if (ctx.remove_private_as) {
      // MSEE: R23 — Cisco remove-private-as: only a path made of private ASNs alone is
      // emptied; a path with any public ASN keeps its private members.
      bool all_private = !segs.empty();
      for (const auto& seg : segs) {
        all_private = all_private && std::all_of(seg.asns.begin(), seg.asns.end(),
                                                 wire::is_private_asn);
      }
      if (all_private) {
        segs.clear();
      }
    }
    // RFC 4271 §5.1.2 b)
    if (!segs.empty() && segs.front().type == wire::AsSegmentType::AsSequence &&
        segs.front().asns.size() < 255) {
      segs.front().asns.insert(segs.front().asns.begin(), ctx.local_as);
    } else {
      segs.insert(segs.begin(), wire::AsSegment{wire::AsSegmentType::AsSequence, {ctx.local_as}});
    }
    // Extra prepends (maintenance drain, R64) go into the same leading sequence.
    auto& lead = segs.front().asns;
    for (std::uint8_t i = 0; i < ctx.extra_prepends && lead.size() < 255; ++i) {
      lead.insert(lead.begin(), ctx.local_as);
    }
    // RFC 4271 §5.1.5: "MUST NOT include this attribute in UPDATE messages it sends to
    // external peers".
    out.local_pref.reset();
    // RFC 4271 §5.1.4: "MUST NOT be propagated to other neighboring ASes".
    if (ctx.learned_from_ebgp) {
      out.med.reset();
    }
    // RFC 4456 §8: ORIGINATOR_ID and CLUSTER_LIST are not sent outside the AS.
    out.originator_id.reset();
    out.cluster_list.clear();
  } else if (!out.local_pref) {
    out.local_pref = 100;
  }
  // RFC 4271 §5: optional non-transitive attributes we do not understand are not passed on.
  std::erase_if(out.unknown, [](const wire::RawAttribute& a) {
    return (a.flags & wire::kFlagOptional) == 0 || (a.flags & wire::kFlagTransitive) == 0;
  });
  return out;
}

namespace {

// Largest octet count one prefix of this family can take in NLRI.
std::size_t max_prefix_octets(wire::AfiSafi family) {
  return family.afi == wire::Afi::Ipv4 ? 5 : 17;
}

template <class Fill>
std::vector<wire::UpdateMessage> pack(const wire::UpdateMessage& base,
                                      const std::vector<wire::Prefix>& prefixes,
                                      wire::AfiSafi family, const wire::EncodeContext& ctx,
                                      Fill fill) {
  std::vector<wire::UpdateMessage> out;
  std::size_t overhead = wire::encoded_update_size(base, ctx);
  std::size_t room = ctx.max_message_size() > overhead ? ctx.max_message_size() - overhead : 0;
  std::size_t per = std::max<std::size_t>(1, room / max_prefix_octets(family));
  for (std::size_t i = 0; i < prefixes.size(); i += per) {
    wire::UpdateMessage u = base;
    auto end = std::min(prefixes.size(), i + per);
    fill(u, prefixes.begin() + static_cast<std::ptrdiff_t>(i),
         prefixes.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace

std::vector<wire::UpdateMessage> pack_updates(
    wire::AfiSafi family, const std::vector<wire::Prefix>& prefixes,
    const wire::PathAttributes& attrs, const wire::IpAddress& next_hop,
    const std::optional<wire::IpAddress>& link_local_next_hop, const wire::EncodeContext& ctx) {
  wire::UpdateMessage base;
  base.attributes = attrs;
  bool classic = family == wire::kIpv4Unicast;
  if (classic) {
    base.attributes.next_hop = next_hop;
  } else {
    base.attributes.next_hop.reset();
    base.mp_reach = wire::MpReachNlri{family, next_hop, link_local_next_hop, {}};
  }
  return pack(base, prefixes, family, ctx, [classic](wire::UpdateMessage& u, auto b, auto e) {
    if (classic) {
      u.nlri.assign(b, e);
    } else {
      u.mp_reach->nlri.assign(b, e);
    }
  });
}

std::vector<wire::UpdateMessage> pack_withdrawals(wire::AfiSafi family,
                                                  const std::vector<wire::Prefix>& prefixes,
                                                  const wire::EncodeContext& ctx) {
  wire::UpdateMessage base;
  bool classic = family == wire::kIpv4Unicast;
  if (!classic) {
    base.mp_unreach = wire::MpUnreachNlri{family, {}};
  }
  return pack(base, prefixes, family, ctx, [classic](wire::UpdateMessage& u, auto b, auto e) {
    if (classic) {
      u.withdrawn_routes.assign(b, e);
    } else {
      u.mp_unreach->withdrawn.assign(b, e);
    }
  });
}

}  // namespace msee::rib
