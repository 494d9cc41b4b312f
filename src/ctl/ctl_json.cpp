// msee-ctl: the command-line client of the msee-emu REST API, named and shaped after
// `az network express-route` (list, show, list-route-tables[-summary], list-arp-tables,
// get-stats, peering update) plus `sessions`, `routes`, `events [--follow]` and `metrics`. Output is JSON (`-o json`, Azure's {"value": [...]} shapes as the
// API returns them) or a table for people (`-o table`, the default on a terminal).
// Exit codes: 0 ok, 1 the API answered with an error, 2 usage, 3 cannot reach the API.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include "ctl/lab.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::ordered_json;

constexpr const char* kHelp = R"(msee-ctl — look inside the circuits msee-emu emulates, the way Azure shows real ones

Usage: msee-ctl [--api URL] [--token TOKEN] [-o json|table] COMMAND [options]

Commands (named after `az network express-route`):
  list                         the emulated circuits (alias: list-circuits)
  show --circuit C             one circuit with its peerings (MD5 keys are never shown)
  list-route-tables --circuit C --peering-name P --path primary|secondary [--family ipv4|ipv6]
                               the route table of one MSEE (az's network/nextHop/locPrf/weight/path)
  list-route-tables-summary --circuit C --peering-name P --path primary|secondary [--family ..]
                               the BGP neighbour summary of one MSEE (neighbor/v/as/upDown/statePfxRcd)
  list-arp-tables --circuit C --peering-name P --path primary|secondary [--family ..]
                               the MSEE's ARP/ND entries of that link (age/interface/ipAddress/
                               macAddress), from the kernel's neighbour table
  get-stats --circuit C        bytes in/out of the primary and secondary links of the circuit
  get-peering-stats --circuit C --peering-name P
                               the same for one peering
  peering update --circuit-name C --name P --state Enabled|Disabled [--ip-version IPv4|IPv6]
                               enable or disable a peering: Disabled shuts the sessions on both
                               MSEEs (Cease/Administrative Shutdown), Enabled brings them up

Beyond az:
  sessions                     every MSEE session: BGP state, timers, counters, last error, BFD
  routes --circuit C --peering-name P --path primary|secondary [--family ..]
         (--received | --advertised) [--limit N]
                               the routes the MSEE accepted from the CE on that session, or the
                               routes it sends the CE, with their attributes
  events [--last N] [--follow] the event log (JSON lines with -o json): sessions up/down with
                               reason, route-limit warnings and crossings, BFD, peering changes;
                               --follow keeps printing new events until interrupted
  failover-test start --circuit C --link-type Primary|Secondary
                [--category BgpDisconnect|ASPathPrepend] [--duration S] [--prepends N]
                               Azure's link failover test (R68): drop the BGP sessions of one
                               link, or prepend 12076 N (default 3) more times on it; never
                               both links
  failover-test stop --circuit C --link-type Primary|Secondary
  failover-test status --circuit C
                               the tests with status, BGP status and redundant/non-redundant
                               routes before and during, and wasSimulationSuccessful
  link show --circuit C --link-type Primary|Secondary
  link update --circuit C --link-type Primary|Secondary [--bgp-state Down|Up] [--prepends N]
                               the drills' fault injection on one link (R64, Q7): shut or restore
                               its BGP sessions, prepend 12076 N (0..10) more times; refused on
                               one link while the other is drained or down
  reload                       make msee-emu re-read its config file and apply the difference
                               (unaffected sessions stay up); prints what changed
  table-dump                   write an MRT TABLE_DUMP_V2 snapshot of the RIB (to the file
                               msee-emu's --table-dump names) and print its path
  metrics                      the Prometheus text of /metrics

  P is AzurePrivatePeering or MicrosoftPeering (az's --peering-name).

The lab (run by msee-lab; see msee-ctl lab --help, docs/drills.md):
  lab up [--config FILE] [--ce frr|bird|builtin]
                               namespaces, veths and dot1Q sub-interfaces with the circuit's real
                               /30s and /126s, msee-emu and a CE configured as Microsoft's samples;
                               waits for every session and prints the route tables
  lab status | lab shell ce|er [-- CMD] | lab down
  drill silent-failure|failover-test|maintenance|peering-reset|flap|route-limit [options]
                               a failure drill with the CE's timeline, detection and
                               reconvergence times (table, or JSON with -o json)
  validate-limits              the route-limit breach scenarios per peering, session and family

Options:
  --api URL        msee-emu's API (default $MSEE_API or http://127.0.0.1:8179)
  --netns NS       reach the API inside network namespace NS (default: the namespace of the
                   lab that `msee-ctl lab up` started, when one is up and --api is not given)
  --token TOKEN    bearer token, when msee-emu was started with --api-token ($MSEE_API_TOKEN)
  -o, --output     json or table (default: table on a terminal, json otherwise)
  -h, --help       this text

Exit codes: 0 ok, 1 the API answered with an error, 2 usage error, 3 cannot reach msee-emu.
)";

int usage(const std::string& msg) {
  std::cerr << "msee-ctl: " << msg << "\n(see msee-ctl --help)\n";
  return 2;
}

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


struct Url {
  std::string host;
  std::string port;
  std::string base;  // path prefix, usually empty
};

std::optional<Url> parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return std::nullopt;
  }
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  Url u;
  u.base = slash == std::string::npos ? "" : rest.substr(slash);
  if (!u.base.empty() && u.base.back() == '/') {
    u.base.pop_back();
  }
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:8179
    auto close = hostport.find(']');
    if (close == std::string::npos) {
      return std::nullopt;
    }
    u.host = hostport.substr(1, close - 1);
    u.port = close + 1 < hostport.size() && hostport[close + 1] == ':' ? hostport.substr(close + 2)
                                                                         : "80";
  } else {
    auto colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    u.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty()) {
    return std::nullopt;
  }
  return u;
}

std::string encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

struct Reply {
  unsigned status = 0;
  std::string body;
};

// One request; nullopt (with a message on stderr) if msee-emu cannot be reached. `timeout`
// covers long polls.
std::optional<Reply> request(const Url& url, http::verb method, const std::string& target,
                             const std::string& token, const std::string& body = "",
                             std::chrono::seconds timeout = std::chrono::seconds(10)) {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(url.host, url.port));
    http::request<http::string_body> req{method, url.base + target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "msee-ctl");
    if (!token.empty()) {
      req.set(http::field::authorization, "Bearer " + token);
    }
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return Reply{res.result_int(), res.body()};
  } catch (const boost::system::system_error& e) {
    std::cerr << "msee-ctl: cannot reach msee-emu at http://" << url.host << ":" << url.port
              << ": " << e.code().message()
              << "\n(is msee-emu running with an emulator config? see --api)\n";
    return std::nullopt;
  }
}

std::string cell(const json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_null()) {
    return "";
  }
  if (v.is_object() || v.is_array()) {
    return v.dump();
  }
  return v.dump();
}

// az's table headers are the field names with a capital first letter.
std::string header(std::string key) {
  if (!key.empty()) {
    key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
  }
  return key;
}

void print_table(const json& rows, const std::vector<std::string>& columns) {
  std::vector<std::size_t> width;
  for (const auto& c : columns) {
    width.push_back(header(c).size());
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto s = r.contains(columns[i]) ? cell(r.at(columns[i])) : "";
      width[i] = std::max(width[i], s.size());
      line.push_back(std::move(s));
    }
    cells.push_back(std::move(line));
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) {
        out += std::string(width[i] - line[i].size() + 2, ' ');
      }
    }
    std::cout << out << "\n";
  };
  std::vector<std::string> head;
  std::vector<std::string> rule;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    head.push_back(header(columns[i]));
    rule.push_back(std::string(width[i], '-'));
  }
  print_line(head);
  print_line(rule);
  for (const auto& line : cells) {
    print_line(line);
  }
}

// One event as a table line: time, event, peer (or subject), and the rest compactly.
void print_event_line(const json& e) {
  std::string rest;
  for (const auto& [k, v] : e.items()) {
    if (k == "time" || k == "event" || k == "peer" || k == "subject" || k == "seq") {
      continue;
    }
    rest += (rest.empty() ? "" : " ") + k + "=" + cell(v);
  }
  std::string who = e.contains("peer") ? cell(e["peer"]) : cell(e.value("subject", json()));
  std::cout << cell(e.value("time", json())) << "  " << cell(e.value("event", json())) << "  "
            << who << "  " << rest << "\n";
}

// `events [--last N] [--follow]`: prints events; with --follow, long-polls for more until
// interrupted (or msee-emu goes away: exit 3).
int events(const Url& url, const std::string& token, const std::string& output,
           const std::string& last, bool follow) {
  std::string target = "/v1/events?last=" + last;
  std::uint64_t after = 0;
  for (;;) {
    auto reply = request(url, http::verb::get, target, token, "", std::chrono::seconds(40));
    if (!reply) {
      return 3;
    }
    auto doc = json::parse(reply->body, nullptr, false);
    if (doc.is_discarded() || reply->status >= 400) {
      std::cerr << "msee-ctl: error " << reply->status << ": "
                << (doc.is_discarded()
                        ? reply->body
                        : doc.value("/error/message"_json_pointer, std::string("(no message)")))
                << "\n";
      return 1;
    }
    for (const auto& e : doc["value"]) {
      if (output == "json") {
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
    target = "/v1/events?after=" + std::to_string(after) + "&wait=30";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-o" || a == "--output" || a == "--api" || a == "--token" || a == "--netns") {
      ++i;  // a global option's value
      continue;
    }
    if (a == "lab" || a == "drill" || a == "validate-limits") {
      return msee::ctl::exec_lab(args);
    }
    if (a.empty() || a[0] != '-') {
      break;
    }
  }
  bool api_given = std::getenv("MSEE_API") != nullptr;
  std::optional<std::string> netns;
  std::string api = std::getenv("MSEE_API") != nullptr ? std::getenv("MSEE_API")
                                                       : "http://127.0.0.1:8179";
  std::string token = std::getenv("MSEE_API_TOKEN") != nullptr ? std::getenv("MSEE_API_TOKEN") : "";
  std::string output = isatty(STDOUT_FILENO) != 0 ? "table" : "json";
  std::string command;
  std::map<std::string, std::string> opts;
  std::vector<std::string> words;  // the command and its sub-command ("peering update")
  std::string name;                // --name / -n as given (a circuit, or a peering for `peering`)
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kHelp;
      return 0;
    }
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "--received" || a == "--advertised" || a == "--follow" || a == "-f") {
      opts[a == "-f" ? "--follow" : a] = "1";
      continue;
    }
    if (a == "--api" || a == "--token" || a == "-o" || a == "--output" || a == "--circuit" ||
        a == "--name" || a == "-n" || a == "--peering-name" || a == "--path" ||
        a == "--family" || a == "-g" || a == "--resource-group" || a == "--circuit-name" ||
        a == "--state" || a == "--ip-version" || a == "--limit" || a == "--last" ||
        a == "--link-type" || a == "--category" || a == "--duration" || a == "--prepends" ||
        a == "--bgp-state" || a == "--netns") {
      auto v = value();
      if (!v) {
        return usage(a + " needs a value");
      }
      if (a == "--api") {
        api = *v;
        api_given = true;
      } else if (a == "--netns") {
        netns = *v;
      } else if (a == "--token") {
        token = *v;
      } else if (a == "-o" || a == "--output") {
        output = *v;
      } else if (a == "--name" || a == "-n") {
        name = *v;  // az spells the circuit --name / -n (the peering, in `peering` commands)
      } else if (a == "--circuit-name") {
        opts["--circuit"] = *v;
      } else if (a != "-g" && a != "--resource-group") {  // accepted for az muscle memory
        opts[a] = *v;
      }
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      return usage("unknown option '" + a + "'");
    }
    words.push_back(a);
  }
  if (!words.empty()) {
    command = words[0];
    if ((command == "peering" || command == "failover-test" || command == "link") &&
        words.size() == 2) {
      command += " " + words[1];
    } else if (words.size() > 1) {
      return usage("one command at a time ('" + words[0] + "' and '" + words[1] + "')");
    }
  }
  if (!name.empty()) {
    opts[command.starts_with("peering") ? "--peering-name" : "--circuit"] = name;
  }
  if (command.empty()) {
    std::cout << kHelp;
    return 2;
  }
  if (output != "json" && output != "table") {
    return usage("-o must be json or table");
  }
  if (!netns && !api_given) {
    netns = msee::ctl::lab_netns();
  }
  if (netns && !msee::ctl::enter_netns(*netns)) {
    return 3;
  }
  auto url = parse_url(api);
  if (!url) {
    return usage("--api must be http://HOST:PORT, not '" + api + "'");
  }
  auto need = [&](const char* o) -> std::optional<std::string> {
    auto it = opts.find(o);
    if (it == opts.end() || it->second.empty()) {
      return std::nullopt;
    }
    return it->second;
  };

  std::string target;
  std::vector<std::string> columns;
  bool raw = false;
  http::verb method = http::verb::get;
  std::string body;
  // circuit/peering/path[/family] of the per-MSEE views.
  auto link_target = [&](const std::string& what) -> std::optional<std::string> {
    auto c = need("--circuit");
    auto p = need("--peering-name");
    auto path = need("--path");
    if (!c || !p || !path) {
      return std::nullopt;
    }
    auto t = "/v1/circuits/" + encode(*c) + "/peerings/" + encode(*p) + "/" + what +
             "?path=" + encode(*path);
    if (auto f = need("--family")) {
      t += "&family=" + encode(*f);
    }
    return t;
  };
  if (command == "list" || command == "list-circuits") {
    target = "/v1/circuits";
    columns = {"name", "serviceKey", "sku", "serviceProviderProperties"};
  } else if (command == "show") {
    auto c = need("--circuit");
    if (!c) {
      return usage("show needs --circuit (or --name)");
    }
    target = "/v1/circuits/" + encode(*c);
  } else if (command == "list-route-tables" || command == "list-route-tables-summary") {
    auto c = need("--circuit");
    auto p = need("--peering-name");
    auto path = need("--path");
    if (!c || !p || !path) {
      return usage(command + " needs --circuit, --peering-name and --path");
    }
    target = "/v1/circuits/" + encode(*c) + "/peerings/" + encode(*p) +
             (command == "list-route-tables" ? "/routeTables" : "/routeTablesSummary") +
             "?path=" + encode(*path);
    if (auto f = need("--family")) {
      target += "&family=" + encode(*f);
    }
    columns = command == "list-route-tables"
                  ? std::vector<std::string>{"network", "nextHop", "locPrf", "weight", "path"}
                  : std::vector<std::string>{"neighbor", "v", "as", "upDown", "statePfxRcd"};
  } else if (command == "list-arp-tables") {
    auto t = link_target("arpTables");
    if (!t) {
      return usage(command + " needs --circuit, --peering-name and --path");
    }
    target = *t;
    columns = {"age", "interface", "ipAddress", "macAddress"};
  } else if (command == "routes") {
    bool received = opts.count("--received") != 0;
    bool advertised = opts.count("--advertised") != 0;
    if (received == advertised) {
      return usage("routes needs exactly one of --received and --advertised");
    }
    auto t = link_target("routes");
    if (!t) {
      return usage("routes needs --circuit, --peering-name and --path");
    }
    target = *t + (received ? "&direction=received" : "&direction=advertised");
    if (auto l = need("--limit")) {
      target += "&limit=" + encode(*l);
    }
    columns = {"prefix", "nextHop", "asPath", "origin", "med", "localPref", "communities"};
  } else if (command == "get-stats" || command == "get-peering-stats") {
    auto c = need("--circuit");
    auto p = need("--peering-name");
    if (!c || (command == "get-peering-stats" && !p)) {
      return usage(command == "get-stats" ? "get-stats needs --circuit"
                                          : "get-peering-stats needs --circuit and --peering-name");
    }
    target = "/v1/circuits/" + encode(*c) +
             (command == "get-peering-stats" ? "/peerings/" + encode(*p) : std::string()) +
             "/stats";
    columns = {"primarybytesIn", "primarybytesOut", "secondarybytesIn", "secondarybytesOut"};
  } else if (command == "peering update") {
    auto c = need("--circuit");
    auto p = need("--peering-name");
    auto st = need("--state");
    if (!c || !p || !st) {
      return usage("peering update needs --circuit-name, --name (the peering) and --state");
    }
    target = "/v1/circuits/" + encode(*c) + "/peerings/" + encode(*p);
    method = http::verb::patch;
    json b{{"state", *st}};
    if (auto v = need("--ip-version")) {
      b["ipVersion"] = *v;
    }
    body = b.dump();
    columns = {"name", "peeringType", "state", "peerASN", "vlanId"};
  } else if (command == "events") {
    return events(*url, token, output, need("--last").value_or("100"),
                  opts.count("--follow") != 0);
  } else if (command == "failover-test start" || command == "failover-test stop") {
    auto c = need("--circuit");
    auto l = need("--link-type");
    if (!c || !l) {
      return usage(command + " needs --circuit and --link-type");
    }
    target = "/v1/circuits/" + encode(*c) + "/failoverTests/" +
             (command == "failover-test start" ? "start" : "stop");
    method = http::verb::post;
    json b{{"linkType", *l}};
    if (auto cat = need("--category")) {
      b["category"] = *cat;
    }
    if (auto d = need("--duration")) {
      auto n = whole_number(*d);
      if (!n) {
        return usage("--duration wants seconds");
      }
      b["durationSeconds"] = *n;
    }
    if (auto n = need("--prepends")) {
      auto v = whole_number(*n);
      if (!v) {
        return usage("--prepends wants a number (1..10)");
      }
      b["prepends"] = *v;
    }
    body = b.dump();
    columns = {"linkType", "testCategory", "status", "wasSimulationSuccessful", "message"};
  } else if (command == "failover-test status") {
    auto c = need("--circuit");
    if (!c) {
      return usage("failover-test status needs --circuit");
    }
    target = "/v1/circuits/" + encode(*c) + "/failoverTests";
    columns = {"linkType", "testCategory", "status", "startTime", "endTime",
               "wasSimulationSuccessful", "routes"};
  } else if (command == "link show" || command == "link update") {
    auto c = need("--circuit");
    auto l = need("--link-type");
    if (!c || !l) {
      return usage(command + " needs --circuit and --link-type");
    }
    target = "/v1/circuits/" + encode(*c) + "/links/" + encode(*l);
    if (command == "link update") {
      method = http::verb::patch;
      json b = json::object();
      if (auto st = need("--bgp-state")) {
        b["bgpState"] = *st;
      }
      if (auto n = need("--prepends")) {
        auto v = whole_number(*n);
        if (!v) {
          return usage("--prepends wants a number (0..10)");
        }
        b["asPathPrepend"] = *v;
      }
      if (b.empty()) {
        return usage("link update needs --bgp-state and/or --prepends");
      }
      body = b.dump();
    }
    columns = {"circuit", "linkType", "bgpState", "asPathPrepend"};
  } else if (command == "reload") {
    target = "/v1/reload";
    method = http::verb::post;
  } else if (command == "table-dump") {
    target = "/v1/mrt/tableDump";
    method = http::verb::post;
    columns = {"path", "prefixes", "entries"};
  } else if (command == "sessions") {
    target = "/v1/sessions";
    columns = {"name", "adminState", "state", "ceAddress", "peerASN", "holdTime", "routeLimit",
               "flaps", "lastError"};
  } else if (command == "metrics") {
    target = "/metrics";
    raw = true;
  } else {
    return usage("unknown command '" + command + "'");
  }

  auto reply = request(*url, method, target, token, body);
  if (!reply) {
    return 3;
  }
  if (raw && reply->status == 200) {
    std::cout << reply->body;
    return 0;
  }
  auto doc = json::parse(reply->body, nullptr, false);
  if (doc.is_discarded()) {
    std::cerr << "msee-ctl: the API answered " << reply->status << " with a body that is not JSON\n";
    return 1;
  }
  if (reply->status >= 400) {
    std::cerr << "msee-ctl: error " << reply->status << ": "
              << doc.value("/error/message"_json_pointer, std::string("(no message)")) << "\n";
    return 1;
  }
  if (command == "reload" && output == "table") {
    std::cout << "applied: " << doc["changes"].size() << " change(s)\n";
    for (const auto& c : doc["changes"]) {
      std::cout << "  " << c.get<std::string>() << "\n";
    }
    return 0;
  }
  if (output == "json" || columns.empty()) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  json rows = doc.contains("value") ? doc.at("value") : json::array({doc});
  if (command == "list" || command == "list-circuits") {
    json flat = json::array();
    for (const auto& c : rows) {
      flat.push_back({{"name", c.value("name", "")},
                      {"serviceKey", c.value("serviceKey", "")},
                      {"sku", c.at("sku").value("tier", "")},
                      {"serviceProviderProperties",
                       c.at("serviceProviderProperties").value("peeringLocation", "")}});
    }
    rows = std::move(flat);
  }
  print_table(rows, columns);
  return 0;
}
