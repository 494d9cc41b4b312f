// Logger implementation: writes to stderr, unbuffered per line; the shared ISO 8601 timestamp.
#include "util/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "util/text.hpp"

namespace msee::log {
namespace {
Level g_level = Level::Info;
bool g_json = false;

const char* level_name(Level l) {
  switch (l) {
    case Level::Debug: return "DEBUG";
    case Level::Info: return "INFO";
    case Level::Warn: return "WARN";
    case Level::Error: return "ERROR";
  }
  return "?";
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  util::append_json_escaped(out, s);
  return out;
}
}  // namespace

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms);
}

void set_level(Level level) { g_level = level; }
void set_json(bool json) { g_json = json; }
bool enabled(Level level) { return level >= g_level; }

void write(Level level, std::string_view text) {
  std::string line;
  if (g_json) {
    line = fmt::format(R"({{"time":"{}","level":"{}","msg":"{}"}})", timestamp(),
                       level_name(level), json_escape(text));
  } else {
    line = fmt::format("{} {:<5} {}", timestamp(), level_name(level), text);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace msee::log
