// Process-wide logger: one line per event, human-readable by default ("2026-11-22T00:00:00.123Z
// INFO  peer 127.0.0.2: Established"), or one JSON object per line with --log-format json.
// The pure protocol modules never log; they return reasons, and the I/O/app layers log them.
#pragma once

#include <fmt/core.h>

#include <string>
#include <string_view>

namespace msee::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };

void set_level(Level level);
void set_json(bool json);
bool enabled(Level level);
void write(Level level, std::string_view text);

// Now, UTC, ISO 8601 with milliseconds and a 'Z': "2026-11-22T00:00:00.123Z". Every log line
// carries it (first word, or "time" with --log-format json), and so does every event of the
// event log (speaker/event_log_json.cpp), so logs and events sort and compare as plain text.
std::string timestamp();

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Debug)) write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Info)) write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Warn)) write(Level::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Error)) write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace msee::log
