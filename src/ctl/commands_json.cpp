// msee-ctl's command table: each command's name, its lines of --help and its handler, which
// checks the command's options, makes its request(s) to msee-emu's REST API and prints the
// answer as JSON (-o json) or a table (-o table). The --help text is put together from the
// table. msee-lab's commands (`lab`, `drill`, `validate-limits`) are listed for --help only:
// main hands them to msee-lab before parsing options (ctl/lab_json.cpp).
#include "ctl/commands.hpp"

#include "ctl/ctl_json.hpp"
#include "ctl/table_json.hpp"

#include <cstdint>
#include <iostream>

namespace msee::ctl {

std::optional<std::string> Invocation::need(const char* o) const {
  auto it = opts.find(o);
  if (it == opts.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

bool Invocation::flag(const char* o) const { return opts.count(o) != 0; }

int usage(const std::string& msg) {
  std::cerr << "msee-ctl: " << msg << "\n(see msee-ctl --help)\n";
  return 2;
}

namespace {

// A whole decimal number, all of `text` (the API checks the range and says why).
std::optional<unsigned long> whole_number(const std::string& text) {
  try {
    std::size_t used = 0;
    auto n = std::stoul(text, &used);
    if (used == text.size() && text[0] != '-') {
      return n;
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// The one request most commands make, and how its answer is shown.
struct Call {
  Call(Method m, std::string t, std::vector<std::string> c = {}, std::string b = {})
      : method(m), target(std::move(t)), body(std::move(b)), columns(std::move(c)) {}

  Method method;
  std::string target;
  std::string body;
  std::vector<std::string> columns;  // the table's; none: JSON even with -o table
  bool raw = false;                  // a 200 answer is printed as it is (/metrics)
  // -o table other than `columns` of the answer's rows ("value", or the answer itself).
  void (*table)(const json& doc, const std::vector<std::string>& columns) = nullptr;
};

// The API's error message, or "(no message)".
std::string error_message(const json& doc) {
  return doc.value("/error/message"_json_pointer, std::string("(no message)"));
}

int perform(const Invocation& inv, const Call& call) {
  auto reply = request(inv.url, call.method, call.target, inv.token, call.body);
  if (!reply) {
    return 3;
  }
  if (call.raw && reply->status == 200) {
    std::cout << reply->body;
    return 0;
  }
  auto doc = json::parse(reply->body, nullptr, false);
  if (doc.is_discarded()) {
    std::cerr << "msee-ctl: the API answered " << reply->status << " with a body that is not JSON\n";
    return 1;
  }
  if (reply->status >= 400) {
    std::cerr << "msee-ctl: error " << reply->status << ": " << error_message(doc) << "\n";
    return 1;
  }
  if (inv.output == "table" && call.table != nullptr) {
    call.table(doc, call.columns);
    return 0;
  }
  if (inv.output == "json" || call.columns.empty()) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  print_table(doc.contains("value") ? doc.at("value") : json::array({doc}), call.columns);
  return 0;
}

// circuit/peering/path[/family] of the per-MSEE views: /v1/circuits/C/peerings/P/WHAT?path=..
std::optional<std::string> link_target(const Invocation& inv, const std::string& what) {
  auto c = inv.need("--circuit");
  auto p = inv.need("--peering-name");
  auto path = inv.need("--path");
  if (!c || !p || !path) {
    return std::nullopt;
  }
  auto t = "/v1/circuits/" + encode(*c) + "/peerings/" + encode(*p) + "/" + what +
           "?path=" + encode(*path);
  if (auto f = inv.need("--family")) {
    t += "&family=" + encode(*f);
  }
  return t;
}

// A per-MSEE view (route table, its summary, ARP table) as a table of `columns`.
int link_view(const Invocation& inv, const std::string& what, std::vector<std::string> columns) {
  auto t = link_target(inv, what);
  if (!t) {
    return usage(inv.command + " needs --circuit, --peering-name and --path");
  }
  return perform(inv, {Method::get, *t, std::move(columns)});
}

// `list` as a table: the circuits flattened to their name, key, tier and location.
void print_circuits(const json& doc, const std::vector<std::string>& columns) {
  json rows = doc.contains("value") ? doc.at("value") : json::array({doc});
  json flat = json::array();
  for (const auto& c : rows) {
    flat.push_back({{"name", c.value("name", "")},
                    {"serviceKey", c.value("serviceKey", "")},
                    {"sku", c.at("sku").value("tier", "")},
                    {"serviceProviderProperties",
                     c.at("serviceProviderProperties").value("peeringLocation", "")}});
  }
  print_table(flat, columns);
}

int list(const Invocation& inv) {
  Call call(Method::get, "/v1/circuits",
            {"name", "serviceKey", "sku", "serviceProviderProperties"});
  call.table = print_circuits;
  return perform(inv, call);
}

int show(const Invocation& inv) {
  auto c = inv.need("--circuit");
  if (!c) {
    return usage("show needs --circuit (or --name)");
  }
  // -o table: az's automatic table of the circuit's plain fields (print_az_auto_table).
  Call call(Method::get, "/v1/circuits/" + encode(*c));
  call.table = print_az_auto_table;
  return perform(inv, call);
}

int list_route_tables(const Invocation& inv) {
  return link_view(inv, "routeTables", {"network", "nextHop", "locPrf", "weight", "path"});
}

int list_route_tables_summary(const Invocation& inv) {
  return link_view(inv, "routeTablesSummary", {"neighbor", "v", "as", "upDown", "statePfxRcd"});
}

int list_arp_tables(const Invocation& inv) {
  return link_view(inv, "arpTables", {"age", "interface", "ipAddress", "macAddress"});
}

int get_stats(const Invocation& inv) {
  bool peering = inv.command == "get-peering-stats";
  auto c = inv.need("--circuit");
  auto p = inv.need("--peering-name");
  if (!c || (peering && !p)) {
    return usage(peering ? "get-peering-stats needs --circuit and --peering-name"
                         : "get-stats needs --circuit");
  }
  return perform(inv, {Method::get,
                       "/v1/circuits/" + encode(*c) +
                           (peering ? "/peerings/" + encode(*p) : std::string()) + "/stats",
                       {"primarybytesIn", "primarybytesOut", "secondarybytesIn",
                        "secondarybytesOut"}});
}

int peering_update(const Invocation& inv) {
  auto c = inv.need("--circuit");
  auto p = inv.need("--peering-name");
  auto st = inv.need("--state");
  if (!c || !p || !st) {
    return usage("peering update needs --circuit-name, --name (the peering) and --state");
  }
  json b{{"state", *st}};
  if (auto v = inv.need("--ip-version")) {
    b["ipVersion"] = *v;
  }
  return perform(inv, {Method::patch, "/v1/circuits/" + encode(*c) + "/peerings/" + encode(*p),
                       {"name", "peeringType", "state", "peerAsn", "vlanId"}, b.dump()});
}

int sessions(const Invocation& inv) {
  return perform(inv, {Method::get, "/v1/sessions",
                       {"name", "adminState", "state", "ceAddress", "peerASN", "holdTime",
                        "prefixesReceived", "routeLimit", "flaps", "lastError"}});
}

int routes(const Invocation& inv) {
  bool received = inv.flag("--received");
  bool advertised = inv.flag("--advertised");
  if (received == advertised) {
    return usage("routes needs exactly one of --received and --advertised");
  }
  auto t = link_target(inv, "routes");
  if (!t) {
    return usage("routes needs --circuit, --peering-name and --path");
  }
  auto target = *t + (received ? "&direction=received" : "&direction=advertised");
  if (auto l = inv.need("--limit")) {
    target += "&limit=" + encode(*l);
  }
  return perform(inv, {Method::get, target,
                       {"prefix", "nextHop", "asPath", "origin", "med", "localPref",
                        "communities"}});
}

// `events [--last N] [--before SEQ] [--type T,..] [--peer P,..] [--follow]`: prints the newest
// events (oldest of them first); with --follow, long-polls for more until interrupted (or
// msee-emu goes away: exit 3).
int events(const Invocation& inv) {
  std::string filter;
  for (const char* o : {"--type", "--peer"}) {
    if (auto v = inv.need(o)) {
      filter += std::string("&") + (o + 2) + "=" + encode(*v);
    }
  }
  std::string target = "/v1/events?last=" + encode(inv.need("--last").value_or("100")) + filter;
  if (auto b = inv.need("--before")) {
    target += "&before=" + encode(*b);
  }
  bool follow = inv.flag("--follow");
  std::uint64_t after = 0;
  for (;;) {
    auto reply = request(inv.url, Method::get, target, inv.token, "", std::chrono::seconds(40));
    if (!reply) {
      return 3;
    }
    auto doc = json::parse(reply->body, nullptr, false);
    if (doc.is_discarded() || reply->status >= 400) {
      std::cerr << "msee-ctl: error " << reply->status << ": "
                << (doc.is_discarded() ? reply->body : error_message(doc)) << "\n";
      return 1;
    }
    for (const auto& e : doc["value"]) {
      if (inv.output == "json") {
        std::cout << e.dump() << "\n";
      } else {
        print_event_line(e);
      }
    }
    std::cout.flush();
    after = doc.value("last", after);
    if (!follow) {
      return 0;
    }
    target = "/v1/events?after=" + std::to_string(after) + "&wait=30" + filter;
  }
}

// `failover-test start|stop`.
int failover_test(const Invocation& inv) {
  auto c = inv.need("--circuit");
  auto l = inv.need("--link-type");
  if (!c || !l) {
    return usage(inv.command + " needs --circuit and --link-type");
  }
  json b{{"linkType", *l}};
  if (auto cat = inv.need("--category")) {
    b["category"] = *cat;
  }
  if (auto d = inv.need("--duration")) {
    auto n = whole_number(*d);
    if (!n) {
      return usage("--duration wants seconds");
    }
    b["durationSeconds"] = *n;
  }
  if (auto n = inv.need("--prepends")) {
    auto v = whole_number(*n);
    if (!v) {
      return usage("--prepends wants a number (1..10)");
    }
    b["prepends"] = *v;
  }
  return perform(inv, {Method::post,
                       "/v1/circuits/" + encode(*c) + "/failoverTests/" +
                           (inv.command == "failover-test start" ? "start" : "stop"),
                       {"linkType", "testCategory", "status", "wasSimulationSuccessful",
                        "message"},
                       b.dump()});
}

int failover_test_status(const Invocation& inv) {
  auto c = inv.need("--circuit");
  if (!c) {
    return usage("failover-test status needs --circuit");
  }
  return perform(inv, {Method::get, "/v1/circuits/" + encode(*c) + "/failoverTests",
                       {"linkType", "testCategory", "status", "startTime", "endTime",
                        "wasSimulationSuccessful", "routes"}});
}

// `link show|update`.
int link(const Invocation& inv) {
  auto c = inv.need("--circuit");
  auto l = inv.need("--link-type");
  if (!c || !l) {
    return usage(inv.command + " needs --circuit and --link-type");
  }
  Call call(Method::get, "/v1/circuits/" + encode(*c) + "/links/" + encode(*l),
            {"circuit", "linkType", "bgpState", "asPathPrepend"});
  if (inv.command == "link update") {
    call.method = Method::patch;
    json b = json::object();
    if (auto st = inv.need("--bgp-state")) {
      b["bgpState"] = *st;
    }
    if (auto n = inv.need("--prepends")) {
      auto v = whole_number(*n);
      if (!v) {
        return usage("--prepends wants a number (0..10)");
      }
      b["asPathPrepend"] = *v;
    }
    if (b.empty()) {
      return usage("link update needs --bgp-state and/or --prepends");
    }
    call.body = b.dump();
  }
  return perform(inv, call);
}

// `reload` as a table: the count of changes, then one per line.
void print_changes(const json& doc, const std::vector<std::string>& /*columns*/) {
  std::cout << "applied: " << doc["changes"].size() << " change(s)\n";
  for (const auto& c : doc["changes"]) {
    std::cout << "  " << c.get<std::string>() << "\n";
  }
}

int reload(const Invocation& inv) {
  Call call(Method::post, "/v1/reload");
  call.table = print_changes;
  return perform(inv, call);
}

int table_dump(const Invocation& inv) {
  return perform(inv, {Method::post, "/v1/mrt/tableDump", {"path", "prefixes", "entries"}});
}

int metrics(const Invocation& inv) {
  Call call(Method::get, "/metrics");
  call.raw = true;
  return perform(inv, call);
}

// The --help text around the commands' lines.
constexpr std::string_view kIntro =
    R"(msee-ctl — look inside the circuits msee-emu emulates, the way Azure shows real ones

Usage: msee-ctl [--api URL] [--token TOKEN] [-o json|table] COMMAND [options]

Commands (named after `az network express-route`):
)";
constexpr std::string_view kBeyondAz = R"(
Beyond az:
)";
constexpr std::string_view kLab = R"(
  P is AzurePrivatePeering or MicrosoftPeering (az's --peering-name).

The lab (run by msee-lab; see msee-ctl lab --help, docs/drills.md):
)";
constexpr std::string_view kOptions = R"(
Options:
  --api URL        msee-emu's API (default $MSEE_API or http://127.0.0.1:8179)
  --netns NS       reach the API inside network namespace NS (default: the namespace of the
                   lab that `msee-ctl lab up` started, when one is up and --api is not given)
  --token TOKEN    bearer token, when msee-emu was started with --api-token ($MSEE_API_TOKEN)
  -o, --output     json or table (default: table on a terminal, json otherwise)
  -h, --help       this text

Exit codes: 0 ok, 1 the API answered with an error, 2 usage error, 3 cannot reach msee-emu.
)";

// Every command, in --help order. Each help starts with a newline (dropped) so that it reads
// as it prints.
const std::vector<Command> kCommands = {
    {"list", Section::az, R"(
  list                         the emulated circuits (alias: list-circuits)
)", list},
    {"list-circuits", Section::az, "", list},
    {"show", Section::az, R"(
  show --circuit C             one circuit with its peerings (MD5 keys are never shown)
)", show},
    {"list-route-tables", Section::az, R"(
  list-route-tables --circuit C --peering-name P --path primary|secondary [--family ipv4|ipv6]
                               the route table of one MSEE (az's network/nextHop/locPrf/weight/path)
)", list_route_tables},
    {"list-route-tables-summary", Section::az, R"(
  list-route-tables-summary --circuit C --peering-name P --path primary|secondary [--family ..]
                               the BGP neighbour summary of one MSEE (neighbor/v/as/upDown/statePfxRcd)
)", list_route_tables_summary},
    {"list-arp-tables", Section::az, R"(
  list-arp-tables --circuit C --peering-name P --path primary|secondary [--family ..]
                               the MSEE's ARP/ND entries of that link (age/interface/ipAddress/
                               macAddress), from the kernel's neighbour table
)", list_arp_tables},
    {"get-stats", Section::az, R"(
  get-stats --circuit C        bytes in/out of the primary and secondary links of the circuit
)", get_stats},
    {"get-peering-stats", Section::az, R"(
  get-peering-stats --circuit C --peering-name P
                               the same for one peering
)", get_stats},
    {"peering update", Section::az, R"(
  peering update --circuit-name C --name P --state Enabled|Disabled [--ip-version IPv4|IPv6]
                               enable or disable a peering: Disabled shuts the sessions on both
                               MSEEs (Cease/Administrative Shutdown), Enabled brings them up
)", peering_update},
    {"sessions", Section::beyond_az, R"(
  sessions                     every MSEE session: BGP state, timers, counters, last error, BFD
)", sessions},
    {"routes", Section::beyond_az, R"(
  routes --circuit C --peering-name P --path primary|secondary [--family ..]
         (--received | --advertised) [--limit N]
                               the routes the MSEE accepted from the CE on that session, or the
                               routes it sends the CE, with their attributes
)", routes},
    {"events", Section::beyond_az, R"(
  events [--last N] [--before SEQ] [--type T,..] [--peer P,..] [--follow]
                               the event log (JSON lines with -o json): sessions up/down with
                               reason, route-limit warnings and crossings, BFD, peering changes;
                               the newest N (default 100), oldest first; --before pages back
                               (the first seq shown); --type session-down,prefix-limit and
                               --peer circuit/peering/path keep only those; --follow keeps
                               printing new events until interrupted
)", events},
    {"failover-test start", Section::beyond_az, R"(
  failover-test start --circuit C --link-type Primary|Secondary
                [--category BgpDisconnect|ASPathPrepend] [--duration S] [--prepends N]
                               Azure's link failover test (R68): drop the BGP sessions of one
                               link, or prepend 12076 N (default 3) more times on it; never
                               both links
)", failover_test},
    {"failover-test stop", Section::beyond_az, R"(
  failover-test stop --circuit C --link-type Primary|Secondary
)", failover_test},
    {"failover-test status", Section::beyond_az, R"(
  failover-test status --circuit C
                               the tests with status, BGP status and redundant/non-redundant
                               routes before and during, and wasSimulationSuccessful
)", failover_test_status},
    {"link show", Section::beyond_az, R"(
  link show --circuit C --link-type Primary|Secondary
)", link},
    {"link update", Section::beyond_az, R"(
  link update --circuit C --link-type Primary|Secondary [--bgp-state Down|Up] [--prepends N]
                               the drills' fault injection on one link (R64, Q7): shut or restore
                               its BGP sessions, prepend 12076 N (0..10) more times; refused on
                               one link while the other is drained or down
)", link},
    {"reload", Section::beyond_az, R"(
  reload                       make msee-emu re-read its config file and apply the difference
                               (unaffected sessions stay up); prints what changed
)", reload},
    {"table-dump", Section::beyond_az, R"(
  table-dump                   write an MRT TABLE_DUMP_V2 snapshot of the RIB (to the file
                               msee-emu's --table-dump names) and print its path
)", table_dump},
    {"metrics", Section::beyond_az, R"(
  metrics                      the Prometheus text of /metrics
)", metrics},
    {"health", Section::beyond_az, R"(
  health [--established]       0 when the API answers and lists every session with its state
                               (the image's HEALTHCHECK); --established: and every Up session
                               is Established. 1 unhealthy, 3 unreachable
)", health},
    {"lab", Section::lab, R"(
  lab up [--config FILE] [--ce frr|bird|builtin|external] [--no-dataplane] [--threads N]
                               namespaces, veths and dot1Q sub-interfaces with the circuit's real
                               /30s and /126s, msee-emu and a CE configured as Microsoft's samples;
                               the data plane (VMs behind the MSEEs, bandwidth, R78/R79); waits
                               for every session and prints the route tables
  lab traffic [--duration S] [--flows N] [--interval-ms X]
                               UDP probe streams both ways between the CE's hosts and the VMs:
                               loss, outages, links and asymmetry per flow
  lab status | lab shell ce|er|az0 [-- CMD] | lab down
)", nullptr},
    {"drill", Section::lab, R"(
  drill silent-failure|failover-test|maintenance|peering-reset|flap|route-limit [options]
                               a failure drill with the CE's timeline, detection and
                               reconvergence times, and the probe's traffic figures (table, or
                               JSON with -o json)
)", nullptr},
    {"validate-limits", Section::lab, R"(
  validate-limits              the route-limit breach scenarios per peering, session and family
)", nullptr},
};

}  // namespace

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name && c.run != nullptr) {
      return &c;
    }
  }
  return nullptr;
}

bool is_group(std::string_view word) {
  for (const auto& c : kCommands) {
    auto space = c.name.find(' ');
    if (space != std::string_view::npos && c.name.substr(0, space) == word) {
      return true;
    }
  }
  return false;
}

bool is_lab_command(std::string_view word) {
  for (const auto& c : kCommands) {
    if (c.name == word && c.run == nullptr) {
      return true;
    }
  }
  return false;
}

const std::string& help_text() {
  static const std::string text = [] {
    std::string t(kIntro);
    auto section = [&t](Section s) {
      for (const auto& c : kCommands) {
        if (c.section == s && !c.help.empty()) {
          t += c.help.substr(1);
        }
      }
    };
    section(Section::az);
    t += kBeyondAz;
    section(Section::beyond_az);
    t += kLab;
    section(Section::lab);
    t += kOptions;
    return t;
  }();
  return text;
}

}  // namespace msee::ctl
