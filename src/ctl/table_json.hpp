// msee-ctl's table printer (ctl/table_json.cpp): `-o table` output, az-style (capitalised
// field names as headers, a dashed rule, columns two spaces apart), and event-log lines.
#pragma once

#include "ctl/ctl_json.hpp"

#include <string>
#include <vector>

namespace msee::ctl {

// A value as a table cell: strings bare, null empty, everything else as compact JSON.
std::string cell(const json& v);
// az's table headers are the field names with a capital first letter.
std::string header(std::string key);
// `rows` (objects) as a table of `columns` on stdout; a missing field is an empty cell.
void print_table(const json& rows, const std::vector<std::string>& columns);
// One event as a table line: time, event, peer (or subject), and the rest compactly.
// az's automatic -o table of objects (knack's rule: plain fields only, sorted, no id/type/etag).
void print_az_auto_table(const json& doc, const std::vector<std::string>& columns);
void print_event_line(const json& e);

}  // namespace msee::ctl
