// AS_PATH (type 2) and AS4_PATH (type 17): reading and writing segments with 2- or 4-octet
// ASNs (RFC 4271 §4.3 b, RFC 5065 §3, RFC 6793 §3-§4), their RFC 7606 §7.2 / RFC 6793 §6
// malformation checks, and the RFC 6793 §4.2.3 reconciliation of AS_PATH with AS4_PATH and of
// AGGREGATOR with AS4_AGGREGATOR for an UPDATE from a 2-octet (OLD) peer. The attribute table
// (attributes.cpp) calls the decode/encode functions; the driver (update_codec.cpp) calls
// reconcile_as4() once the whole attribute list is read.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "bgp/wire/update_detail.hpp"

namespace msee::bgp::wire::detail {

namespace {

// ---------------------------------------------------------------------------------------------
// AS paths (RFC 4271 §4.3 b, RFC 5065 §3, RFC 6793 §3)

bool is_confed(AsSegmentType t) {
  return t == AsSegmentType::AsConfedSequence || t == AsSegmentType::AsConfedSet;
}

// RFC 4271 §9.1.2.2 a) and RFC 5065 §5.3, as RFC 6793 §4.2.3 asks for the comparison: an
// AS_SET counts 1, confederation segments count 0.
std::size_t path_count(const AsPath& p) {
  std::size_t n = 0;
  for (const auto& s : p.segments) {
    if (s.type == AsSegmentType::AsSequence) {
      n += s.asns.size();
    } else if (s.type == AsSegmentType::AsSet) {
      n += 1;
    }
  }
  return n;
}

bool holds_as0(const AsPath& p) {
  for (const auto& s : p.segments) {
    if (std::find(s.asns.begin(), s.asns.end(), Asn{0}) != s.asns.end()) {
      return true;
    }
  }
  return false;
}

bool has_wide_asn(const AsPath& p) {
  for (const auto& s : p.segments) {
    for (Asn a : s.asns) {
      if (a > 0xFFFF) {
        return true;
      }
    }
  }
  return false;
}

// RFC 7606 §7.2 (and RFC 6793 §6 for AS4_PATH): unknown segment type, zero-length segment,
// a segment overrunning the attribute, or a single stray octet after the last segment.
std::optional<Malformed> read_as_path(ByteReader& r, std::size_t asn_size, const char* name,
                                      UpdateSubcode subcode, AsPath& out) {
  while (!r.empty()) {
    const std::size_t at = r.offset();
    if (r.remaining() < 2) {
      return Malformed{subcode,
                       fmt::format("{}: {} octet left after the last segment, a segment header "
                                   "needs 2",
                                   name, r.remaining()),
                       at};
    }
    const std::uint8_t type = r.read_u8();
    const std::uint8_t count = r.read_u8();
    if (type < 1 || type > 4) {
      return Malformed{subcode, fmt::format("{}: unknown segment type {}", name, type), at};
    }
    if (count == 0) {
      return Malformed{subcode, fmt::format("{}: segment of length zero", name), at};
    }
    const std::size_t need = count * asn_size;
    if (r.remaining() < need) {
      return Malformed{subcode,
                       fmt::format("{}: segment of {} ASNs needs {} octets, {} left", name, count,
                                   need, r.remaining()),
                       at};
    }
    AsSegment seg;
    seg.type = static_cast<AsSegmentType>(type);
    seg.asns.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
      seg.asns.push_back(asn_size == 4 ? r.read_u32() : r.read_u16());
    }
    out.segments.push_back(std::move(seg));
  }
  return std::nullopt;
}

// Segments longer than 255 ASNs are split; empty segments are not representable and skipped.
// With 2-octet ASNs, ASNs that do not fit become AS_TRANS (RFC 6793 §4.2.2).
void write_as_path(ByteWriter& w, const AsPath& p, std::size_t asn_size, bool skip_confed) {
  for (const auto& s : p.segments) {
    if (skip_confed && is_confed(s.type)) {
      continue;
    }
    for (std::size_t start = 0; start < s.asns.size(); start += 255) {
      const std::size_t n = std::min<std::size_t>(255, s.asns.size() - start);
      w.u8(static_cast<std::uint8_t>(s.type));
      w.u8(static_cast<std::uint8_t>(n));
      for (std::size_t i = start; i < start + n; ++i) {
        const Asn a = s.asns[i];
        if (asn_size == 4) {
          w.u32(a);
        } else {
          w.u16(static_cast<std::uint16_t>(a > 0xFFFF ? kAsTrans : a));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 6793 §4.2.3: rebuilding the 4-octet AS path and aggregator from a 2-octet peer.

// Takes as many leading ASNs of `as_path` as AS4_PATH lacks and puts them in front of it.
// Confederation segments go along when leading or next to a prepended segment (§4.2.3).
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  std::size_t need = path_count(as_path) - path_count(as4_path);
  AsPath out;
  bool prev_whole = true;  // the start counts as "adjacent to a prepended segment"
  for (const auto& s : as_path.segments) {
    if (is_confed(s.type)) {
      if (!prev_whole) {
        break;
      }
      out.segments.push_back(s);
      continue;
    }
    if (need == 0) {
      break;
    }
    if (s.type == AsSegmentType::AsSet) {
      out.segments.push_back(s);
      need -= 1;
      continue;
    }
    const std::size_t take = std::min(need, s.asns.size());
    out.segments.push_back(AsSegment{
        s.type, std::vector<Asn>(s.asns.begin(),
                                 s.asns.begin() + static_cast<std::ptrdiff_t>(take))});
    need -= take;
    prev_whole = take == s.asns.size();
    if (!prev_whole) {
      break;
    }
  }
  for (const auto& s : as4_path.segments) {
    // One AS_SEQUENCE split across the two attributes is one sequence again (while it still
    // fits a segment, so that re-encoding gives the same segmentation).
    if (&s == &as4_path.segments.front() && !out.segments.empty() &&
        out.segments.back().type == AsSegmentType::AsSequence &&
        s.type == AsSegmentType::AsSequence &&
        out.segments.back().asns.size() + s.asns.size() <= 255) {
      auto& tail = out.segments.back().asns;
      tail.insert(tail.end(), s.asns.begin(), s.asns.end());
      continue;
    }
    out.segments.push_back(s);
  }
  return out;
}

}  // namespace

// --- AS_PATH (type 2), RFC 7606 §7.2; 2-octet ASNs unless both sides are NEW (RFC 6793 §4)
std::optional<Malformed> decode_as_path(const AttrDescriptor& d, ByteReader& v,
                                        DecodeState& st) {
  AsPath p;
  if (auto m = read_as_path(v, st.ctx.four_octet_as ? 4 : 2, d.name,
                            UpdateSubcode::MalformedAsPath, p)) {
    return m;
  }
  if (holds_as0(p)) {  // RFC 7607 §2: malformed, treat-as-withdraw (the descriptor's action)
    return Malformed{UpdateSubcode::MalformedAsPath,
                     fmt::format("{}: AS 0 in the path (RFC 7607)", d.name), {}};
  }
  st.msg.attributes.as_path = std::move(p);
  return std::nullopt;
}
bool encode_as_path(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w) {
  if (!m.attributes.as_path) {
    return false;
  }
  write_as_path(w, *m.attributes.as_path, ctx.four_octet_as ? 4 : 2, false);
  return true;
}

// --- AS4_PATH (type 17), RFC 6793 §4.1/§6: discarded from a NEW peer, kept for §4.2.3
// reconciliation from an OLD one; malformed → attribute discard.
std::optional<Malformed> decode_as4_path(const AttrDescriptor& d, ByteReader& v,
                                         DecodeState& st) {
  if (ignored_from_new_speaker(d, v, st)) {
    return std::nullopt;
  }
  AsPath p;
  if (auto m = read_as_path(v, 4, d.name, UpdateSubcode::OptionalAttributeError, p)) {
    return m;
  }
  if (holds_as0(p)) {
    // RFC 7607 §2: AS 0 in AS4_PATH is treat-as-withdraw, stronger than the attribute
    // discard RFC 6793 §6 gives other AS4_PATH errors.
    note(st, code(d), AttrAction::TreatAsWithdraw, UpdateSubcode::OptionalAttributeError,
         fmt::format("{}: AS 0 in the path (RFC 7607)", d.name));
    return std::nullopt;
  }
  // RFC 6793 §6: confederation segments must not appear in AS4_PATH; drop them and go on.
  const auto confed = [](const AsSegment& s) { return is_confed(s.type); };
  if (std::any_of(p.segments.begin(), p.segments.end(), confed)) {
    std::erase_if(p.segments, confed);
    note(st, code(d), AttrAction::AttributeDiscard, UpdateSubcode::OptionalAttributeError,
         fmt::format("{}: confederation segments discarded (RFC 6793 §6)", d.name));
  }
  st.as4_path = std::move(p);
  return std::nullopt;
}
bool encode_as4_path(const UpdateMessage& m, const EncodeContext& ctx, ByteWriter& w) {
  // RFC 6793 §4.2.2: only toward an OLD speaker, only when some ASN does not fit in 2 octets,
  // and without confederation segments.
  if (ctx.four_octet_as || !m.attributes.as_path || !has_wide_asn(*m.attributes.as_path)) {
    return false;
  }
  const std::size_t before = w.size();
  write_as_path(w, *m.attributes.as_path, 4, true);
  return w.size() != before;
}

// RFC 6793 §4.2.3: the AS path and aggregator of a 2-octet peer completed from AS4_PATH and
// AS4_AGGREGATOR (merge_as4_path above does the path).
void reconcile_as4(DecodeState& st) {
  if (!st.as4_path && !st.as4_aggregator) {
    return;
  }
  PathAttributes& a = st.msg.attributes;
  const auto as4_path_type = static_cast<std::uint8_t>(AttrType::As4Path);
  const auto as4_agg_type = static_cast<std::uint8_t>(AttrType::As4Aggregator);
  // RFC 6793 §4.2.3: AGGREGATOR and AS4_AGGREGATOR both present but AGGREGATOR holding a real
  // 2-octet ASN means an OLD speaker aggregated after the AS4 attributes were built, so both
  // are stale. (Without AS4_AGGREGATOR the rule does not apply: a NEW aggregator with a
  // 2-octet ASN sends no AS4_AGGREGATOR, and its AS4_PATH is valid.)
  if (a.aggregator && st.as4_aggregator && a.aggregator->asn != kAsTrans) {
    if (st.as4_path) {
      note(st, as4_path_type, AttrAction::None, UpdateSubcode::Unspecific,
           fmt::format("AS4_PATH: ignored, AGGREGATOR AS {} is not AS_TRANS (RFC 6793 §4.2.3)",
                       a.aggregator->asn));
    }
    if (st.as4_aggregator) {
      note(st, as4_agg_type, AttrAction::None, UpdateSubcode::Unspecific,
           fmt::format("AS4_AGGREGATOR: ignored, AGGREGATOR AS {} is not AS_TRANS "
                       "(RFC 6793 §4.2.3)",
                       a.aggregator->asn));
    }
    return;
  }
  if (st.as4_aggregator) {
    if (a.aggregator) {
      a.aggregator = st.as4_aggregator;
    } else {
      note(st, as4_agg_type, AttrAction::None, UpdateSubcode::Unspecific,
           "AS4_AGGREGATOR: ignored, no AGGREGATOR to complete");
    }
  }
  if (st.as4_path) {
    if (!a.as_path) {
      note(st, as4_path_type, AttrAction::None, UpdateSubcode::Unspecific,
           "AS4_PATH: ignored, no AS_PATH to complete");
    } else if (path_count(*a.as_path) < path_count(*st.as4_path)) {
      note(st, as4_path_type, AttrAction::None, UpdateSubcode::Unspecific,
           fmt::format("AS4_PATH: ignored, {} ASNs is more than the {} of AS_PATH "
                       "(RFC 6793 §4.2.3)",
                       path_count(*st.as4_path), path_count(*a.as_path)));
    } else {
      a.as_path = merge_as4_path(*a.as_path, *st.as4_path);
    }
  }
}

}  // namespace msee::bgp::wire::detail
