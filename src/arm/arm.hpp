// The ARM-shaped HTTPS endpoint (issue #17): Azure Resource Manager's paths for the emulated
// ExpressRoute circuits, so Azure's own clients (az CLI, the Python SDK) run unchanged against
// the emulator, plus the small token issuer they log in to (an ADFS-style authority: OpenID
// configuration, client-credentials token endpoint, signing keys). TLS with a certificate
// msee-emu issues from a CA it keeps in the state directory. Off unless --arm is given;
// loopback by default, like the REST API.
//
// Concurrency contract: the server runs on the protocol io_context thread, like the REST API,
// and reads and changes the emulator through the REST API's own entry point
// (api::handle_api_request) and the emulator's reload, exactly as the API's handlers do.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/api.hpp"
#include "emulator/emulator.hpp"
#include "msee/circuit.hpp"
#include "util/result.hpp"

namespace msee::arm {

// How long-running POSTs (route tables, summary, ARP) and PUTs answer by default: Async as
// ARM does (202 + Location, polled), or Sync (200 with the result at once). A request may ask
// for the other with the header `x-msee-lro: sync|async`.
enum class Lro { Async, Sync };

struct ArmConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string state_dir;  // CA, server certificate, token signing key, client secret
  // The service principal the token endpoint knows (az login --service-principal -u ID); its
  // secret is the file <state_dir>/client-secret (generated on first start).
  std::string client_id = "msee-emu";
  // The token audience ARM accepts (az's active-directory resource id; the SDK's credential
  // scope without "/.default"). Compared without a trailing '/'.
  std::string audience = "https://management.core.windows.net/";
  std::string tenant_id = "00000000-0000-0000-0000-0000000adf50";
  Lro lro = Lro::Async;
  std::chrono::seconds token_lifetime{3600};
  // PUT peering: applies a changed circuit config to the running emulator by difference (the
  // reload's function, wired by app/main.cpp); the changes, or why nothing was applied.
  std::function<Result<std::vector<std::string>, std::string>(msee::EmulatorConfig)> apply;
};

// A request and its answer, independent of Beast and TLS so the routing can be unit-tested.
struct ArmRequest {
  std::string method;
  std::string target;
  std::string host;           // the Host header: base of the Location URLs handed out
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string lro;            // x-msee-lro header ("", "sync", "async")
};
struct ArmResponse {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // Location, Retry-After, ...
};

class ArmServer {
 public:
  // `api` is the REST API's configuration: every read goes through its handlers.
  ArmServer(boost::asio::io_context& io, emulator::Emulator& emulator, api::ApiConfig api,
            ArmConfig config);
  ~ArmServer();
  // Creates or loads the keys and certificates, opens the listener; false (with a log line)
  // if either fails. Every ARM path needs a token, so any address may be bound.
  bool start();
  void stop();
  // Routing without the network (tests, and the server itself).
  ArmResponse handle(const ArmRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The state directory when --state-dir is not given: $XDG_STATE_HOME/msee-emu, else
// /var/lib/msee-emu for root, else ~/.local/state/msee-emu.
std::string default_state_dir();

}  // namespace msee::arm
