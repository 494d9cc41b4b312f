// msee-ctl's table printer: cells, headers, az-style tables and event-log lines for
// `-o table` (JSON output is printed by the commands themselves).
#include "ctl/table_json.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>

namespace msee::ctl {

std::string cell(const json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_null()) {
    return "";
  }
  if (v.is_object() || v.is_array()) {
    return v.dump();
  }
  return v.dump();
}

std::string header(std::string key) {
  if (!key.empty()) {
    key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
  }
  return key;
}

void print_table(const json& rows, const std::vector<std::string>& columns) {
  std::vector<std::size_t> width;
  for (const auto& c : columns) {
    width.push_back(header(c).size());
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto s = r.contains(columns[i]) ? cell(r.at(columns[i])) : "";
      width[i] = std::max(width[i], s.size());
      line.push_back(std::move(s));
    }
    cells.push_back(std::move(line));
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) {
        out += std::string(width[i] - line[i].size() + 2, ' ');
      }
    }
    std::cout << out << "\n";
  };
  std::vector<std::string> head;
  std::vector<std::string> rule;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    head.push_back(header(columns[i]));
    rule.push_back(std::string(width[i], '-'));
  }
  print_line(head);
  print_line(rule);
  for (const auto& line : cells) {
    print_line(line);
  }
}

// az's own `-o table` for a command without a table of its own (knack's _TableOutput): one
// row per object, a column per key whose value is a non-null scalar, keys sorted, id, type and
// etag skipped, the first letter capitalised, booleans as Python prints them.
void print_az_auto_table(const json& doc, const std::vector<std::string>& /*columns*/) {
  json rows = doc.contains("value") && doc.at("value").is_array() ? doc.at("value")
                                                                   : json::array({doc});
  std::vector<std::string> keys;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.items()) {
      if (k == "id" || k == "type" || k == "etag" || v.is_null() || v.is_object() ||
          v.is_array() || std::find(keys.begin(), keys.end(), k) != keys.end()) {
        continue;
      }
      keys.push_back(k);
    }
  }
  std::sort(keys.begin(), keys.end());
  json shown = json::array();
  for (const auto& r : rows) {
    json row = json::object();
    for (const auto& k : keys) {
      if (r.contains(k) && r.at(k).is_boolean()) {
        row[k] = r.at(k).get<bool>() ? "True" : "False";
      } else if (r.contains(k)) {
        row[k] = r.at(k);
      }
    }
    shown.push_back(std::move(row));
  }
  print_table(shown, keys);
}

void print_event_line(const json& e) {
  std::string rest;
  for (const auto& [k, v] : e.items()) {
    if (k == "time" || k == "event" || k == "peer" || k == "subject" || k == "seq") {
      continue;
    }
    rest += (rest.empty() ? "" : " ") + k + "=" + cell(v);
  }
  std::string who = e.contains("peer") ? cell(e["peer"]) : cell(e.value("subject", json()));
  std::cout << cell(e.value("time", json())) << "  " << cell(e.value("event", json())) << "  "
            << who << "  " << rest << "\n";
}

}  // namespace msee::ctl
