// REST API handlers of routes: Azure's route table and neighbour summary of one MSEE (R82,
// R83), a session's received/advertised routes with their attributes (msee-ctl routes), the
// event log, and the RFC 6396 TABLE_DUMP_V2 snapshot. Routed from handle_api_request
// (router.cpp).
#include <fmt/core.h>

#include "api/detail_json.hpp"
#include "api/rows_json.hpp"
#include "msee/views.hpp"
#include "util/text.hpp"

namespace msee::api::detail {

namespace wire = bgp::wire;

namespace {

json attributes_json(const wire::PathAttributes& a, const wire::IpAddress& next_hop) {
  json j{{"nextHop", next_hop.to_string()},
         {"asPath", a.as_path ? a.as_path->to_string() : ""},
         {"origin", !a.origin                           ? ""
                    : *a.origin == wire::Origin::Igp ? "igp"
                    : *a.origin == wire::Origin::Egp ? "egp"
                                                     : "incomplete"}};
  if (a.med) {
    j["med"] = *a.med;
  }
  if (a.local_pref) {
    j["localPref"] = *a.local_pref;
  }
  json comms = json::array();
  for (auto c : a.communities) {
    comms.push_back(fmt::format("{}:{}", c >> 16, c & 0xffff));
  }
  j["communities"] = comms;
  return j;
}

wire::AfiSafi unicast(const msee::SessionPlan& s) {
  return s.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
}

}  // namespace

// MSEE: R82 — `az network express-route list-route-tables --path primary|secondary`: the
// customer's routes as the MSEE holds them, plus Azure's own, in az's field names and types.
ApiResponse route_table(const Call& c) {
  auto found = find_session(c.emu, c.param("circuit"), c.param("peering"), c.target);
  if (auto* e = std::get_if<ApiResponse>(&found)) {
    return *e;
  }
  const auto& s = *std::get<const msee::SessionPlan*>(found);
  std::vector<msee::ReceivedRoute> received;
  // The walk runs on the session's protocol thread, the others go on (issue #15).
  c.emu.on_shards({c.emu.shard_of(s.circuit_index)}, [&](std::size_t) {
    const auto& speaker = c.emu.speaker_of(s);
    const auto* peer = speaker.find_peer(s.name);
    if (peer == nullptr) {
      return;
    }
    const auto& rib = speaker.rib_of(*peer);
    received.reserve(rib.count(speaker.peer_id(*peer), unicast(s)));
    rib.for_each_path(
        speaker.peer_id(*peer), unicast(s), [&](const wire::Prefix& p, const rib::Path& path) {
          const auto& a = rib.store().get(path.attr);
          received.push_back({p, a.next_hop.value_or(s.ce_address),
                              a.as_path ? a.as_path->to_string() : ""});
        });
  });
  // Up to 10,000 rows (R36, Premium) and Azure's own: written directly, not as a json tree.
  // What needs the emulator is copied here (the walk above, Azure's rows); sorting and
  // writing the rows, most of the cost, need only those copies.
  auto render = [received = std::move(received),
                 azure = msee::route_table_azure(c.emu.config(), c.emu.plan(), s)]() mutable {
    auto rows = msee::route_table(received, std::move(azure));
    JsonRows out(rows.size());
    for (const auto& r : rows) {
      out.begin_row();
      out.field("network", r.network);
      out.field("nextHop", r.next_hop);
      out.field("locPrf", r.loc_prf);
      out.field("weight", std::uint64_t{r.weight});
      out.field("path", r.path);
      out.end_row();
    }
    return std::move(out).finish();
  };
  if (c.defer_render) {
    ApiResponse r;
    r.render = std::move(render);
    return r;
  }
  return {200, "application/json", render()};
}

// MSEE: R83 — `list-route-tables-summary`: the CE neighbour (and, on private peering, the VNet
// gateways) with Cisco-style up/down and statePfxRcd, in az's field names and types.
ApiResponse route_table_summary(const Call& c) {
  auto found = find_session(c.emu, c.param("circuit"), c.param("peering"), c.target);
  if (auto* e = std::get_if<ApiResponse>(&found)) {
    return *e;
  }
  const auto& s = *std::get<const msee::SessionPlan*>(found);
  msee::SessionState st;
  // From the status board: no wait for the session's protocol thread (issue #15).
  auto status = c.emu.session_status(static_cast<std::size_t>(&s - c.emu.plan().sessions.data()));
  if (status.present) {
    st.established = status.state == bgp::fsm::State::Established;
    st.state = bgp::fsm::to_string(status.state);
    st.prefixes_received = status.accepted;
    st.since_change = since(status.stats.last_state_change);
  } else {
    st.state = "Idle";  // peering Disabled: no session
  }
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - c.started);
  json value = json::array();
  for (const auto& r : msee::route_table_summary(c.emu.config(), s, st, uptime)) {
    value.push_back({{"neighbor", r.neighbor},
                     {"v", r.v},
                     {"as", r.as},
                     {"upDown", r.up_down},
                     {"statePfxRcd", r.state_pfx_rcd}});
  }
  return ok(json{{"value", std::move(value)}});
}

// `msee-ctl routes --received|--advertised`: the session's Adj-RIB-In (as accepted into the
// Loc-RIB, after inbound policy) or Adj-RIB-Out (after export policy), with attributes.
ApiResponse routes(const Call& c) {
  auto found = find_session(c.emu, c.param("circuit"), c.param("peering"), c.target);
  if (auto* e = std::get_if<ApiResponse>(&found)) {
    return *e;
  }
  const auto& s = *std::get<const msee::SessionPlan*>(found);
  const auto& t = c.target;
  auto dir = t.query.count("direction") != 0 ? util::lower(t.query.at("direction")) : "received";
  if (dir != "received" && dir != "advertised") {
    return error(400, "InvalidParameter", "direction must be received or advertised");
  }
  std::size_t limit = 100000;
  if (t.query.count("limit") != 0) {
    auto n = parse_count(t.query.at("limit"));
    if (!n) {
      return error(400, "InvalidParameter", "limit must be a non-negative integer");
    }
    limit = *n;
  }
  const auto& speaker = c.emu.speaker_of(s);
  const auto* peer = speaker.find_peer(s.name);
  json value = json::array();
  std::size_t total = 0;
  if (peer != nullptr && dir == "received") {
    const auto& rib = speaker.rib_of(*peer);
    rib.for_each_path(
        speaker.peer_id(*peer), unicast(s), [&](const wire::Prefix& p, const rib::Path& path) {
          if (++total > limit) {
            return;
          }
          const auto& a = rib.store().get(path.attr);
          auto j = attributes_json(a, a.next_hop.value_or(s.ce_address));
          j["prefix"] = p.to_string();
          value.push_back(std::move(j));
        });
  } else if (peer != nullptr) {
    speaker.for_each_advertised(*peer, unicast(s),
                                [&](const wire::Prefix& p, const wire::PathAttributes& a,
                                    const wire::IpAddress& nh) {
                                  if (++total > limit) {
                                    return;
                                  }
                                  auto j = attributes_json(a, nh);
                                  j["prefix"] = p.to_string();
                                  value.push_back(std::move(j));
                                });
  }
  return ok(json{{"session", s.name}, {"direction", dir}, {"total", total}, {"value", value}});
}

// The event log: the newest events (`last`, paged with `before`), or those since a sequence
// number (`after`), filtered by `type` and `peer`. The server turns `wait` into a long poll
// (server.cpp); this answers at once.
ApiResponse events(const Call& c) {
  const auto& log = c.emu.events();
  const auto& t = c.target;
  for (const char* key : {"after", "before", "limit", "last", "wait"}) {
    if (t.query.count(key) != 0 && !parse_count(t.query.at(key))) {
      return error(400, "InvalidParameter",
                   std::string(key) + " must be a non-negative integer");
    }
  }
  auto count = [&](const char* key, std::uint64_t otherwise) {
    return t.query.count(key) != 0 ? *parse_count(t.query.at(key)) : otherwise;
  };
  if (t.query.count("after") != 0 &&
      (t.query.count("last") != 0 || t.query.count("before") != 0)) {
    return error(400, "InvalidParameter", "after cannot be combined with last or before");
  }
  // type=session-down,prefix-limit and peer=NAME,...: comma-separated, any of them.
  speaker::EventLog::Filter filter;
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (t.query.count(key) == 0) {
      return;
    }
    std::string_view v = t.query.at(key);
    while (!v.empty()) {
      auto comma = v.find(',');
      if (auto item = v.substr(0, comma); !item.empty()) {
        out.emplace_back(item);
      }
      v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
    }
  };
  list("type", filter.events);
  list("peer", filter.peers);
  // `after` (--follow): the matching events after SEQ, oldest first, at most `limit`. Otherwise
  // the newest `last` (or `limit`) matching events before `before`, the default read.
  bool following = t.query.count("after") != 0;
  auto after = count("after", 0);
  auto entries =
      following ? log.after(after, count("limit", 1000), filter)
                : log.newest(count("before", 0), count("last", count("limit", 1000)), filter);
  // Each entry is already a JSON object: splice the lines instead of re-parsing them. (The
  // server's long poll looks for this exact "{\"value\":[]" prefix.)
  std::string body = "{\"value\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      body += ",\n";
    }
    body += entries[i]->line;
  }
  // `last`: the sequence number to ask `after` next time: where a full page stopped, else the
  // end of the log (also for an `after` beyond it, e.g. from before a restart, so the client
  // resynchronises). `first`: the oldest returned, to page back with `before`.
  auto limit = count("limit", 1000);
  std::uint64_t next = following && entries.size() == limit && limit > 0 ? entries.back()->seq
                                                                          : log.last_seq();
  body += fmt::format("],\"last\":{}", next);
  if (!entries.empty()) {
    body += fmt::format(",\"first\":{}", entries.front()->seq);
  }
  body += "}\n";
  return {200, "application/json", body};
}

// RFC 6396 §4.3 TABLE_DUMP_V2 snapshot, to the file the daemon was told (--table-dump): the
// API never takes a path, so a client cannot write anywhere else.
ApiResponse table_dump(const Call& c) {
  auto d = c.emu.dump_tables_mrt(c.config.table_dump);
  if (!d) {
    return error(500, "TableDumpFailed", d.error());
  }
  // One file per protocol thread (Emulator::dump_tables_mrt); "path" is the first's.
  std::uint64_t prefixes = 0, entries = 0;
  json files = json::array();
  for (const auto& f : *d) {
    prefixes += f.prefixes;
    entries += f.entries;
    files.push_back(f.path);
  }
  return ok(json{{"path", d->front().path}, {"files", std::move(files)},
                 {"prefixes", prefixes}, {"entries", entries}});
}

}  // namespace msee::api::detail
