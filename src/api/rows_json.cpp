// JsonRows (rows_json.hpp): nlohmann's dump(2) layout, written directly.
#include "api/rows_json.hpp"

#include <fmt/format.h>

#include <cstring>

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
  // One append per key (',', the line break and indent, the quoted name): piece by piece, the
  // keys were a third of a 2,000-row /v1/sessions (issue #15).
  char text[128];
  std::size_t n = 0;
  if (!first_field_) {
    text[n++] = ',';
  }
  first_field_ = false;
  auto indent = static_cast<std::size_t>(6 + 2 * depth_);
  if (k.size() + indent + 5 > sizeof text) {
    out_.append(text, n);
    out_ += '\n';
    out_.append(indent, ' ');
    out_ += '"';
    out_.append(k);
    out_ += "\": ";
    return;
  }
  text[n++] = '\n';
  std::memset(text + n, ' ', indent);
  n += indent;
  text[n++] = '"';
  std::memcpy(text + n, k.data(), k.size());
  n += k.size();
  std::memcpy(text + n, "\": ", 3);
  n += 3;
  out_.append(text, n);
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

void JsonRows::address(std::string_view k, const bgp::wire::IpAddress& a) {
  key(k);
  if (!a.is_v4()) {
    string(a.to_string());
    return;
  }
  char text[17] = {'"'};
  char* p = text + 1;
  for (std::size_t i = 0; i < 4; ++i) {
    unsigned v = a.bytes[i];
    if (v >= 100) {
      *p++ = static_cast<char>('0' + v / 100);
      v %= 100;
      *p++ = static_cast<char>('0' + v / 10);
    } else if (v >= 10) {
      *p++ = static_cast<char>('0' + v / 10);
    }
    *p++ = static_cast<char>('0' + v % 10);
    *p++ = i < 3 ? '.' : '"';
  }
  out_.append(text, static_cast<std::size_t>(p - text));
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
  // One pass without early exits (the compiler vectorises it): nothing to escape is the rule
  // (names, addresses, states), appended as it is.
  bool plain = true, ascii = true;
  for (unsigned char ch : s) {
    plain &= (ch >= 0x20) & (ch != '"') & (ch != '\\');
    ascii &= ch < 0x80;
  }
  if (!ascii) {
    // Not ours to get wrong: nlohmann's own escaping, invalid UTF-8 replaced (detail_json).
    out_ += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  if (plain && s.size() <= 126) {  // one append, quotes included
    char text[128];
    text[0] = '"';
    std::memcpy(text + 1, s.data(), s.size());
    text[s.size() + 1] = '"';
    out_.append(text, s.size() + 2);
    return;
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
