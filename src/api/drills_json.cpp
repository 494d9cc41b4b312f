// REST API handlers of the failover test (R68: list, start, stop, the result with BGP status
// and redundant / non-redundant routes) and of the drills' link endpoint (R64, Q7: BGP down/up
// and extra prepends on one link). Routed from handle_api_request (router.cpp).
#include <ctime>

#include "api/detail_json.hpp"
#include "msee/failover.hpp"

namespace msee::api::detail {

namespace {

// ISO 8601 UTC ("" for a time never set).
std::string iso_time(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) {
    return "";
  }
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// MSEE: R68 — a test with its status and result: BGP status, redundant and non-redundant
// routes before and during the simulation, and whether it succeeded.
json failover_json(const emulator::Emulator& emu, const msee::FailoverTest& t) {
  bool running = t.status == msee::FailoverStatus::Running;
  // While it runs, "during" is now.
  std::optional<msee::FailoverSnapshot> during =
      running ? std::optional<msee::FailoverSnapshot>(emu.snapshot(t.circuit)) : t.during;
  json bgp = json::array();
  if (t.before) {
    for (const auto& s : t.before->sessions) {
      std::string now = "";
      if (during) {
        for (const auto& d : during->sessions) {
          if (d.name == s.name) {
            now = d.established ? "Established" : "Down";
          }
        }
      }
      bgp.push_back({{"session", s.name},
                     {"linkType", s.path == msee::LinkPath::Primary ? "Primary" : "Secondary"},
                     {"before", s.established ? "Established" : "Down"},
                     {"during", now}});
    }
  }
  json routes = json::object();
  json non_redundant = json::array();
  if (t.before) {
    auto b = msee::route_redundancy(*t.before);
    routes["redundantRoutesBefore"] = b.redundant;
    routes["nonRedundantRoutesBefore"] = b.non_redundant;
  }
  if (during) {
    auto d = msee::route_redundancy(*during);
    routes["redundantRoutesDuring"] = d.redundant;
    routes["nonRedundantRoutesDuring"] = d.non_redundant;
    for (const auto& p : d.non_redundant_prefixes) {
      non_redundant.push_back(p.to_string());
    }
  }
  msee::FailoverTest probe = t;
  probe.during = during;
  return json{{"circuit", t.circuit},
              {"linkType", t.link == msee::LinkPath::Primary ? "Primary" : "Secondary"},
              {"testCategory", std::string(msee::to_string(t.category))},
              {"status", std::string(msee::to_string(t.status))},
              {"startTime", iso_time(t.start_time)},
              {"endTime", iso_time(t.end_time)},
              {"durationSeconds", t.duration.count()},
              {"prepends", t.category == msee::FailoverCategory::ASPathPrepend ? t.prepends : 0},
              {"wasSimulationSuccessful", during ? msee::was_simulation_successful(probe) : false},
              {"bgpStatus", bgp},
              {"routes", routes},
              {"nonRedundantPrefixesDuring", non_redundant},
              {"message", t.message}};
}

// POST /v1/circuits/C/failoverTests/start|stop {"linkType", "category", "durationSeconds"}
ApiResponse failover(emulator::Emulator& emu, const std::string& circuit, std::string_view action,
                     const std::string& body) {
  auto j = json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return error(400, "InvalidRequestFormat", "the body must be a JSON object such as "
                                              "{\"linkType\": \"Primary\"}");
  }
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  auto link = j.contains("linkType") && j["linkType"].is_string()
                  ? msee::link_type(j["linkType"].get<std::string>())
                  : std::nullopt;
  if (!link) {
    return error(400, "InvalidParameter", "/linkType must be \"Primary\" or \"Secondary\"");
  }
  if (action == "stop") {
    auto r = emu.stop_failover_test(circuit, *link);
    if (!r) {
      return error(409, "Conflict", r.error());
    }
    return ok(failover_json(emu, **r));
  }
  auto cat_text = j.value("category", j.value("testCategory", std::string("BgpDisconnect")));
  auto category = msee::failover_category(cat_text);
  if (!category) {
    return error(400, "InvalidParameter",
                 "/category must be \"BgpDisconnect\" or \"ASPathPrepend\", not \"" + cat_text + "\"");
  }
  std::uint64_t duration = 0;
  if (j.contains("durationSeconds")) {
    if (!j["durationSeconds"].is_number_unsigned() || j["durationSeconds"].get<std::uint64_t>() > 86400) {
      return error(400, "InvalidParameter", "/durationSeconds must be 0..86400 (0: until stopped)");
    }
    duration = j["durationSeconds"].get<std::uint64_t>();
  }
  std::uint64_t prepends = 3;
  if (j.contains("prepends")) {
    if (!j["prepends"].is_number_unsigned() || j["prepends"].get<std::uint64_t>() < 1 ||
        j["prepends"].get<std::uint64_t>() > 10) {
      return error(400, "InvalidParameter", "/prepends must be 1..10");
    }
    prepends = j["prepends"].get<std::uint64_t>();
  }
  auto r = emu.start_failover_test(circuit, *link, *category, std::chrono::seconds(duration),
                                   static_cast<std::uint8_t>(prepends));
  if (!r) {
    return error(409, "Conflict", r.error());
  }
  return ok(failover_json(emu, **r));
}

json link_drill_json(const emulator::Emulator& emu, const std::string& circuit, msee::LinkPath link) {
  auto d = emu.link_drill(circuit, link);
  return json{{"circuit", circuit},
              {"linkType", link == msee::LinkPath::Primary ? "Primary" : "Secondary"},
              {"bgpState", d.bgp_down ? "Down" : "Up"},
              {"asPathPrepend", d.prepends}};
}

}  // namespace

// MSEE: R68 — the circuit's failover tests, running or finished, with their results.
ApiResponse list_failover_tests(const Call& c) {
  const auto& circuit = c.param("circuit");
  if (c.emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  json value = json::array();
  for (const auto& ft : c.emu.failover_tests()) {
    if (ft.circuit == circuit) {
      value.push_back(failover_json(c.emu, ft));
    }
  }
  return ok(json{{"value", std::move(value)}});
}

ApiResponse start_failover_test(const Call& c) {
  return failover(c.emu, c.param("circuit"), "start", c.request.body);
}

ApiResponse stop_failover_test(const Call& c) {
  return failover(c.emu, c.param("circuit"), "stop", c.request.body);
}

// GET|PATCH /v1/circuits/C/links/Primary|Secondary {"bgpState": "Down"|"Up", "asPathPrepend": N}
// — the drills' fault injection on one link (MSEE: R64, Q7). Not an Azure API.
ApiResponse link_drill(const Call& c) {
  auto& emu = c.emu;
  const auto& circuit = c.param("circuit");
  const auto& link_text = c.param("link");
  const auto& body = c.request.body;
  auto link = msee::link_type(link_text);
  if (!link) {
    return error(404, "NotFound", "a circuit's links are Primary and Secondary, not '" +
                                      link_text + "'");
  }
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  if (c.request.method == "GET") {
    return ok(link_drill_json(emu, circuit, *link));
  }
  auto j = json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return error(400, "InvalidRequestFormat", "the body must be a JSON object such as "
                                              "{\"bgpState\": \"Down\", \"asPathPrepend\": 3}");
  }
  std::optional<bool> down;
  std::optional<std::uint8_t> prepends;
  for (const auto& [key, v] : j.items()) {
    if (key == "bgpState") {
      if (!v.is_string() || (v != "Up" && v != "Down")) {
        return error(400, "InvalidParameter", "/bgpState must be \"Up\" or \"Down\"");
      }
      down = v == "Down";
    } else if (key == "asPathPrepend") {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 10) {
        return error(400, "InvalidParameter", "/asPathPrepend must be 0..10");
      }
      prepends = static_cast<std::uint8_t>(v.get<std::uint64_t>());
    } else {
      return error(400, "InvalidParameter",
                   "/" + key + " is not a field of a link (bgpState, asPathPrepend)");
    }
  }
  if (auto why = emu.set_link_drill(circuit, *link, down, prepends)) {
    return error(409, "Conflict", *why);
  }
  return ok(link_drill_json(emu, circuit, *link));
}

}  // namespace msee::api::detail
