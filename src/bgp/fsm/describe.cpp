// Log formatting of the FSM (RFC 4271 §8) values: to_string of State and Timer, describe() of
// Events and Actions ("TimerExpired(Hold)", "SessionDown(HoldTimerExpired, ...)") and the
// message/duration helpers fsm.cpp and steps.cpp use in reason lines. Only string building:
// the state machine itself is fsm.cpp and steps.cpp.
#include "bgp/fsm/describe.hpp"

#include <fmt/format.h>

#include "util/overloaded.hpp"

namespace msee::bgp::fsm {

namespace {

using util::Overloaded;

// Names every message type; visits both wire::Message and ControlMessage.
const auto kMessageName = Overloaded{
    [](const wire::OpenMessage&) { return "OPEN"; },
    [](const wire::UpdateMessage&) { return "UPDATE"; },
    [](const wire::NotificationMessage&) { return "NOTIFICATION"; },
    [](const wire::KeepaliveMessage&) { return "KEEPALIVE"; },
    [](const wire::RouteRefreshMessage&) { return "ROUTE-REFRESH"; },
};

std::string format_id(wire::RouterId id) {
  return fmt::format("{}.{}.{}.{}", id >> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
}

// One line per message: "OPEN v4 as 65001 hold 90 id 10.0.0.2 caps 3", "NOTIFICATION Cease/...".
template <class MessageVariant>
std::string describe_message(const MessageVariant& m) {
  return std::visit(
      Overloaded{
          [](const wire::OpenMessage& o) {
            return fmt::format("OPEN v{} as {} hold {} id {} caps {}", o.version, o.my_as,
                               o.hold_time, format_id(o.bgp_id), o.capabilities.size());
          },
          [](const wire::UpdateMessage&) { return std::string("UPDATE"); },
          [](const wire::NotificationMessage& n) { return "NOTIFICATION " + n.describe(); },
          [](const wire::KeepaliveMessage&) { return std::string("KEEPALIVE"); },
          [](const wire::RouteRefreshMessage& r) {
            return fmt::format("ROUTE-REFRESH {} subtype {}", wire::to_string(r.afi_safi),
                               static_cast<int>(r.subtype));
          },
      },
      m);
}

const char* to_string(SessionDown::Kind k) {
  switch (k) {
    case SessionDown::Kind::ManualStop:
      return "ManualStop";
    case SessionDown::Kind::AutomaticStop:
      return "AutomaticStop";
    case SessionDown::Kind::NotificationSent:
      return "NotificationSent";
    case SessionDown::Kind::NotificationReceived:
      return "NotificationReceived";
    case SessionDown::Kind::HoldTimerExpired:
      return "HoldTimerExpired";
    case SessionDown::Kind::TransportClosed:
      return "TransportClosed";
  }
  return "?";
}

}  // namespace

const char* message_name(const wire::Message& m) { return std::visit(kMessageName, m); }
const char* message_name(const ControlMessage& m) { return std::visit(kMessageName, m); }

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return fmt::format("{} s", d.count() / 1000);
  }
  return fmt::format("{} ms", d.count());
}

const char* to_string(State s) {
  switch (s) {
    case State::Idle:
      return "Idle";
    case State::Connect:
      return "Connect";
    case State::Active:
      return "Active";
    case State::OpenSent:
      return "OpenSent";
    case State::OpenConfirm:
      return "OpenConfirm";
    case State::Established:
      return "Established";
  }
  return "?";
}

const char* to_string(Timer t) {
  switch (t) {
    case Timer::ConnectRetry:
      return "ConnectRetry";
    case Timer::Hold:
      return "Hold";
    case Timer::Keepalive:
      return "Keepalive";
    case Timer::IdleHold:
      return "IdleHold";
  }
  return "?";
}

std::string describe(const Event& e) {
  return std::visit(
      Overloaded{
          [](const ManualStart& s) {
            return std::string(s.passive ? "ManualStart(passive)" : "ManualStart");
          },
          [](const ManualStop& s) {
            return s.notification ? fmt::format("ManualStop({})", s.notification->describe())
                                  : std::string("ManualStop");
          },
          [](const AutomaticStop& s) {
            return fmt::format("AutomaticStop({}, restart after {})", s.notification.describe(),
                               format_duration(s.restart_after));
          },
          [](const TcpConnectionConfirmed&) { return std::string("TcpConnectionConfirmed"); },
          [](const TcpConnectionFails&) { return std::string("TcpConnectionFails"); },
          [](const TimerExpired& t) { return fmt::format("TimerExpired({})", to_string(t.which)); },
          [](const MessageReceived& m) {
            return fmt::format("MessageReceived({})", describe_message(m.message));
          },
          [](const UpdateReceived&) { return std::string("UpdateReceived"); },
          [](const DecodeFailed& d) {
            return fmt::format("DecodeFailed({} at offset {}: {})",
                               wire::error_name(static_cast<std::uint8_t>(d.error.code),
                                                d.error.subcode),
                               d.error.offset, d.error.reason);
          },
      },
      e);
}

std::string describe(const Action& a) {
  return std::visit(
      Overloaded{
          [](const Connect&) { return std::string("Connect"); },
          [](const Disconnect&) { return std::string("Disconnect"); },
          [](const Send& s) { return fmt::format("Send({})", describe_message(s.message)); },
          [](const StartTimer& t) {
            return fmt::format("StartTimer({}, {})", to_string(t.which), format_duration(t.after));
          },
          [](const StopTimer& t) { return fmt::format("StopTimer({})", to_string(t.which)); },
          [](const SessionEstablished& s) {
            return fmt::format("SessionEstablished(as {} id {} hold {} keepalive {})",
                               s.negotiated.peer_as, format_id(s.negotiated.peer_id),
                               s.negotiated.hold_time, s.negotiated.keepalive_time);
          },
          [](const SessionDown& d) {
            return fmt::format("SessionDown({}{}{}{}{})", to_string(d.kind),
                               d.was_established ? ", was established" : "",
                               d.notification ? ", " : "",
                               d.notification ? d.notification->describe() : "",
                               d.reason.empty() ? "" : ": " + d.reason);
          },
          [](const DeliverRouteRefresh& r) {
            return fmt::format("DeliverRouteRefresh({})",
                               describe_message(ControlMessage{r.request}));
          },
      },
      a);
}

}  // namespace msee::bgp::fsm
