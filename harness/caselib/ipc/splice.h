// Tools of the splice cases (conformance/splice: splice(2), tee(2), vmsplice(2)): regular files with known
// contents in the case's folder and their offsets, pipes holding known bytes, and the flag bit no page
// documents.
// The case files that include this header call the system call as ::splice: with `using namespace ipcc;`
// in force, the namespace ipcc::splice would otherwise make the plain name ambiguous.
#pragma once

#include <sys/types.h>

#include <string>

#include "harness/caselib/fd.h"

namespace ipcc::splice {

// A bit of the flags argument that none of splice(2), tee(2) and vmsplice(2) documents (the SPLICE_F_*
// values are the four lowest bits; a high bit stays clear of any value a later kernel may add).
inline constexpr unsigned kUndocumentedFlag = 0x40000000u;

// A regular file made for the case in its folder, and its path.
struct TempFile {
  std::string path;
  UniqueFd fd;
};

// Creates a new regular file (TempPath(stem)) holding `content`, then opens it with `flags` (O_RDONLY,
// O_WRONLY | O_APPEND, ...): its file offset is 0. Set-up: a harness error on any failure.
TempFile MakeFile(const std::string& stem, const std::string& content, int flags);

// The whole content of the file at `path`, read through a descriptor of its own (the offsets of the
// case's descriptors do not move). Set-up.
std::string FileContent(const std::string& path);

// The file offset of fd: lseek(fd, 0, SEEK_CUR). Set-up.
off_t FileOffset(int fd);

// Puts `bytes` into the pipe behind the write end wfd with one write, which must take all of them. Set-up.
void PutInPipe(int wfd, const std::string& bytes);

// Takes every byte now buffered in the pipe behind the read end rfd (FIONREAD, then a bounded read of
// that many), leaving the pipe empty; "" for an empty pipe.
std::string TakeAll(int rfd);

}  // namespace ipcc::splice
