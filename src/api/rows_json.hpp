// Large API bodies written straight to text (issue #15): {"value": [ {row}, ... ]} with rows
// of strings, numbers, booleans and nested objects of them, byte for byte what nlohmann::json's dump(2) prints for the same
// tree (tests/api/rows_json_test.cpp compares them). A 10,000-row route table built as a json
// tree spent most of its time allocating, freeing and escaping nodes; written directly it is
// one string grown in place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bgp/wire/types.hpp"

namespace msee::api::detail {

class JsonRows {
 public:
  explicit JsonRows(std::size_t expected_rows = 0);
  void begin_row();
  void field(std::string_view key, std::string_view value);
  void field(std::string_view key, std::uint64_t value);
  void flag(std::string_view key, bool value);  // true/false (not an overload: field(k, 5))
  // The address as text ("192.0.2.1", "2001:db8::1"): what to_string() gives, without its
  // sprintf for IPv4 (two per session row of /v1/sessions).
  void address(std::string_view key, const bgp::wire::IpAddress& value);
  // A nested object as the value of `key`, until end_object().
  void begin_object(std::string_view key);
  void end_object();
  void end_row();
  // The body, with the trailing newline the other answers have.
  std::string finish() &&;

 private:
  void key(std::string_view k);  // our own field names: ASCII, nothing to escape
  void string(std::string_view s);
  std::string out_;
  bool first_row_ = true;
  bool first_field_ = true;
  int depth_ = 0;  // nested objects open in the row
};

}  // namespace msee::api::detail
