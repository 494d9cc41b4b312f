// MRT file writer with strftime naming and aligned rotation (see mrt_recorder.hpp).
#include "mrt/recorder.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace msee::mrt {

Recorder::Recorder(std::string path, std::uint32_t rotate_seconds)
    : pattern_(std::move(path)), rotate_seconds_(rotate_seconds) {}

Recorder::~Recorder() { close(); }

std::string Recorder::expand_path(const std::string& pattern, std::time_t now) {
  if (pattern.find('%') == std::string::npos) {
    return pattern;
  }
  std::tm tm{};
  if (gmtime_r(&now, &tm) == nullptr) {
    return pattern;
  }
  // strftime returns 0 both for "too small" and for an empty result; grow a few times, then
  // give up on a pattern that expands to nothing.
  std::string out(pattern.size() + 64, '\0');
  for (int attempt = 0; attempt < 4; ++attempt) {
    const std::size_t n = std::strftime(out.data(), out.size(), pattern.c_str(), &tm);
    if (n > 0) {
      out.resize(n);
      return out;
    }
    out.resize(out.size() * 4);
  }
  return pattern;
}

std::time_t Recorder::next_rotation(std::time_t now) const {
  if (rotate_seconds_ == 0) {
    return 0;
  }
  const std::time_t period = rotate_seconds_;
  return (now / period + 1) * period;
}

bool Recorder::open(std::time_t now) {
  const std::string path = expand_path(pattern_, now);
  rotate_at_ = next_rotation(now);
  if (file_ && path == current_path_) {
    return true;  // same name after rotation: keep appending to the open file
  }
  close();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    error_ = "cannot open MRT file " + path + ": " + std::strerror(errno);
    current_path_.clear();
    return false;
  }
  // The recorder buffers whole records itself; a second stdio buffer would only copy them.
  std::setvbuf(f, nullptr, _IONBF, 0);
  file_.reset(f);
  current_path_ = path;
  error_.clear();
  return true;
}

bool Recorder::write(std::span<const std::uint8_t> record, std::time_t now) {
  if (rotate_at_ != 0 && now >= rotate_at_) {
    open(now);  // on failure the old file is closed and error() says why
  }
  if (!file_) {
    return false;
  }
  buffer_.insert(buffer_.end(), record.begin(), record.end());
  ++records_;
  if (buffer_.size() >= kFlushThreshold) {
    return flush();
  }
  return true;
}

bool Recorder::flush() {
  if (!file_) {
    buffer_.clear();
    return false;
  }
  bool ok = true;
  if (!buffer_.empty()) {
    const std::size_t n = std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get());
    if (n != buffer_.size()) {
      error_ = "write to MRT file " + current_path_ + " failed: " + std::strerror(errno);
      ok = false;
    }
    buffer_.clear();
  }
  if (std::fflush(file_.get()) != 0) {
    error_ = "flush of MRT file " + current_path_ + " failed: " + std::strerror(errno);
    ok = false;
  }
  return ok;
}

void Recorder::close() {
  if (file_) {
    flush();
    file_.reset();
  }
  buffer_.clear();
}

}  // namespace msee::mrt
