// pipe2(2): the flags O_CLOEXEC, O_NONBLOCK and O_DIRECT ("packet" mode), and invalid flags.
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/pipe.h"

namespace {

using namespace ipcc;
using namespace ipcc::pipes;

// pipe2(flag), the call under test (a refusal is a FAIL), must set `bit` on both new descriptors.
void ExpectPipe2SetsOnBothEnds(int flag, EndFlag bit, const std::string& call) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(pipe2(fds, flag), SyscallSucceeds()) << call;
  const Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  ExpectFlagOnBothEnds(fds, bit, true, call);
}

IPC_CASE(pipe, pipe2, cloexec_sets_fd_cloexec_on_both, .title = "pipe2(O_CLOEXEC) sets FD_CLOEXEC on both descriptors",
         .covers = {"O_CLOEXEC"},
         .statement = "O_CLOEXEC Set the close-on-exec (FD_CLOEXEC) flag on the two new file descriptors.",
         .refs = {"pipe2(2) O_CLOEXEC", "fcntl(2) F_GETFD"}, .cls = Conformance::linux_specific) {
  ExpectPipe2SetsOnBothEnds(O_CLOEXEC, kCloexecFlag, "pipe2(O_CLOEXEC)");
}

IPC_CASE(pipe, pipe2, cloexec_closes_across_exec,
         .title = "pipe2(O_CLOEXEC) descriptors are closed in an exec'd program", .covers = {"O_CLOEXEC"},
         .statement = "O_CLOEXEC Set the close-on-exec (FD_CLOEXEC) flag on the two new file descriptors. File "
                      "descriptors marked close-on-exec are closed across an execve(2).",
         .refs = {"pipe2(2) O_CLOEXEC", "open(2) O_CLOEXEC", "execve(2) (file descriptors)"},
         .cls = Conformance::linux_specific) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(pipe2(fds, O_CLOEXEC), SyscallSucceeds());  // the call under test: a refusal is a FAIL
  Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  ExpectEndsAfterExec(p, "closed");
}

IPC_CASE(pipe, pipe2, nonblock_sets_o_nonblock_on_both, .title = "pipe2(O_NONBLOCK) sets O_NONBLOCK on both ends",
         .covers = {"O_NONBLOCK"},
         .statement = "O_NONBLOCK Set the O_NONBLOCK file status flag on the open file descriptions referred to by "
                      "the new file descriptors.",
         .refs = {"pipe2(2) O_NONBLOCK", "fcntl(2) F_GETFL"}, .cls = Conformance::linux_specific) {
  ExpectPipe2SetsOnBothEnds(O_NONBLOCK, kNonblockFlag, "pipe2(O_NONBLOCK)");
}

IPC_CASE(pipe, pipe2, zero_flags_same_as_pipe,
         .title = "pipe2 with flags 0 makes a pipe with O_NONBLOCK and FD_CLOEXEC clear",
         .covers = {"zero_flags_same_as_pipe"}, .statement = "If flags is 0, then pipe2() is the same as pipe().",
         .refs = {"pipe2(2) DESCRIPTION", "POSIX.1-2017 pipe()"}, .cls = Conformance::linux_specific) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(pipe2(fds, 0), SyscallSucceeds());
  UniqueFd r(fds[0]), w(fds[1]);
  ExpectFlagOnBothEnds(fds, kNonblockFlag, false, "pipe2(fds, 0)");
  ExpectFlagOnBothEnds(fds, kCloexecFlag, false, "pipe2(fds, 0)");
  ASSERT_THAT(write(fds[1], "xy", 2), SyscallSucceedsWithValue(2));
  EXPECT_EQ(ReadExactly(fds[0], 2), "xy") << "fds[0] reads what fds[1] writes";
}

IPC_CASE(pipe, pipe2, invalid_flag_fails_einval, .title = "pipe2 with a flag it does not know fails with EINVAL",
         .covers = {"EINVAL"}, .statement = "EINVAL (pipe2()) Invalid value in flags.", .refs = {"pipe2(2) EINVAL"},
         .cls = Conformance::linux_specific) {
  int fds[2] = {-1, -1};
  EXPECT_THAT(pipe2(fds, O_APPEND), SyscallFailsWithErrno(EINVAL)) << "O_APPEND is not a pipe2 flag";
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

IPC_CASE(pipe, pipe2, failure_leaves_pipefd_unchanged, .title = "a failed pipe2 leaves the caller's array unchanged",
         .covers = {"failure_leaves_pipefd_unchanged", "EINVAL"},
         .statement = "The Linux-specific pipe2() system call likewise does not modify pipefd on failure.",
         .refs = {"pipe2(2) RETURN VALUE"}, .cls = Conformance::linux_specific) {
  int fds[2] = {-7, -9};
  ASSERT_THAT(pipe2(fds, O_APPEND), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(fds[0], -7) << "pipefd[0] was modified by the failed call";
  EXPECT_EQ(fds[1], -9) << "pipefd[1] was modified by the failed call";
}

// Makes a packet-mode pipe with pipe2(O_DIRECT), the call under test: the cases declare
// need::MinKernel(3, 4) ("since Linux 3.4"), so a kernel that reports at least 3.4 and refuses the flag
// (EINVAL) deviates: FAIL. Then writes `writes` and makes `reads`.
void ExpectPackets(const std::vector<std::string>& writes, const std::vector<PacketRead>& reads) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(pipe2(fds, O_DIRECT), SyscallSucceeds()) << "pipe2(O_DIRECT), since Linux 3.4";
  const Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  ExpectPacketReads(p, writes, reads);
}

IPC_CASE(pipe, pipe2, o_direct_keeps_packet_boundaries,
         .title = "pipe2(O_DIRECT): each write is read back by its own read, even with a large buffer",
         .covers = {"O_DIRECT"},
         .statement = "O_DIRECT (since Linux 3.4) Create a pipe that performs I/O in \"packet\" mode. Each "
                      "write(2) to the pipe is dealt with as a separate packet, and read(2)s from the pipe will "
                      "read one packet at a time.",
         .refs = {"pipe2(2) O_DIRECT"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(3, 4)) {
  ExpectPackets({"first", "second"}, {{PIPE_BUF, "first", "the first read should return the first packet only"},
                                      {PIPE_BUF, "second", "the second read should return the second packet"}});
}

IPC_CASE(pipe, pipe2, o_direct_short_read_discards_rest_of_packet,
         .title = "pipe2(O_DIRECT): a read smaller than the packet discards the rest of that packet",
         .covers = {"o_direct_short_read_discards_rest"},
         .statement = "If a read(2) specifies a buffer size that is smaller than the next packet, then the "
                      "requested number of bytes are read, and the excess bytes in the packet are discarded.",
         .refs = {"pipe2(2) O_DIRECT"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(3, 4)) {
  ExpectPackets({"abcdef", "gh"}, {{3, "abc", "a read of 3 bytes from the 6-byte packet"},
                                   {64, "gh", "\"def\" should have been discarded with the first packet"}});
}

IPC_CASE(pipe, pipe2, o_direct_splits_writes_larger_than_pipe_buf,
         .title = "pipe2(O_DIRECT): a write of more than PIPE_BUF bytes becomes several packets",
         .covers = {"o_direct_splits_large_writes"},
         .statement = "Writes of greater than PIPE_BUF bytes (see pipe(7)) will be split into multiple packets. "
                      "Specifying a buffer size of PIPE_BUF will be sufficient to read the largest possible "
                      "packets.",
         .refs = {"pipe2(2) O_DIRECT"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(3, 4)) {
  const std::string data = Pattern(PIPE_BUF + 100, 11);
  ExpectPackets({data}, {{3 * PIPE_BUF, data.substr(0, PIPE_BUF), "the first packet holds PIPE_BUF bytes"},
                         {3 * PIPE_BUF, data.substr(PIPE_BUF), "the remaining 100 bytes form the second packet"}});
}

IPC_CASE(pipe, pipe2, o_direct_zero_length_read_is_noop,
         .title = "pipe2(O_DIRECT): a read of 0 bytes returns 0 and does not consume a packet",
         .covers = {"o_direct_zero_length_read_is_noop"},
         .statement = "Zero-length packets are not supported. (A read(2) that specifies a buffer size of zero is "
                      "a no-op, and returns 0.)",
         .refs = {"pipe2(2) O_DIRECT"}, .cls = Conformance::linux_specific, .needs = need::MinKernel(3, 4)) {
  ExpectPackets({"packet"}, {{0, "", "a read of 0 bytes is a no-op and returns 0"},
                             {64, "packet", "the packet must still be there after the zero-length read"}});
}

}  // namespace
