// The REST API of the emulator (Boost.Beast, HTTP/1.1, on the protocol io_context thread):
// Azure's views of the emulated circuits (route tables R82, summary R83, ARP R84, stats R85),
// the circuits themselves (without MD5 keys), peering state changes (R66), the raw BGP/BFD
// session state, received/advertised routes, the event log and Prometheus metrics.
// Bound to 127.0.0.1 by default; any other address requires a bearer token.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <vector>
#include <memory>
#include <string>

#include "emulator/emulator.hpp"
#include "util/result.hpp"

namespace msee::api {

struct ApiConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8179;
  std::string token;  // required when `address` is not a loopback address
  std::string table_dump = "msee-rib.%Y%m%d.%H%M%S.mrt";  // POST /v1/mrt/tableDump writes here
  // POST /v1/reload: re-reads the config file and applies it (main.cpp); empty = not offered.
  std::function<Result<std::vector<std::string>, std::string>()> reload;
};

// A parsed request, and the answer, independent of Beast so routing can be unit-tested.
struct ApiRequest {
  std::string method;  // "GET", "PATCH"
  std::string target;  // "/v1/circuits?x=y"
  std::string authorization;
  std::string body;    // JSON for PATCH/POST
};
struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Set instead of `body` when the caller asked for deferred rendering: the answer, built from
  // a copy of what it needs (no reference to the emulator), on any thread. The server runs it
  // off its thread after the protocol threads went on (a 10,000-row table, issue #15).
  std::function<std::string()> render = nullptr;
};

// Routes one request against the emulator's current state; PATCH/POST requests change it
// (peering state).
// defer_render: a big body may come as `render` (see ApiResponse) instead of `body`.
ApiResponse handle_api_request(emulator::Emulator& emulator, const ApiConfig& config,
                               const ApiRequest& request,
                               std::chrono::steady_clock::time_point started,
                               bool defer_render = false);

class ApiServer {
 public:
  ApiServer(boost::asio::io_context& io, emulator::Emulator& emulator, ApiConfig config);
  ~ApiServer();
  // Opens the listener; false (with a log line) if it cannot, or if a non-loopback address
  // has no token.
  bool start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace msee::api
