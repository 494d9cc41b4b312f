// The REST API of the emulator (Boost.Beast, HTTP/1.1, on the protocol io_context thread):
// Azure's views of the emulated circuits (list-route-tables R82, summary R83), the circuits
// themselves (without MD5 keys), the raw BGP/BFD session state, and Prometheus metrics.
// Bound to 127.0.0.1 by default; any other address requires a bearer token.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "app/emulator.hpp"

namespace msee::app {

struct ApiConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8179;
  std::string token;  // required when `address` is not a loopback address
};

// A parsed request, and the answer, independent of Beast so routing can be unit-tested.
struct ApiRequest {
  std::string method;  // "GET"
  std::string target;  // "/v1/circuits?x=y"
  std::string authorization;
};
struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Routes one request against the emulator's current state (pure apart from reading it).
ApiResponse handle_api_request(const Emulator& emulator, const ApiConfig& config,
                               const ApiRequest& request,
                               std::chrono::steady_clock::time_point started);

class ApiServer {
 public:
  ApiServer(boost::asio::io_context& io, const Emulator& emulator, ApiConfig config);
  ~ApiServer();
  // Opens the listener; false (with a log line) if it cannot, or if a non-loopback address
  // has no token.
  bool start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace msee::app
