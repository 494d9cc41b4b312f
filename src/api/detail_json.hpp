// Internal to the REST API: the response helpers (Azure-style error bodies) shared by
// api_json.cpp and api_drills_json.cpp, and the handlers of Azure's link failover test (R68)
// and of the drills' per-link fault injection (R64, Q7), which api_drills_json.cpp owns.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/api.hpp"
#include "msee/failover.hpp"

namespace msee::api::detail {

using json = nlohmann::ordered_json;

// {"error": {"code", "message"}} with `status`; a 200 with `j`.
ApiResponse error(unsigned status, std::string_view code, std::string message);
ApiResponse ok(const json& j);

// ISO 8601 UTC ("" for a time never set).
std::string iso_time(std::chrono::system_clock::time_point t);

// MSEE: R68 — a failover test with its status and result.
json failover_json(const emulator::Emulator& emu, const msee::FailoverTest& t);
// POST /v1/circuits/C/failoverTests/start|stop
ApiResponse failover(emulator::Emulator& emu, const std::string& circuit, const std::string& action,
                     const std::string& body);
// GET|PATCH /v1/circuits/C/links/Primary|Secondary
ApiResponse link_drill(emulator::Emulator& emu, const std::string& circuit, const std::string& link_text,
                       const std::string& method, const std::string& body);

}  // namespace msee::api::detail
