// Import of one UPDATE (import.hpp): treat-as-withdraw, import policy, loop check, LOCAL_PREF.
#include "rib/import.hpp"

#include <algorithm>

namespace msee::rib {

namespace wire = bgp::wire;

bool path_holds_as(const wire::PathAttributes& attrs, wire::Asn asn, std::uint8_t allowed) {
  if (!attrs.as_path) {
    return false;
  }
  unsigned seen = 0;
  for (const auto& seg : attrs.as_path->segments) {
    seen += static_cast<unsigned>(std::count(seg.asns.begin(), seg.asns.end(), asn));
  }
  return seen > allowed;
}

ImportDelta import_update(wire::UpdateMessage&& update, const ImportContext& ctx) {
  ImportDelta d;
  d.withdrawn = std::move(update.withdrawn_routes);
  if (update.mp_unreach) {
    auto& more = update.mp_unreach->withdrawn;
    d.withdrawn.insert(d.withdrawn.end(), more.begin(), more.end());
  }
  std::vector<wire::Prefix> none;
  auto& mp_nlri = update.mp_reach ? update.mp_reach->nlri : none;
  // Every announced prefix goes to `to` instead of being stored.
  auto divert_announced = [&](std::vector<wire::Prefix>& to) {
    to.insert(to.end(), update.nlri.begin(), update.nlri.end());
    to.insert(to.end(), mp_nlri.begin(), mp_nlri.end());
  };
  if (update.action == wire::AttrAction::TreatAsWithdraw) {
    d.treat_as_withdraw = true;  // RFC 7606 §2
    divert_announced(d.withdrawn);
    return d;
  }
  auto& attrs = update.attributes;
  if (ctx.policy != nullptr) {
    // The policy may adjust the set in place (strip communities, private ASNs: MSEE R23).
    if (auto why = ctx.policy->attributes(attrs)) {
      d.attributes_refused = true;
      for (const auto* list : {&update.nlri, &mp_nlri}) {
        for (const auto& p : *list) {
          d.rejected.push_back({p, *why});
        }
      }
      return d;
    }
    auto keep = [&](std::vector<wire::Prefix>& prefixes) {
      std::erase_if(prefixes, [&](const wire::Prefix& p) {
        auto why = ctx.policy->prefix(p);
        if (why) {
          d.rejected.push_back({p, std::move(*why)});
        }
        return why.has_value();
      });
    };
    keep(update.nlri);
    keep(mp_nlri);
  }
  if (path_holds_as(attrs, ctx.local_as, ctx.allow_as_in)) {
    // RFC 4271 §9.1.2: a route whose AS_PATH holds our own AS is not considered; it still
    // replaces (withdraws) an earlier path of the peer for the prefix.
    d.loop = true;
    divert_announced(d.unfeasible);
    return d;
  }
  d.own_as_allowed = ctx.allow_as_in > 0 && path_holds_as(attrs, ctx.local_as, 0);
  if (ctx.ebgp) {
    attrs.local_pref.reset();  // RFC 7606 §7.5: LOCAL_PREF from an external peer is discarded
  }
  if (!update.nlri.empty()) {
    // The MP_REACH set below is built from this one: copy it then, else move it.
    Announced a{wire::kIpv4Unicast, std::move(update.nlri), {}};
    if (mp_nlri.empty()) {
      a.attributes = std::move(attrs);
    } else {
      a.attributes = attrs;
    }
    d.announced.push_back(std::move(a));
  }
  if (!mp_nlri.empty()) {
    // The MP_REACH next hop is part of the stored set (its NEXT_HOP field holds it).
    Announced a{update.mp_reach->afi_safi, std::move(mp_nlri), std::move(attrs)};
    a.attributes.next_hop = update.mp_reach->next_hop;
    d.announced.push_back(std::move(a));
  }
  return d;
}

}  // namespace msee::rib
