// The link failover test model (R68, Q7): names, one test per circuit, redundancy, success.
#include <catch2/catch.hpp>

#include "msee/failover.hpp"

using namespace msee;
using namespace msee;

namespace {
bgp::wire::Prefix pfx(const char* t) { return *bgp::wire::Prefix::parse(t); }
}  // namespace

TEST_CASE("R68: failover test names parse as Azure spells them", "[failover]") {
  CHECK(failover_category("BgpDisconnect") == FailoverCategory::BgpDisconnect);
  CHECK(failover_category("aspathprepend") == FailoverCategory::ASPathPrepend);
  CHECK_FALSE(failover_category("Flap"));
  CHECK(link_type("Primary") == LinkPath::Primary);
  CHECK(link_type("SECONDARY") == LinkPath::Secondary);
  CHECK_FALSE(link_type("both"));
  CHECK(to_string(FailoverStatus::StopFailed) == "StopFailed");
  CHECK(to_string(FailoverStatus::Expired) == "Expired");
}

TEST_CASE("R68: one running test per circuit, never both links", "[failover]") {
  std::vector<FailoverTest> tests;
  CHECK_FALSE(may_start(tests, "c1"));
  FailoverTest t;
  t.circuit = "c1";
  t.status = FailoverStatus::Running;
  tests.push_back(t);
  auto why = may_start(tests, "c1");
  REQUIRE(why);
  CHECK(why->find("never both links") != std::string::npos);
  CHECK_FALSE(may_start(tests, "c2"));  // another circuit is independent
  tests[0].status = FailoverStatus::Completed;
  CHECK_FALSE(may_start(tests, "c1"));
}

TEST_CASE("R68: redundant and non-redundant routes", "[failover]") {
  FailoverSnapshot s;
  s.primary_routes = {pfx("10.0.0.0/16"), pfx("10.1.0.0/16"), pfx("10.2.0.0/16")};
  s.secondary_routes = {pfx("10.1.0.0/16"), pfx("10.0.0.0/16"), pfx("10.9.0.0/16")};
  auto r = route_redundancy(s);
  CHECK(r.redundant == 2);
  CHECK(r.non_redundant == 2);
  CHECK(r.non_redundant_prefixes == std::vector<bgp::wire::Prefix>{pfx("10.2.0.0/16"),
                                                                     pfx("10.9.0.0/16")});
}

TEST_CASE("R68: wasSimulationSuccessful, one condition at a time", "[failover]") {
  FailoverTest t;
  t.link = LinkPath::Primary;
  t.category = FailoverCategory::BgpDisconnect;
  CHECK_FALSE(was_simulation_successful(t));  // no snapshot during the test
  FailoverSnapshot d;
  d.sessions = {{"c/p/primary", LinkPath::Primary, false}, {"c/p/secondary", LinkPath::Secondary, true}};
  t.during = d;
  CHECK(was_simulation_successful(t));
  t.during->sessions[0].established = true;  // the tested link did not go down
  CHECK_FALSE(was_simulation_successful(t));
  t.category = FailoverCategory::ASPathPrepend;  // a prepend keeps the session up
  CHECK(was_simulation_successful(t));
  t.during->sessions[1].established = false;  // the surviving link is down too
  CHECK_FALSE(was_simulation_successful(t));
}
