// Internal to the ARM endpoint, without JSON: the state the handlers share (the emulator, the
// REST API's configuration through which they read it, the keys, the long-running operations
// handed out), the routed request a handler gets, and every handler, by the file that owns it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arm/arm.hpp"
#include "arm/pki.hpp"

namespace msee::arm::detail {

// A long-running operation's result, kept for the client that polls its Location. ARM's
// operations are kept for a while; ours for kOperationLifetime, at most kMaxOperations.
struct Operation {
  unsigned status = 200;  // of the final answer
  std::string body;       // the final answer (POST results) or the operation status (PUT)
  std::chrono::steady_clock::time_point created;
};
constexpr std::size_t kMaxOperations = 256;
constexpr auto kOperationLifetime = std::chrono::minutes(10);

struct State {
  emulator::Emulator& emu;
  api::ApiConfig api;
  ArmConfig config;
  std::optional<Pki> pki;  // set by ArmServer::start()
  std::map<std::string, Operation> operations;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  // Keeps `op` under a new id (dropping expired or, at the cap, the oldest ones).
  std::string keep(Operation op);
};

struct Call {
  State& state;
  const ArmRequest& request;
  std::vector<std::string> segments;  // %-decoded, empty ones dropped
  std::map<std::string, std::string> query;

  // "https://<Host>" of the request: where the clients reach this server.
  std::string base_url() const;
  // 202 + Location for this request (the default, or x-msee-lro), else 200 at once.
  bool async() const;
  // The api-version the client sent (echoed into Location URLs), or ARM's network one.
  std::string api_version() const;
};

// Routes one request (router.cpp): the token check, then the handler.
ArmResponse route(State& state, const ArmRequest& request);

// ARM's error body {"error": {"code", "message"}} (common_json.cpp).
ArmResponse error(unsigned status, std::string_view code, std::string message);

// A GET/POST/PATCH of the REST API (/v1/...) on the emulator, through the API's own router:
// the status and JSON text it answered.
api::ApiResponse v1(State& state, const std::string& method, const std::string& path,
                    const std::string& body = "");
// A path segment %-encoded for a /v1 URL.
std::string pct(std::string_view segment);

// The circuit named `name` in subscription `sub` and resource group `rg` (ARM compares all
// three without case), or the 404 ARM answers: SubscriptionNotFound, ResourceGroupNotFound,
// ResourceNotFound.
struct Found {
  const msee::Circuit* circuit = nullptr;
  std::optional<ArmResponse> error;
};
Found find_circuit(const State& state, const std::string& sub, const std::string& rg,
                   const std::string& name);
bool subscription_known(const State& state, const std::string& sub);
bool resource_group_known(const State& state, const std::string& sub, const std::string& rg);

// identity_json.cpp: the token issuer and what clients read before ARM.
ArmResponse openid_configuration(const Call& c);  // GET /adfs/.well-known/openid-configuration
ArmResponse token(const Call& c);                 // POST /adfs/oauth2/token
ArmResponse signing_keys(const Call& c);          // GET /adfs/discovery/keys
ArmResponse metadata_endpoints(const Call& c);    // GET /metadata/endpoints
ArmResponse list_subscriptions(const Call& c);    // GET /subscriptions
ArmResponse get_subscription(const Call& c);      // GET /subscriptions/{sub}
ArmResponse list_tenants(const Call& c);          // GET /tenants
ArmResponse get_resource_group(const Call& c);    // GET /subscriptions/{sub}/resourceGroups/{rg}

// resources_json.cpp: circuits and peerings (GET), route tables, summary and ARP (POST,
// long-running), and the operations a 202 hands out. `sub`/`rg`/`circuit`/`peering`/`path`
// come from the route (router.cpp) in this order.
ArmResponse list_circuits(const Call& c, const std::string& sub, const std::string* rg);
ArmResponse get_circuit(const Call& c, const std::string& sub, const std::string& rg,
                        const std::string& circuit);
ArmResponse list_peerings(const Call& c, const std::string& sub, const std::string& rg,
                          const std::string& circuit);
ArmResponse get_peering(const Call& c, const std::string& sub, const std::string& rg,
                        const std::string& circuit, const std::string& peering);
// `table`: "routeTables", "routeTablesSummary" or "arpTables"; `path`: primary|secondary.
ArmResponse post_table(const Call& c, const std::string& sub, const std::string& rg,
                       const std::string& circuit, const std::string& peering,
                       const std::string& table, const std::string& path);
ArmResponse get_operation(const Call& c, const std::string& sub, const std::string& kind,
                          const std::string& id);

// peering_put_json.cpp: PUT peering (state, addresses, ASN, VLAN, MD5 key, Microsoft
// peering's prefixes), applied by difference.
ArmResponse put_peering(const Call& c, const std::string& sub, const std::string& rg,
                        const std::string& circuit, const std::string& peering);

// failover_json.cpp: the circuit link failover test (api-version 2025-07-01).
ArmResponse failover_action(const Call& c, const std::string& sub, const std::string& rg,
                            const std::string& circuit, const std::string& action);

}  // namespace msee::arm::detail
