// EventLog: builds each event as nlohmann::json and writes it as one line, stamped with the
// logger's ISO 8601 time (util/log.hpp) so events and log lines compare as text.
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <iterator>

#include "speaker/event_log.hpp"
#include "bgp/wire/codec.hpp"
#include "util/log.hpp"

namespace msee::speaker {
namespace {
// Ordered, so that every line starts with time, event, peer.
using json = nlohmann::ordered_json;
namespace wire = bgp::wire;

json base(const char* event, std::string_view peer) {
  return json{{"time", log::timestamp()}, {"event", event}, {"peer", std::string(peer)}};
}

// An event's peer, or an operator action's subject: what `--peer` filters on.
std::string who(const json& j) {
  return j.contains("peer") ? j.value("peer", "") : j.value("subject", "");
}

const char* origin_name(wire::Origin o) {
  switch (o) {
    case wire::Origin::Igp: return "igp";
    case wire::Origin::Egp: return "egp";
    case wire::Origin::Incomplete: return "incomplete";
  }
  return "?";
}

const char* down_kind(bgp::fsm::SessionDown::Kind k) {
  using K = bgp::fsm::SessionDown::Kind;
  switch (k) {
    case K::ManualStop: return "ManualStop";
    case K::AutomaticStop: return "AutomaticStop";
    case K::NotificationSent: return "NotificationSent";
    case K::NotificationReceived: return "NotificationReceived";
    case K::HoldTimerExpired: return "HoldTimerExpired";
    case K::TransportClosed: return "TransportClosed";
  }
  return "?";
}

const char* action_name(wire::AttrAction a) {
  switch (a) {
    case wire::AttrAction::None: return "None";
    case wire::AttrAction::AttributeDiscard: return "AttributeDiscard";
    case wire::AttrAction::TreatAsWithdraw: return "TreatAsWithdraw";
    case wire::AttrAction::AfiSafiDisable: return "AfiSafiDisable";
    case wire::AttrAction::SessionReset: return "SessionReset";
  }
  return "?";
}
}  // namespace

EventLog::~EventLog() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

bool EventLog::open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "a");
  return file_ != nullptr;
}

void EventLog::write_line(const std::string& object, std::string_view event,
                          std::string_view peer) {
  // Every event is a JSON object: the sequence number goes in as its last member.
  std::lock_guard lock(mutex_);
  auto seq = next_seq_++;
  std::string line = object.substr(0, object.size() - 1) + fmt::format(",\"seq\":{}}}", seq);
  if (file_ != nullptr) {
    std::fputs(line.c_str(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  }
  auto& ring = event == "route" ? routes_ : ring_;
  if (ring.size() == kCapacity) {
    ring.pop_front();
  }
  ring.push_back({seq, std::string(event), std::string(peer), std::move(line)});
}

bool EventLog::Filter::matches(const Entry& e) const {
  auto in = [](const std::vector<std::string>& set, const std::string& v) {
    return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
  };
  return in(events, e.event) && in(peers, e.peer);
}

std::vector<const EventLog::Entry*> EventLog::after(std::uint64_t after, std::size_t max,
                                                    const Filter& filter) const {
  // Merge the two rings (each in seq order) from the first seq > after.
  auto by_seq = [](const Entry& e, std::uint64_t s) { return e.seq < s; };
  auto a = std::lower_bound(ring_.begin(), ring_.end(), after + 1, by_seq);
  auto r = std::lower_bound(routes_.begin(), routes_.end(), after + 1, by_seq);
  std::vector<const Entry*> out;
  while (out.size() < max && (a != ring_.end() || r != routes_.end())) {
    const Entry& e = (r == routes_.end() || (a != ring_.end() && a->seq < r->seq)) ? *a++ : *r++;
    if (filter.matches(e)) {
      out.push_back(&e);
    }
  }
  return out;
}

std::vector<const EventLog::Entry*> EventLog::newest(std::uint64_t before, std::size_t max,
                                                     const Filter& filter) const {
  // Walk both rings backwards from the last seq < before, then put the result in seq order.
  auto by_seq = [](const Entry& e, std::uint64_t s) { return e.seq < s; };
  std::uint64_t bound = before == 0 ? next_seq_ : before;
  auto a = std::lower_bound(ring_.begin(), ring_.end(), bound, by_seq);
  auto r = std::lower_bound(routes_.begin(), routes_.end(), bound, by_seq);
  std::vector<const Entry*> out;
  while (out.size() < max && (a != ring_.begin() || r != routes_.begin())) {
    bool take_a = r == routes_.begin() ||
                  (a != ring_.begin() && std::prev(a)->seq > std::prev(r)->seq);
    const Entry& e = take_a ? *--a : *--r;
    if (filter.matches(e)) {
      out.push_back(&e);
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void EventLog::admin(std::string_view event, std::string_view subject, Fields fields) {
  json j{{"time", log::timestamp()},
         {"event", std::string(event)},
         {"subject", std::string(subject)}};
  for (const auto& [k, v] : fields) {
    j[std::string(k)] = std::string(v);
  }
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::session_state(std::string_view peer, const wire::IpAddress& address,
                             bgp::fsm::State from, bgp::fsm::State to) {
  auto j = base("session", peer);
  j["address"] = address.to_string();
  j["from"] = bgp::fsm::to_string(from);
  j["to"] = bgp::fsm::to_string(to);
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::established(std::string_view peer, const bgp::fsm::Negotiated& n) {
  auto j = base("established", peer);
  j["holdTime"] = n.hold_time;
  j["keepalive"] = n.keepalive_time;
  j["fourOctetAs"] = n.four_octet_as;
  j["extendedMessage"] = n.extended_message;
  j["routeRefresh"] = n.route_refresh;
  j["enhancedRouteRefresh"] = n.enhanced_route_refresh;
  j["peerGracefulRestart"] = n.peer_graceful_restart.has_value();  // what the peer advertised
  json fams = json::array();
  for (auto f : n.families) fams.push_back(wire::to_string(f));
  j["families"] = fams;
  j["peerAsn"] = n.peer_as;
  j["peerRouterId"] = wire::IpAddress::v4(n.peer_id).to_string();
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::session_down(std::string_view peer, const bgp::fsm::SessionDown& down) {
  auto j = base("session-down", peer);
  j["kind"] = down_kind(down.kind);
  j["wasEstablished"] = down.was_established;
  j["reason"] = down.reason;
  if (down.notification) {
    const auto& n = *down.notification;
    json nj{{"code", n.code},
            {"subcode", n.subcode},
            {"name", wire::error_name(n.code, n.subcode)},
            {"data", wire::to_hex(n.data)}};
    if (auto text = n.shutdown_communication()) {
      nj["message"] = *text;
    }
    j["notification"] = nj;
  }
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::route(std::string_view peer, bool announce, wire::AfiSafi family,
                     const wire::Prefix& prefix, const wire::PathAttributes* attrs,
                     const std::optional<wire::IpAddress>& next_hop) {
  auto j = base("route", peer);
  j["action"] = announce ? "announce" : "withdraw";
  j["family"] = wire::to_string(family);
  j["prefix"] = prefix.to_string();
  if (announce && attrs != nullptr) {
    j["nextHop"] = next_hop ? json(next_hop->to_string()) : json(nullptr);
    j["origin"] = attrs->origin ? json(origin_name(*attrs->origin)) : json(nullptr);
    json path = json::array();
    if (attrs->as_path) {
      for (const auto& seg : attrs->as_path->segments) {
        if (seg.type == wire::AsSegmentType::AsSequence) {
          for (auto a : seg.asns) path.push_back(a);
        } else {
          json set = json::array();
          for (auto a : seg.asns) set.push_back(a);
          path.push_back(set);
        }
      }
    }
    j["asPath"] = path;
    j["asPathText"] = attrs->as_path ? attrs->as_path->to_string() : "";
    j["med"] = attrs->med ? json(*attrs->med) : json(nullptr);
    j["localPref"] = attrs->local_pref ? json(*attrs->local_pref) : json(nullptr);
    j["atomicAggregate"] = attrs->atomic_aggregate;
    json comms = json::array(), large = json::array(), ext = json::array();
    for (auto c : attrs->communities) comms.push_back(wire::community_to_string(c));
    for (const auto& c : attrs->large_communities) large.push_back(c.to_string());
    for (const auto& c : attrs->ext_communities) ext.push_back(c.to_string());
    j["communities"] = comms;
    j["largeCommunities"] = large;
    j["extCommunities"] = ext;
    if (attrs->aggregator) {
      j["aggregator"] = fmt::format("{} {}", attrs->aggregator->asn,
                                    attrs->aggregator->address.to_string());
    }
    if (!attrs->unknown.empty()) {
      json unk = json::array();
      for (const auto& u : attrs->unknown) {
        unk.push_back({{"type", u.type}, {"flags", u.flags}, {"value", wire::to_hex(u.value)}});
      }
      j["unknownAttributes"] = unk;
    }
  }
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::end_of_rib(std::string_view peer, wire::AfiSafi family) {
  auto j = base("end-of-rib", peer);
  j["family"] = wire::to_string(family);
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::route_refresh(std::string_view peer, bool received,
                             const wire::RouteRefreshMessage& rr) {
  auto j = base("route-refresh", peer);
  j["direction"] = received ? "received" : "sent";
  j["family"] = wire::to_string(rr.afi_safi);
  switch (rr.subtype) {
    case wire::RouteRefreshSubtype::Normal: j["subtype"] = "normal"; break;
    case wire::RouteRefreshSubtype::BeginOfRouteRefresh: j["subtype"] = "borr"; break;
    case wire::RouteRefreshSubtype::EndOfRouteRefresh: j["subtype"] = "eorr"; break;
    default: j["subtype"] = static_cast<int>(rr.subtype); break;
  }
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::update_error(std::string_view peer, const wire::UpdateMessage& update) {
  auto j = base("update-error", peer);
  j["action"] = action_name(update.action);
  json issues = json::array();
  for (const auto& i : update.issues) {
    issues.push_back({{"type", i.type},
                      {"action", action_name(i.action)},
                      {"subcode", static_cast<int>(i.subcode)},
                      {"reason", i.reason}});
  }
  j["issues"] = issues;
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::note(std::string_view peer, std::string_view kind, std::string_view message) {
  auto j = base(std::string(kind).c_str(), peer);
  j["message"] = std::string(message);
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::prefix_limit(std::string_view peer, wire::AfiSafi family, std::string_view kind,
                            std::uint64_t count, std::uint32_t limit) {
  auto j = base("prefix-limit", peer);
  j["kind"] = std::string(kind);
  j["family"] = wire::to_string(family);
  j["count"] = count;
  j["limit"] = limit;
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::route_rejected(std::string_view peer, const wire::Prefix& prefix,
                              std::string_view reason, std::uint64_t total) {
  auto j = base("route-rejected", peer);
  j["prefix"] = prefix.to_string();
  j["reason"] = std::string(reason);
  j["total"] = total;
  write_line(j.dump(), j.value("event", ""), who(j));
}

void EventLog::bfd(std::string_view peer, std::string_view from, std::string_view to,
                   std::string_view diag) {
  auto j = base("bfd", peer);
  j["from"] = std::string(from);
  j["to"] = std::string(to);
  j["diagnostic"] = std::string(diag);
  write_line(j.dump(), j.value("event", ""), who(j));
}

}  // namespace msee::speaker
