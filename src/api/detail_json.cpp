// The REST API's response bodies: Azure's error shape {"error": {"code", "message"}} (declared
// in handlers.hpp, for the server too) and the 200 answer, both pretty-printed JSON.
#include "api/detail_json.hpp"

namespace msee::api::detail {

ApiResponse error(unsigned status, std::string_view code, std::string message) {
  json j{{"error", {{"code", std::string(code)}, {"message", std::move(message)}}}};
  return {status, "application/json", j.dump(2) + "\n"};
}

ApiResponse ok(const json& j) { return {200, "application/json", j.dump(2) + "\n"}; }

}  // namespace msee::api::detail
