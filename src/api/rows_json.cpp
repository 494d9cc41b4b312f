// JsonRows (rows_json.hpp): nlohmann's dump(2) layout, written directly.
#include "api/rows_json.hpp"

#include <fmt/format.h>

#include "api/detail_json.hpp"
#include "util/text.hpp"

namespace msee::api::detail {

JsonRows::JsonRows(std::size_t expected_rows) {
  out_.reserve(32 + expected_rows * 160);
  out_ += "{\n  \"value\": [";
}

void JsonRows::begin_row() {
  out_ += first_row_ ? "\n    {" : ",\n    {";
  first_row_ = false;
  first_field_ = true;
}

void JsonRows::key(std::string_view k) {
  out_ += first_field_ ? "\n      " : ",\n      ";
  out_.append(static_cast<std::size_t>(2 * depth_), ' ');
  first_field_ = false;
  string(k);
  out_ += ": ";
}

void JsonRows::field(std::string_view k, std::string_view value) {
  key(k);
  string(value);
}

void JsonRows::field(std::string_view k, std::uint64_t value) {
  key(k);
  fmt::format_int text(value);
  out_.append(text.data(), text.size());
}

void JsonRows::flag(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
}

void JsonRows::begin_object(std::string_view k) {
  key(k);
  out_ += '{';
  ++depth_;
  first_field_ = true;
}

void JsonRows::end_object() {
  --depth_;
  if (!first_field_) {
    out_ += "\n      ";
    out_.append(static_cast<std::size_t>(2 * depth_), ' ');
  }
  out_ += '}';
  first_field_ = false;
}

void JsonRows::end_row() { out_ += first_field_ ? "}" : "\n    }"; }

std::string JsonRows::finish() && {
  out_ += first_row_ ? "]\n}\n" : "\n  ]\n}\n";
  return std::move(out_);
}

void JsonRows::string(std::string_view s) {
  bool plain = true;  // nothing to escape: appended as it is (names, addresses, states)
  for (unsigned char ch : s) {
    if (ch >= 0x80) {
      // Not ours to get wrong: nlohmann's own escaping, invalid UTF-8 replaced (detail_json).
      out_ += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
      return;
    }
    plain = plain && ch >= 0x20 && ch != '"' && ch != '\\';
  }
  out_ += '"';
  if (plain) {
    out_.append(s);
  } else {
    util::append_json_escaped(out_, s);
  }
  out_ += '"';
}

}  // namespace msee::api::detail
