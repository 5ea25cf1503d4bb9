// writer_lock: see writer_lock.hpp.
//
// The lock is flock(LOCK_EX | LOCK_NB) on `<database>-writer`. flock locks belong to the open file
// description, so a second writer is refused in another process and in this one alike, and the
// kernel drops the lock when its holder dies (a SIGKILLed `dueday run` leaves a stale file, not a
// stale lock). Removing the file on release races a writer that opened it just before: that one
// may then lock a file no longer in the folder while a third creates a new one. So a writer that
// got the lock checks that the path still names the file it locked, and starts again when not;
// the holder unlinks before it closes, so whoever locks after an unlink sees the change.
#include "store/writer_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "dueday/error.hpp"
#include "dueday/store.hpp"

namespace dueday::detail {

namespace {

// The pid written in the lock file, if it holds one.
long holder_pid(int fd) {
  char text[32] = {};
  const ssize_t n = pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return 0;
  long pid = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9' && pid < 100'000'000; ++i)
    pid = pid * 10 + (text[i] - '0');
  return pid;
}

}  // namespace

void writer_lock::take(const std::filesystem::path& database, const std::string& name) {
  // Named after the file the path resolves to: SQLite follows symbolic links to the database (its
  // -wal and -shm files sit next to the real file), so two writers reaching it by two names must
  // meet at one lock. Two hard links to one file are not told apart.
  std::error_code resolved;
  const std::filesystem::path real = std::filesystem::weakly_canonical(database, resolved);
  const std::filesystem::path path = (resolved ? database : real).string() + "-writer";
  const auto refuse = [&](const std::string& what) { throw store_error(fmt::format("store {}: {}", name, what)); };
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
      refuse(fmt::format("cannot create its lock file {} ({})", escape(path.string(), 1024), std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const long pid = holder_pid(fd);
      ::close(fd);
      if (err != EWOULDBLOCK) {
        refuse(fmt::format("cannot lock its lock file {} ({})", escape(path.string(), 1024), std::strerror(err)));
      }
      if (pid == static_cast<long>(::getpid())) refuse("another writer in this process has it open");
      refuse(pid > 0 ? fmt::format("another process is writing to it (pid {})", pid)
                     : std::string("another process is writing to it"));
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(fd, &locked) != 0 || ::stat(path.c_str(), &named) != 0 || locked.st_ino != named.st_ino ||
        locked.st_dev != named.st_dev) {
      ::close(fd);  // its holder removed it as we opened it: take the new one
      continue;
    }
    // The pid, for a second writer's message; best effort (a full disk must not stop the writer).
    const std::string pid = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    fd_ = fd;
    path_ = path;
    return;
  }
  refuse(fmt::format("cannot lock: its lock file {} keeps being replaced", escape(path.string(), 1024)));
}

void writer_lock::release() noexcept {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace dueday::detail
