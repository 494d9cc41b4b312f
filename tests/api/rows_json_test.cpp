// JsonRows (api/rows_json.hpp) prints what nlohmann::json's dump(2) prints for the same rows:
// the route table's body did not change when it stopped being a json tree.
#include <catch2/catch.hpp>

#include "api/detail_json.hpp"
#include "api/rows_json.hpp"

using namespace msee::api::detail;

namespace {

struct Row {
  std::string network, path;
  std::uint64_t weight;
};

std::string direct(const std::vector<Row>& rows) {
  JsonRows out(rows.size());
  for (const auto& r : rows) {
    out.begin_row();
    out.field("network", r.network);
    out.field("weight", r.weight);
    out.field("path", r.path);
    out.end_row();
  }
  return std::move(out).finish();
}

std::string tree(const std::vector<Row>& rows) {
  json value = json::array();
  for (const auto& r : rows) {
    value.push_back({{"network", r.network}, {"weight", r.weight}, {"path", r.path}});
  }
  return json{{"value", std::move(value)}}.dump(2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

}  // namespace

TEST_CASE("JsonRows prints what a json tree's dump(2) prints", "[api]") {
  std::vector<Row> rows;
  SECTION("no rows") {}
  SECTION("one row") { rows.push_back({"10.1.0.0/16", "65001", 0}); }
  SECTION("many rows, large numbers, empty strings") {
    for (std::uint64_t i = 0; i < 50; ++i) {
      rows.push_back({"10." + std::to_string(i) + ".0.0/16", i % 2 ? "" : "12076 65001 {1,2}",
                      i * 4294967296ull});
    }
  }
  SECTION("characters that need escaping, and bytes that are not UTF-8") {
    rows.push_back({"a\"b\\c\nd\te\x01\x1f", "\xc3\xa9t\xc3\xa9", 1});
    rows.push_back({"\xff\xfe broken", "/", 2});
  }
  CHECK(direct(rows) == tree(rows));
}

TEST_CASE("JsonRows: a row without fields prints as an empty object", "[api]") {
  JsonRows out;
  out.begin_row();
  out.end_row();
  CHECK(std::move(out).finish() == json{{"value", json::array({json::object()})}}.dump(2) + "\n");
}

TEST_CASE("JsonRows: booleans and nested objects print as dump(2) prints them", "[api]") {
  JsonRows out(2);
  out.begin_row();
  out.field("name", "a");
  out.flag("up", true);
  out.begin_object("bfd");
  out.field("state", "Up");
  out.field("txIntervalMs", std::uint64_t{300});
  out.end_object();
  out.flag("down", false);
  out.end_row();
  out.begin_row();
  out.begin_object("empty");
  out.end_object();
  out.begin_object("last");
  out.flag("x", false);
  out.end_object();
  out.end_row();
  json rows = json::array();
  rows.push_back({{"name", "a"},
                  {"up", true},
                  {"bfd", {{"state", "Up"}, {"txIntervalMs", 300}}},
                  {"down", false}});
  rows.push_back({{"empty", json::object()}, {"last", {{"x", false}}}});
  CHECK(std::move(out).finish() == json{{"value", rows}}.dump(2) + "\n");
}
