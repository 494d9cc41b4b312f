// `msee-ctl health`: the container image's HEALTHCHECK (and a readiness probe for scripts).
// Healthy means the REST API answers and every session of the plan is known to the speaker,
// i.e. listed by GET /v1/sessions with a BGP state; --established also asks every
// administratively Up session to be Established. Exit 0 healthy, 1 not, 3 API unreachable.
#include "ctl/commands.hpp"

#include "ctl/ctl_json.hpp"

#include <iostream>

namespace msee::ctl {

int health(const Invocation& inv) {
  // A short timeout: podman/docker run this every few seconds and kill slow checks anyway.
  auto reply = request(inv.url, Method::get, "/v1/sessions", inv.token, "",
                       std::chrono::seconds(5));
  if (!reply) {
    return 3;
  }
  auto doc = json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || doc.is_discarded() || !doc.contains("value") ||
      !doc.at("value").is_array()) {
    std::cerr << "msee-ctl: unhealthy: GET /v1/sessions answered " << reply->status << "\n";
    return 1;
  }
  const auto& sessions = doc.at("value");
  int established = 0;
  int waiting = 0;  // administratively Up but not Established
  std::string unknown;
  for (const auto& s : sessions) {
    auto state = s.value("state", std::string());
    if (state.empty()) {
      unknown += " " + s.value("name", std::string("(unnamed)"));
    } else if (state == "Established") {
      ++established;
    } else if (s.value("adminState", std::string("Up")) == "Up") {
      ++waiting;
    }
  }
  bool ok = !sessions.empty() && unknown.empty() && (!inv.flag("--established") || waiting == 0);
  json out{{"healthy", ok},
           {"sessions", sessions.size()},
           {"established", established},
           {"notEstablished", waiting}};
  if (inv.output == "json") {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << (ok ? "healthy: " : "unhealthy: ") << sessions.size() << " session(s), "
              << established << " Established, " << waiting << " waiting"
              << (sessions.empty() ? " (no session configured)" : "")
              << (unknown.empty() ? "" : "; no state for" + unknown) << "\n";
  }
  return ok ? 0 : 1;
}

}  // namespace msee::ctl
