// The REST API's response bodies: Azure's error shape {"error": {"code", "message"}} (declared
// in handlers.hpp, for the server too) and the 200 answer, both pretty-printed JSON.
#include "api/detail_json.hpp"

namespace msee::api::detail {

namespace {

// Messages echo what the client sent (a %-decoded circuit name, the raw target), which need not
// be UTF-8: invalid bytes become U+FFFD instead of the type_error 316 that json::dump throws,
// which would end the connection without an answer.
std::string dump(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

ApiResponse error(unsigned status, std::string_view code, std::string message) {
  json j{{"error", {{"code", std::string(code)}, {"message", std::move(message)}}}};
  return {status, "application/json", dump(j)};
}

ApiResponse ok(const json& j) { return {200, "application/json", dump(j)}; }

}  // namespace msee::api::detail
