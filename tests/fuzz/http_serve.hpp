// Shared by the libFuzzer target http_fuzz.cpp and the replay test tests/api/http_vectors_test.cpp:
// the bytes a client sends on one connection to the REST API, served the way
// api::ApiServer::Impl::serve (src/api/server.cpp) serves them, without the socket: Beast's
// request_parser<string_body> with the 64 KiB body limit reads each request from the bytes
// (413 for a body or header over the limit, 400 for anything else Beast refuses, the
// connection closing after either), handle_api_request answers it, the answer is serialised
// as the server writes it, and keep-alive decides whether the next request is read. The long
// poll of GET /v1/events?wait=N is not waited for (it only repeats the same request).
//
// The emulator is built fresh for each input from a Premium circuit (private and Microsoft
// peering, IPv4 and IPv6, direct addressing) and never started: no socket, no timer runs, and
// its io_context is never run, so requests that change state (PATCH peerings and links,
// failover tests, reload) act on the model only. The MRT table dump is written to /dev/null;
// POST /v1/reload re-applies the same configuration. A token ("fuzz-token") is required when
// the input mentions an Authorization header anywhere, so both the open and the token-guarded
// API are fuzzed.
//
// Invariants: no crash and no exception out of handle_api_request; every answer a status the
// API is meant to give client input (200, 400, 401, 404, 405, 409, 413: never 5xx, which this
// setup leaves no reason for) with a content type, a JSON body for application/json, and for
// an error status Azure's {"error": {"code", "message"}} with both non-empty. Header-only.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.hpp"
#include "api/handlers.hpp"
#include "msee/config/config.hpp"

namespace msee::fuzz {

inline constexpr const char* kHttpFuzzConfig = R"({
  "emulator": {"addressing": "direct", "documentationPrefixesArePublic": true},
  "routeFilters": [{"name": "rf", "rules": [{"name": "allow", "access": "Allow",
    "routeFilterRuleType": "Community", "communities": ["12076:5010", "12076:51002"]}]}],
  "circuits": [{"name": "ckt", "sku": {"tier": "Premium", "family": "MeteredData"},
    "serviceProviderProperties": {"peeringLocation": "Amsterdam", "bandwidthInMbps": 1000},
    "peerings": [
      {"peeringType": "AzurePrivatePeering", "peerASN": 65001, "vlanId": 100,
       "sharedKey": "TopSecret1", "primaryPeerAddressPrefix": "172.16.0.0/30",
       "secondaryPeerAddressPrefix": "172.16.0.4/30",
       "ipv6PeeringConfig": {"primaryPeerAddressPrefix": "fdcc:0:0:1::/126",
                             "secondaryPeerAddressPrefix": "fdcc:0:0:1::4/126",
                             "state": "Enabled"}},
      {"peeringType": "MicrosoftPeering", "peerASN": 64999, "vlanId": 300,
       "primaryPeerAddressPrefix": "203.0.113.0/30",
       "secondaryPeerAddressPrefix": "203.0.113.4/30",
       "microsoftPeeringConfig": {"advertisedPublicPrefixes": ["198.51.100.0/24"],
                                  "advertisedPublicPrefixesState": "Configured",
                                  "routingRegistryName": "ARIN"},
       "routeFilter": "rf"}],
    "vnets": [{"name": "hub", "region": "westeurope",
               "addressPrefixes": ["10.1.0.0/16", "fd10:10::/48"]}]}]})";

inline constexpr std::uint64_t kHttpBodyLimit = 64 * 1024;  // server.cpp's kRequestLimit
inline constexpr int kHttpMaxRequests = 32;                 // per input, to keep inputs fast

// One connection's bytes as a Beast SyncReadStream (end of stream = the client closed), and
// the answers written back as a SyncWriteStream.
class ByteStream {
 public:
  explicit ByteStream(std::string_view in) : in_(in) {}
  std::string written;

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (in_.empty()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    ec = {};
    const auto n = boost::asio::buffer_copy(buffers, boost::asio::buffer(in_.data(), in_.size()));
    in_.remove_prefix(n);
    return n;
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    const auto n = read_some(buffers, ec);
    if (ec) {
      throw boost::system::system_error(ec);
    }
    return n;
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    ec = {};
    std::size_t n = 0;
    for (auto b : boost::beast::buffers_range_ref(buffers)) {
      written.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    return n;
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers) {
    boost::system::error_code ec;
    return write_some(buffers, ec);
  }

 private:
  std::string_view in_;
};

// The answer's invariants (see the top of the file).
inline std::optional<std::string> check_answer(const api::ApiRequest& req,
                                               const api::ApiResponse& a) {
  const auto what = [&](const std::string& why) {
    return req.method + " " + req.target + " -> " + std::to_string(a.status) + ": " + why;
  };
  static constexpr unsigned kAllowed[] = {200, 400, 401, 404, 405, 409, 413};
  if (std::find(std::begin(kAllowed), std::end(kAllowed), a.status) == std::end(kAllowed)) {
    return what("not a status the API gives client input [" + a.body + "]");
  }
  if (a.content_type.empty()) {
    return what("no content type");
  }
  if (a.content_type != "application/json") {
    return a.status == 200 ? std::nullopt : std::optional<std::string>(what("error not JSON"));
  }
  const auto j = nlohmann::json::parse(a.body, nullptr, false);
  if (j.is_discarded()) {
    return what("body is not JSON [" + a.body + "]");
  }
  if (a.status != 200) {
    const auto* e = j.is_object() && j.contains("error") ? &j["error"] : nullptr;
    if (e == nullptr || !e->is_object() || !e->contains("code") || !e->contains("message") ||
        !(*e)["code"].is_string() || !(*e)["message"].is_string() ||
        (*e)["code"].get<std::string>().empty() || (*e)["message"].get<std::string>().empty()) {
      return what("error body is not {\"error\": {\"code\", \"message\"}} [" + a.body + "]");
    }
  }
  return std::nullopt;
}

inline bool mentions_authorization(std::string_view bytes) {
  static constexpr std::string_view kName = "authorization";
  if (bytes.size() < kName.size()) {
    return false;
  }
  for (std::size_t i = 0; i + kName.size() <= bytes.size(); ++i) {
    std::size_t k = 0;
    while (k < kName.size() &&
           std::tolower(static_cast<unsigned char>(bytes[i + k])) == kName[k]) {
      ++k;
    }
    if (k == kName.size()) {
      return true;
    }
  }
  return false;
}

// Serves `bytes` as one connection; the first broken invariant, or nullopt. `answers`, if
// given, receives every answer (the replay test looks at them).
inline std::optional<std::string> serve_http_bytes(std::string_view bytes,
                                                   std::vector<api::ApiResponse>* answers = nullptr) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  static const msee::EmulatorConfig config = [] {
    auto c = config::parse_emulator_config(kHttpFuzzConfig);
    if (!c) {
      throw std::logic_error("kHttpFuzzConfig: " + c.error().front().path + ": " +
                             c.error().front().reason);
    }
    return *std::move(c);
  }();

  boost::asio::io_context io;  // never run: nothing the emulator schedules happens
  speaker::EventLog events;
  emulator::Emulator emu(io, config, msee::builtin_catalogue(), events);
  api::ApiConfig api;
  api.table_dump = "/dev/null";
  api.token = mentions_authorization(bytes) ? "fuzz-token" : "";
  api.reload = [&emu]() { return emu.reload(config, msee::builtin_catalogue()); };
  const auto started = std::chrono::steady_clock::now();

  ByteStream stream(bytes);
  beast::flat_buffer buffer;
  for (int i = 0; i < kHttpMaxRequests; ++i) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kHttpBodyLimit);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    api::ApiResponse answer;
    api::ApiRequest ar;
    if (ec) {
      // server.cpp: 413 over the limits, silence when the client just closed, else 400.
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        answer = api::detail::error(413, "RequestTooLarge", "request over 64 KiB");
      } else if (ec != http::error::end_of_stream && ec != boost::asio::error::eof &&
                 ec != boost::asio::error::connection_reset) {
        answer = api::detail::error(400, "InvalidRequest", ec.message());
      } else {
        break;
      }
      ar.method = "(unparsed)";
      ar.target = ec.message();
    } else {
      auto& req = parser.get();
      ar = api::ApiRequest{std::string(req.method_string()), std::string(req.target()),
                           std::string(req[http::field::authorization]), req.body()};
      try {
        answer = api::handle_api_request(emu, api, ar, started);
      } catch (const std::exception& e) {
        return ar.method + " " + ar.target + ": exception escaped handle_api_request: " +
               e.what();
      }
    }
    if (auto failure = check_answer(ar, answer)) {
      return failure;
    }
    // Written as the server writes it (keep-alive only for a request that was read).
    const bool keep_alive = !ec && parser.get().keep_alive();
    http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                          ec ? 11u : parser.get().version()};
    res.set(http::field::server, "msee-emu");
    res.set(http::field::content_type, answer.content_type);
    res.keep_alive(keep_alive);
    res.body() = answer.body;
    res.prepare_payload();
    beast::error_code wec;
    http::write(stream, res, wec);
    if (wec) {
      return "writing the answer failed: " + wec.message();
    }
    if (answers != nullptr) {
      answers->push_back(std::move(answer));
    }
    if (!keep_alive) {
      break;
    }
  }
  return std::nullopt;
}

}  // namespace msee::fuzz
