// msee-ctl: the command-line client of the msee-emu REST API, named and shaped after
// `az network express-route` (list, show, list-route-tables, list-route-tables-summary) plus
// `sessions` and `metrics`. Output is JSON (`-o json`, Azure's {"value": [...]} shapes as the
// API returns them) or a table for people (`-o table`, the default on a terminal).
// Exit codes: 0 ok, 1 the API answered with an error, 2 usage, 3 cannot reach the API.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

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
  sessions                     every MSEE session: BGP state, timers, counters, last error, BFD
  metrics                      the Prometheus text of /metrics

  P is AzurePrivatePeering or MicrosoftPeering (az's --peering-name).

Options:
  --api URL        msee-emu's API (default $MSEE_API or http://127.0.0.1:8179)
  --token TOKEN    bearer token, when msee-emu was started with --api-token ($MSEE_API_TOKEN)
  -o, --output     json or table (default: table on a terminal, json otherwise)
  -h, --help       this text

Exit codes: 0 ok, 1 the API answered with an error, 2 usage error, 3 cannot reach msee-emu.
)";

int usage(const std::string& msg) {
  std::cerr << "msee-ctl: " << msg << "\n(see msee-ctl --help)\n";
  return 2;
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

// One GET; nullopt (with a message on stderr) if msee-emu cannot be reached.
std::optional<Reply> get(const Url& url, const std::string& target, const std::string& token) {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(url.host, url.port));
    http::request<http::empty_body> req{http::verb::get, url.base + target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "msee-ctl");
    if (!token.empty()) {
      req.set(http::field::authorization, "Bearer " + token);
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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string api = std::getenv("MSEE_API") != nullptr ? std::getenv("MSEE_API")
                                                       : "http://127.0.0.1:8179";
  std::string token = std::getenv("MSEE_API_TOKEN") != nullptr ? std::getenv("MSEE_API_TOKEN") : "";
  std::string output = isatty(STDOUT_FILENO) != 0 ? "table" : "json";
  std::string command;
  std::map<std::string, std::string> opts;
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
    if (a == "--api" || a == "--token" || a == "-o" || a == "--output" || a == "--circuit" ||
        a == "--name" || a == "-n" || a == "--peering-name" || a == "--path" ||
        a == "--family" || a == "-g" || a == "--resource-group") {
      auto v = value();
      if (!v) {
        return usage(a + " needs a value");
      }
      if (a == "--api") {
        api = *v;
      } else if (a == "--token") {
        token = *v;
      } else if (a == "-o" || a == "--output") {
        output = *v;
      } else if (a == "--name" || a == "-n") {
        opts["--circuit"] = *v;  // az spells the circuit --name / -n
      } else if (a != "-g" && a != "--resource-group") {  // accepted for az muscle memory
        opts[a] = *v;
      }
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      return usage("unknown option '" + a + "'");
    }
    if (!command.empty()) {
      return usage("one command at a time ('" + command + "' and '" + a + "')");
    }
    command = a;
  }
  if (command.empty()) {
    std::cout << kHelp;
    return 2;
  }
  if (output != "json" && output != "table") {
    return usage("-o must be json or table");
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
  } else if (command == "sessions") {
    target = "/v1/sessions";
    columns = {"name", "state", "ceAddress", "peerASN", "holdTime", "routeLimit", "flaps",
               "lastError"};
  } else if (command == "metrics") {
    target = "/metrics";
    raw = true;
  } else {
    return usage("unknown command '" + command + "'");
  }

  auto reply = get(*url, target, token);
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
