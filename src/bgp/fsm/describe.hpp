// Log formatting of the FSM's values (describe.cpp): the helpers that fsm.cpp and steps.cpp
// also use in their SessionDown reason lines. to_string(State/Timer) and describe(Event/Action)
// are declared in fsm.hpp. Pure string building; no protocol decisions.
#pragma once

#include <chrono>
#include <string>

#include "bgp/fsm/fsm.hpp"

namespace msee::bgp::fsm {

// "OPEN", "UPDATE", "NOTIFICATION", "KEEPALIVE", "ROUTE-REFRESH".
const char* message_name(const wire::Message& m);
const char* message_name(const ControlMessage& m);

// "90 s", or "1500 ms" when not whole seconds.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace msee::bgp::fsm
