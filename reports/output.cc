#include "reports/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace ipcc {
namespace {

std::runtime_error Failure(const std::string& what, int err) {
  return std::runtime_error(fmt::format("{}: {}", what, std::strerror(err)));
}

bool WriteAll(int fd, const std::string& content) {
  for (std::size_t off = 0; off < content.size();) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

void PrepareOutFolder(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create the out folder {}: {}", dir, ec.message()));
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) throw Failure("the out folder " + dir, errno);
  if (S_ISLNK(st.st_mode)) {
    throw std::runtime_error(fmt::format("the out folder {} is a symbolic link: name the folder itself", dir));
  }
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error(fmt::format("the out folder {} is not a folder", dir));
  if (st.st_uid != geteuid()) {
    throw std::runtime_error(fmt::format(
        "the out folder {} belongs to uid {}, not to this user (uid {}): another user could plant links in it", dir,
        st.st_uid, geteuid()));
  }
  // Writable by others, or by a group other than this user's own: someone else could plant links.
  if ((st.st_mode & S_IWOTH) != 0 || ((st.st_mode & S_IWGRP) != 0 && st.st_gid != getegid())) {
    throw std::runtime_error(fmt::format("the out folder {} is writable by others (mode {:03o}): another user could "
                                         "plant links in it; chmod go-w it or name a private folder",
                                         dir, st.st_mode & 07777));
  }
  if (access(dir.c_str(), W_OK) != 0) throw Failure("the out folder " + dir + " is not writable", errno);
}

void WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) throw Failure(fmt::format("{}: cannot make a temporary file", path), errno);
  const std::string tmp(name.data());
  auto fail = [&](const std::string& what) {
    const int err = errno;
    close(fd);
    std::remove(tmp.c_str());
    return Failure(fmt::format("{}: {}", tmp, what), err);
  };
  if (fchmod(fd, 0644) != 0) throw fail("cannot set its mode");
  if (!WriteAll(fd, content)) throw fail("write failed");
  if (close(fd) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Failure(tmp + ": write failed", err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Failure(path + ": cannot rename into place", err);
  }
}

int OpenOutputFile(const std::string& path, bool truncate, bool append) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (append ? O_APPEND : 0), 0644);
  if (fd < 0) {
    if (errno == ELOOP) throw std::runtime_error(fmt::format("cannot write {}: it is a symbolic link", path));
    throw Failure("cannot write " + path, errno);
  }
  struct stat st {};
  auto refuse = [&](const std::string& why) {
    close(fd);
    return std::runtime_error(fmt::format("cannot write {}: {}", path, why));
  };
  if (fstat(fd, &st) != 0) throw refuse(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw refuse("not a regular file");
  if (st.st_uid != geteuid()) throw refuse(fmt::format("it belongs to uid {}, not to this user", st.st_uid));
  if (st.st_nlink != 1) throw refuse(fmt::format("it has {} hard links", st.st_nlink));
  // Blocking from here on (O_NONBLOCK only kept a planted FIFO from holding the open).
  if (fcntl(fd, F_SETFL, append ? O_APPEND : 0) != 0) throw refuse(std::strerror(errno));
  if (truncate && ftruncate(fd, 0) != 0) throw refuse(std::strerror(errno));
  return fd;
}

}  // namespace ipcc
