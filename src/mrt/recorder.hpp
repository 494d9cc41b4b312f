// Writes MRT records (mrt/mrt.hpp) to a file with optional time-based rotation, naming the
// files like bgpd's and BIRD's mrtdump: strftime fields in the path expand with UTC time. The
// caller passes `now`, so the recorder reads no clock; it never throws and reports errors
// through error(). Not thread-safe: one owner (the io_context thread) uses it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace msee::mrt {

class Recorder {
 public:
  // `path` may hold strftime fields ("/var/log/msee/updates.%Y%m%d.%H%M"). `rotate_seconds` > 0
  // starts a new file at every multiple of it since the epoch (so 900 gives :00, :15, :30 and
  // :45 files, as bgpd's "dump bgp updates PATH 15m" does); 0 never rotates.
  explicit Recorder(std::string path, std::uint32_t rotate_seconds = 0);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Opens (truncating) the file for time `now`. False, with error() set, when it cannot.
  bool open(std::time_t now);
  // Appends one record (or several, concatenated). Rotates first when a rotation boundary has
  // passed since the file was opened; a file whose expanded name has not changed is kept.
  // False when no file is open or a write failed; the record is then dropped.
  bool write(std::span<const std::uint8_t> record, std::time_t now);
  // Hands the buffered records to the file and flushes it. False on a write error.
  bool flush();
  void close();

  bool is_open() const { return file_ != nullptr; }
  const std::string& current_path() const { return current_path_; }
  const std::string& error() const { return error_; }
  std::uint64_t records_written() const { return records_; }

  // The file name for time `now`: `pattern` through strftime in UTC when it holds '%'.
  static std::string expand_path(const std::string& pattern, std::time_t now);

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  static constexpr std::size_t kFlushThreshold = 64 * 1024;

  std::time_t next_rotation(std::time_t now) const;

  std::string pattern_;
  std::uint32_t rotate_seconds_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string current_path_;
  std::time_t rotate_at_ = 0;  // 0: never
  std::vector<std::uint8_t> buffer_;
  std::string error_;
  std::uint64_t records_ = 0;
};

}  // namespace msee::mrt
