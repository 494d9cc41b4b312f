// REST API: request routing and JSON bodies (handle_api_request) and the Beast HTTP server
// (one coroutine per connection, keep-alive, 64 KiB request limit). Error bodies follow
// Azure's shape: {"error": {"code", "message"}}.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include <map>
#include <variant>

#include "app/api.hpp"
#include "bgp/io/socket_options.hpp"
#include "msee/views.hpp"
#include "util/log.hpp"

namespace msee::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace wire = bgp::wire;
using json = nlohmann::ordered_json;

namespace {

ApiResponse error(unsigned status, std::string_view code, std::string message) {
  json j{{"error", {{"code", std::string(code)}, {"message", std::move(message)}}}};
  return {status, "application/json", j.dump(2) + "\n"};
}

ApiResponse ok(const json& j) { return {200, "application/json", j.dump(2) + "\n"}; }

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

std::optional<Target> parse_target(std::string_view t) {
  Target out;
  auto q = t.find('?');
  auto path = t.substr(0, q);
  try {
    std::size_t i = 0;
    while (i < path.size()) {
      auto j = path.find('/', i);
      auto seg = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
      if (!seg.empty()) {
        out.segments.push_back(url_decode(seg));
      }
      if (j == std::string_view::npos) {
        break;
      }
      i = j + 1;
    }
    if (q != std::string_view::npos) {
      auto qs = t.substr(q + 1);
      std::size_t k = 0;
      while (k < qs.size()) {
        auto amp = qs.find('&', k);
        auto kv = qs.substr(k, amp == std::string_view::npos ? std::string_view::npos : amp - k);
        auto eq = kv.find('=');
        out.query[url_decode(kv.substr(0, eq))] =
            eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
        if (amp == std::string_view::npos) {
          break;
        }
        k = amp + 1;
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;  // a bad %-escape
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// The circuit as Azure shows it, without secrets (sharedKey is never output).
json circuit_json(const er::Circuit& c) {
  json peerings = json::array();
  for (const auto& p : c.peerings) {
    json pj{{"name", std::string(er::to_string(p.peering_type))},
            {"peeringType", std::string(er::to_string(p.peering_type))},
            {"state", std::string(er::to_string(p.state))},
            {"azureASN", er::kMicrosoftAsn},
            {"peerASN", p.peer_asn},
            {"primaryPeerAddressPrefix",
             p.primary_peer_address_prefix ? p.primary_peer_address_prefix->to_string() : ""},
            {"secondaryPeerAddressPrefix",
             p.secondary_peer_address_prefix ? p.secondary_peer_address_prefix->to_string() : ""},
            {"vlanId", p.vlan_id},
            {"sharedKeyConfigured", !p.shared_key.empty()}};
    if (p.ipv6_peering_config) {
      pj["ipv6PeeringConfig"] = {
          {"primaryPeerAddressPrefix",
           p.ipv6_peering_config->primary_peer_address_prefix.to_string()},
          {"secondaryPeerAddressPrefix",
           p.ipv6_peering_config->secondary_peer_address_prefix.to_string()},
          {"state", std::string(er::to_string(p.ipv6_peering_config->state))}};
    }
    if (p.microsoft_peering_config) {
      json prefixes = json::array();
      for (const auto& x : p.microsoft_peering_config->advertised_public_prefixes) {
        prefixes.push_back(x.to_string());
      }
      pj["microsoftPeeringConfig"] = {
          {"advertisedPublicPrefixes", prefixes},
          {"advertisedPublicPrefixesState",
           std::string(er::to_string(p.microsoft_peering_config->advertised_public_prefixes_state))},
          {"customerASN", p.microsoft_peering_config->customer_asn},
          {"routingRegistryName", p.microsoft_peering_config->routing_registry_name}};
    }
    if (!p.route_filter.empty()) {
      pj["routeFilter"] = {{"name", p.route_filter}};
    }
    peerings.push_back(pj);
  }
  return json{{"name", c.name},
              {"serviceKey", c.service_key},
              {"sku",
               {{"name", fmt::format("{}_{}", er::to_string(c.sku_tier), er::to_string(c.sku_family))},
                {"tier", std::string(er::to_string(c.sku_tier))},
                {"family", std::string(er::to_string(c.sku_family))}}},
              {"serviceProviderProperties",
               {{"serviceProviderName", c.service_provider_name},
                {"peeringLocation", c.peering_location},
                {"bandwidthInMbps", c.bandwidth_in_mbps}}},
              {"circuitProvisioningState", "Enabled"},
              {"serviceProviderProvisioningState", "Provisioned"},
              {"peerings", peerings}};
}

std::chrono::seconds since(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) {
    return std::chrono::seconds(0);
  }
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t);
}

// Finds the session of circuit/peering/path/family, or an error response.
std::variant<const er::SessionPlan*, ApiResponse> find_session(const Emulator& emu,
                                                                const std::string& circuit,
                                                                const std::string& peering,
                                                                const Target& t) {
  if (emu.config().circuit(circuit) == nullptr) {
    return error(404, "NotFound", "no circuit named '" + circuit + "'");
  }
  auto path_it = t.query.find("path");
  if (path_it == t.query.end()) {
    return error(400, "MissingParameter", "the 'path' parameter is required: primary or secondary");
  }
  auto path = lower(path_it->second);
  if (path != "primary" && path != "secondary") {
    return error(400, "InvalidParameter", "path must be primary or secondary, not '" +
                                              path_it->second + "'");
  }
  auto family = t.query.count("family") != 0 ? lower(t.query.at("family")) : "ipv4";
  if (family != "ipv4" && family != "ipv6") {
    return error(400, "InvalidParameter", "family must be ipv4 or ipv6");
  }
  bool peering_known = false;
  for (const auto& s : emu.plan().sessions) {
    if (s.circuit != circuit || er::to_string(s.peering_type) != peering) {
      continue;
    }
    peering_known = true;
    if (er::to_string(s.path) == path &&
        (s.afi == wire::Afi::Ipv4) == (family == "ipv4")) {
      return &s;
    }
  }
  if (!peering_known) {
    return error(404, "NotFound", "circuit '" + circuit + "' has no peering '" + peering +
                                      "' (AzurePrivatePeering, MicrosoftPeering)");
  }
  return error(404, "NotFound", "peering '" + peering + "' has no " + family + " sessions");
}

std::string metric_labels(const er::SessionPlan& s) {
  return fmt::format("circuit=\"{}\",peeringType=\"{}\",peer=\"{}\",family=\"{}\"", s.circuit,
                     er::to_string(s.peering_type), er::to_string(s.path),
                     s.afi == wire::Afi::Ipv4 ? "ipv4" : "ipv6");
}

ApiResponse metrics(const Emulator& emu) {
  std::string out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const auto& speaker = emu.speaker();
  struct Row {
    const er::SessionPlan* s;
    const bgp::io::Peer* p;
  };
  std::vector<Row> rows;
  for (const auto& s : emu.plan().sessions) {
    if (const auto* p = speaker.find_peer(s.name)) {
      rows.push_back({&s, p});
    }
  }
  // MSEE: R86 — Azure's BgpAvailability per peering type and peer (primary/secondary MSEE),
  // as an instantaneous percentage.
  head("BgpAvailability", "gauge", "100 when the BGP session is Established, else 0 (Azure metric, R86)");
  for (const auto& r : rows) {
    out += fmt::format("BgpAvailability{{{}}} {}\n", metric_labels(*r.s),
                       r.p->state() == bgp::fsm::State::Established ? 100 : 0);
  }
  head("msee_bgp_session_state", "gauge", "RFC 4271 state: 1 Idle 2 Connect 3 Active 4 OpenSent 5 OpenConfirm 6 Established");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_session_state{{{}}} {}\n", metric_labels(*r.s),
                       static_cast<int>(r.p->state()) + 1);
  }
  head("msee_bgp_prefixes_accepted", "gauge", "prefixes accepted from the CE on this session (after policy)");
  for (const auto& r : rows) {
    auto fam = r.s->afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    out += fmt::format("msee_bgp_prefixes_accepted{{{}}} {}\n", metric_labels(*r.s),
                       speaker.loc_rib().count(speaker.peer_id(*r.p), fam));
  }
  head("msee_bgp_route_limit", "gauge", "the session's route limit (R36)");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_route_limit{{{}}} {}\n", metric_labels(*r.s), r.s->route_limit);
  }
  head("msee_bgp_flaps_total", "counter", "Established sessions that went down");
  for (const auto& r : rows) {
    out += fmt::format("msee_bgp_flaps_total{{{}}} {}\n", metric_labels(*r.s), r.p->stats().flaps);
  }
  head("msee_bgp_messages_received_total", "counter", "BGP messages received");
  for (const auto& r : rows) {
    std::uint64_t n = 0;
    for (auto c : r.p->stats().messages_in) {
      n += c;
    }
    out += fmt::format("msee_bgp_messages_received_total{{{}}} {}\n", metric_labels(*r.s), n);
  }
  head("msee_bfd_session_up", "gauge", "1 when the BFD session is Up");
  for (const auto& r : rows) {
    if (auto info = emu.bfd().session_info(r.s->name)) {
      out += fmt::format("msee_bfd_session_up{{{}}} {}\n", metric_labels(*r.s),
                         info->state == bfd::State::Up ? 1 : 0);
    }
  }
  return {200, "text/plain; version=0.0.4", out};
}

}  // namespace

ApiResponse handle_api_request(const Emulator& emu, const ApiConfig& config,
                               const ApiRequest& req,
                               std::chrono::steady_clock::time_point started) {
  if (!config.token.empty() && req.authorization != "Bearer " + config.token) {
    return error(401, "AuthenticationFailed", "a valid 'Authorization: Bearer <token>' is required");
  }
  if (req.method != "GET") {
    return error(405, "MethodNotAllowed", "only GET is supported, not " + req.method);
  }
  auto t = parse_target(req.target);
  if (!t) {
    return error(400, "InvalidRequest", "bad percent-encoding in the URL");
  }
  const auto& seg = t->segments;
  if (seg.size() == 1 && seg[0] == "metrics") {
    return metrics(emu);
  }
  if (seg.empty() || seg[0] != "v1") {
    return error(404, "NotFound", "unknown path; the API is under /v1 (and /metrics)");
  }
  const auto& cfg = emu.config();
  if (seg.size() == 2 && seg[1] == "circuits") {
    json value = json::array();
    for (const auto& c : cfg.circuits) {
      value.push_back(circuit_json(c));
    }
    return ok(json{{"value", value}});
  }
  if (seg.size() == 3 && seg[1] == "circuits") {
    const auto* c = cfg.circuit(seg[2]);
    if (c == nullptr) {
      return error(404, "NotFound", "no circuit named '" + seg[2] + "'");
    }
    return ok(circuit_json(*c));
  }
  if (seg.size() == 6 && seg[1] == "circuits" && seg[3] == "peerings" &&
      (seg[5] == "routeTables" || seg[5] == "routeTablesSummary")) {
    auto found = find_session(emu, seg[2], seg[4], *t);
    if (auto* e = std::get_if<ApiResponse>(&found)) {
      return *e;
    }
    const auto& s = *std::get<const er::SessionPlan*>(found);
    const auto* peer = emu.speaker().find_peer(s.name);
    const auto& speaker = emu.speaker();
    auto fam = s.afi == wire::Afi::Ipv4 ? wire::kIpv4Unicast : wire::kIpv6Unicast;
    json value = json::array();
    if (seg[5] == "routeTables") {
      std::vector<er::ReceivedRoute> received;
      if (peer != nullptr) {
        speaker.loc_rib().for_each_path(
            speaker.peer_id(*peer), fam, [&](const wire::Prefix& p, const rib::Path& path) {
              const auto& a = speaker.loc_rib().store().get(path.attr);
              received.push_back({p, a.next_hop.value_or(s.ce_address),
                                  a.as_path ? a.as_path->to_string() : ""});
            });
      }
      // MSEE: R82 — az's field names and types.
      for (const auto& r : er::route_table(cfg, emu.plan(), s, received)) {
        value.push_back({{"network", r.network},
                         {"nextHop", r.next_hop},
                         {"locPrf", r.loc_prf},
                         {"weight", r.weight},
                         {"path", r.path}});
      }
    } else {
      er::SessionState st;
      if (peer != nullptr) {
        st.established = peer->state() == bgp::fsm::State::Established;
        st.state = bgp::fsm::to_string(peer->state());
        st.prefixes_received = speaker.loc_rib().count(speaker.peer_id(*peer), fam);
        st.since_change = since(peer->stats().last_state_change);
      } else {
        st.state = "Idle";  // peering Disabled: no session
      }
      auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::steady_clock::now() - started);
      // MSEE: R83 — az's field names and types.
      for (const auto& r : er::route_table_summary(cfg, s, st, uptime)) {
        value.push_back({{"neighbor", r.neighbor},
                         {"v", r.v},
                         {"as", r.as},
                         {"upDown", r.up_down},
                         {"statePfxRcd", r.state_pfx_rcd}});
      }
    }
    return ok(json{{"value", value}});
  }
  if (seg.size() == 2 && seg[1] == "sessions") {
    json value = json::array();
    for (const auto& s : emu.plan().sessions) {
      const auto* p = emu.speaker().find_peer(s.name);
      json j{{"name", s.name},
             {"circuit", s.circuit},
             {"peeringType", std::string(er::to_string(s.peering_type))},
             {"path", std::string(er::to_string(s.path))},
             {"family", s.afi == wire::Afi::Ipv4 ? "ipv4" : "ipv6"},
             {"mseeAddress", s.msee_address.to_string()},
             {"ceAddress", s.ce_address.to_string()},
             {"peerASN", s.peer_asn},
             {"routeLimit", s.route_limit},
             {"state", p != nullptr ? bgp::fsm::to_string(p->state()) : "Disabled"}};
      if (p != nullptr) {
        const auto& st = p->stats();
        std::uint64_t in = 0, out = 0;
        for (auto c : st.messages_in) in += c;
        for (auto c : st.messages_out) out += c;
        j["messagesReceived"] = in;
        j["messagesSent"] = out;
        j["flaps"] = st.flaps;
        j["lastError"] = st.last_error;
        j["secondsSinceChange"] = since(st.last_state_change).count();
        if (const auto* n = p->negotiated()) {
          j["holdTime"] = n->hold_time;
          j["keepalive"] = n->keepalive_time;
          j["fourOctetAs"] = n->four_octet_as;
          j["routeRefresh"] = n->route_refresh;
        }
      }
      if (auto info = emu.bfd().session_info(s.name)) {
        j["bfd"] = {{"state", bfd::to_string(info->state)},
                    {"remoteState", bfd::to_string(info->remote_state)},
                    {"txIntervalMs", info->tx_interval.count() / 1000},
                    {"detectionTimeMs", info->detection_time.count() / 1000}};
      }
      value.push_back(j);
    }
    return ok(json{{"value", value}});
  }
  return error(404, "NotFound", "unknown path " + std::string(req.target));
}

// ---------------------------------------------------------------------------------------------
// Server

struct ApiServer::Impl {
  asio::io_context& io;
  const Emulator& emulator;
  ApiConfig config;
  asio::ip::tcp::acceptor acceptor{io};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024);
      auto [ec, n] = co_await http::async_read(socket, buffer, parser,
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
          http::response<http::string_body> res{http::status::payload_too_large, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = error(413, "RequestTooLarge", "request over 64 KiB").body;
          res.prepare_payload();
          co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::connection_reset) {
          http::response<http::string_body> res{http::status::bad_request, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = error(400, "InvalidRequest", ec.message()).body;
          res.prepare_payload();
          co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      auto& req = parser.get();
      ApiRequest ar{std::string(req.method_string()), std::string(req.target()),
                    std::string(req[http::field::authorization])};
      auto answer = handle_api_request(emulator, config, ar, started);
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version()};
      res.set(http::field::server, "msee-emu");
      res.set(http::field::content_type, answer.content_type);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(answer.body);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
      if (wec || !res.keep_alive()) {
        break;
      }
    }
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) {
          co_return;
        }
        continue;
      }
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

ApiServer::ApiServer(asio::io_context& io, const Emulator& emulator, ApiConfig config)
    : impl_(std::make_unique<Impl>(Impl{io, emulator, std::move(config)})) {}

ApiServer::~ApiServer() = default;

bool ApiServer::start() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->config.address, ec);
  if (ec) {
    log::error("API: '{}' is not an IP address", impl_->config.address);
    return false;
  }
  if (!addr.is_loopback() && impl_->config.token.empty()) {
    log::error("API: binding {} (not loopback) needs a bearer token (--api-token)",
               impl_->config.address);
    return false;
  }
  asio::ip::tcp::endpoint ep(addr, impl_->config.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) {
    acc.set_option(asio::socket_base::reuse_address(true), ec);
    acc.bind(ep, ec);
  }
  if (!ec) {
    acc.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    log::error("API: cannot listen on [{}]:{}: {}", impl_->config.address, impl_->config.port,
               ec.message());
    return false;
  }
  log::info("API on http://{}:{}/v1 (metrics at /metrics){}", impl_->config.address,
            impl_->config.port, impl_->config.token.empty() ? "" : ", bearer token required");
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return true;
}

void ApiServer::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace msee::app
