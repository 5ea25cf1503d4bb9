// Files and calendars: read_file, load_notice, load_calendar and the notices compiled in. Dates
// and instants are read in iso_parse.cpp, notices in notice_reader.cpp, the TOML pre-scan is in
// toml_guard.cpp.
#include "dueday/io.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "detail/builtin.hpp"
#include "detail/notice_reader.hpp"
#include "detail/toml_util.hpp"
#include "dueday/error.hpp"

namespace dueday {

namespace {

// Closes a file descriptor.
struct fd_closer {
  int fd;
  explicit fd_closer(int f) : fd(f) {}
  fd_closer(const fd_closer&) = delete;
  fd_closer& operator=(const fd_closer&) = delete;
  ~fd_closer() { ::close(fd); }
};

std::string_view file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  return "is not a regular file";
}

}  // namespace

std::string detail::read_file(const std::filesystem::path& file) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    struct stat link {};
    if (e == ENOENT && ::lstat(file.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      throw parse_error(file.string(), 0, "a broken symbolic link (its target does not exist)");
    }
    if (e == ENOENT) throw parse_error(file.string(), 0, "cannot open file");
    if (e == ELOOP) throw parse_error(file.string(), 0, "a symbolic link loop");
    throw parse_error(file.string(), 0,
                      fmt::format("cannot open file ({})", std::error_code(e, std::generic_category()).message()));
  }
  const fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw parse_error(file.string(), 0, "cannot read file status");
  if (!S_ISREG(st.st_mode)) throw parse_error(file.string(), 0, file_type_name(st.st_mode));
  std::string text;
  std::array<char, 1 << 16> buffer{};
  while (text.size() <= max_toml_bytes) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw parse_error(file.string(), 0,
                        fmt::format("read error ({})", std::error_code(errno, std::generic_category()).message()));
    }
    if (got == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  if (text.size() > max_toml_bytes + 1) text.resize(max_toml_bytes + 1);
  return text;
}

notice load_notice(const std::filesystem::path& file) { return parse_notice(detail::read_file(file), file.string()); }

calendar load_calendar(const std::filesystem::path& dir, calendar_options options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      throw parse_error(dir.string(), 0, fmt::format("not a directory ({})", ec.message()));
    }
    throw parse_error(dir.string(), 0, "not a directory");
  }
  // Every *.toml is a notice: one skipped (a broken link, a FIFO, a folder) would end the coverage
  // a year early without a word, so read_file refuses it, naming it.
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".toml") files.push_back(it->path());
  }
  if (ec) throw parse_error(dir.string(), 0, fmt::format("cannot read the directory ({})", ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) throw parse_error(dir.string(), 0, "no holiday notice (*.toml) in the directory");
  std::vector<notice> notices;
  notices.reserve(files.size());
  for (const auto& f : files) {
    int region_line = 0;
    notices.push_back(detail::read_notice(detail::read_file(f), f.string(), region_line));
    if (const notice& n = notices.back(); !n.region.empty()) {
      // The calendar would lay it over the national days of everyone using the folder.
      throw parse_error(n.source, region_line,
                        fmt::format("region = \"{}\" makes this a local overlay, which does not belong among the "
                                    "national notices (keep it in regions/ and give it with --region)",
                                    escape(n.region)));
    }
  }
  return calendar(std::move(notices), std::move(options));
}

std::vector<notice> builtin_notices() {
  std::vector<notice> notices;
  for (const auto& f : detail::builtin_holiday_files()) notices.push_back(parse_notice(f.text, std::string(f.name)));
  return notices;
}

calendar builtin_calendar() {
  static const calendar cal(builtin_notices());
  return cal;
}

}  // namespace dueday
