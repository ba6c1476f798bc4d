// unix(7) SCM_RIGHTS, sendmsg(2), recvmsg(2), cmsg(3): passing file descriptors.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

// An open, already unlinked regular file in the case's folder (set-up).
UniqueFd TempFile(const std::string& stem) {
  const std::string path = TempPath(stem);
  const int fd = IPCC_SETUP(open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  unlink(path.c_str());
  return UniqueFd(fd);
}

IPC_CASE(unix_socket, scm_rights, passes_working_descriptor,
         .title = "SCM_RIGHTS gives another process a working descriptor for the sender's open file",
         .covers = {"unix7.SCM_RIGHTS"},
         .statement = "SCM_RIGHTS Send or receive a set of open file descriptors from another process. ... "
                      "Semantically, this operation is equivalent to duplicating (dup(2)) a file descriptor "
                      "into the file descriptor table of another process.",
         .refs = {"unix(7) SCM_RIGHTS", "sendmsg(2)", "recvmsg(2)", "cmsg(3)",
                  "POSIX.1-2017 <sys/socket.h> SCM_RIGHTS"},
         .cls = Conformance::posix) {
  const std::string message = "written through the passed descriptor";
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  // The child is forked before the pipe exists: the socket is its only way to reach the pipe.
  Child receiver = Fork([&] {
    sp.a.reset();
    ReceivedFds r = RecvFds(sp.b.get(), 1);
    ASSERT_EQ(r.result, 1) << "recvmsg of the SCM_RIGHTS message: expected 1 data byte; it " << r.Describe();
    ASSERT_EQ(r.fds.size(), 1u) << "expected one descriptor in an SCM_RIGHTS control message";
    const int fd = r.fds[0].get();
    struct stat st {};
    ASSERT_THAT(fstat(fd, &st), SyscallSucceeds()) << "the received descriptor must be open";
    EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the received descriptor must refer to the sender's pipe";
    EXPECT_THAT(write(fd, message.data(), message.size()),
                SyscallSucceedsWithValue(static_cast<ssize_t>(message.size())))
        << "writing through the received pipe write end";
  });
  sp.b.reset();
  Pipe p = MakePipe(O_CLOEXEC | O_NONBLOCK);
  ASSERT_THAT(SendFds(sp.a.get(), {p.w.get()}), SyscallSucceedsWithValue(1));
  // The sender drops its own copy: the descriptor the child received is the only write end left.
  p.w.reset();
  ExpectCleanExit(receiver.Wait(), "receiving child");
  char buf[128] = {};
  ssize_t n = read(p.r.get(), buf, sizeof buf);
  ASSERT_THAT(n, SyscallSucceeds()) << "the child's write through the received descriptor must be in the pipe";
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), message);
  EXPECT_THAT(read(p.r.get(), buf, sizeof buf), SyscallSucceedsWithValue(0))
      << "after the child exited no write end may remain open (end-of-file expected)";
}

IPC_CASE(unix_socket, scm_rights, several_descriptors_in_one_message,
         .title = "one SCM_RIGHTS message carries several descriptors, delivered in order",
         .covers = {"unix7.scm_rights_several_in_order"},
         .statement = "SCM_RIGHTS Send or receive a set of open file descriptors from another process. The "
                      "data portion contains an integer array of the file descriptors.",
         .refs = {"unix(7) SCM_RIGHTS", "cmsg(3)", "POSIX.1-2017 <sys/socket.h> SCM_RIGHTS"},
         .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_DGRAM);
  Pipe p = MakePipe(O_CLOEXEC);
  UniqueFd file = TempFile("rights.file");
  const std::vector<int> sent = {p.r.get(), file.get(), p.w.get()};
  ASSERT_THAT(SendFds(sp.a.get(), sent), SyscallSucceedsWithValue(1));
  const ReceivedFds r = RecvFds(sp.b.get(), sent.size());
  ASSERT_EQ(r.result, 1) << "recvmsg: expected 1 data byte; it " << r.Describe();
  EXPECT_EQ(r.msg_flags & MSG_CTRUNC, 0) << "the control buffer had room for all three descriptors";
  ASSERT_EQ(r.fds.size(), sent.size()) << "expected all three descriptors from one message";
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(FileId(r.fds[i].get()), FileId(sent[i]))
        << "received descriptor #" << i << " must refer to the same file as the sent descriptor #" << i;
  }
}

IPC_CASE(unix_socket, scm_rights, received_descriptor_shares_open_file_description,
         .title = "a received descriptor is a new number for the same open file description (shared offset)",
         .covers = {"unix7.scm_rights_shares_open_file_description"},
         .statement = "what is being passed is a reference to an open file description (see open(2)), and in "
                      "the receiving process it is likely that a different file descriptor number will be "
                      "used. Semantically, this operation is equivalent to duplicating (dup(2)) a file "
                      "descriptor",
         .refs = {"unix(7) SCM_RIGHTS", "dup(2)", "open(2) open file description"}, .cls = Conformance::posix) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  UniqueFd file = TempFile("offset.file");
  ASSERT_THAT(SendFds(sp.a.get(), {file.get()}), SyscallSucceedsWithValue(1));
  const ReceivedFds r = RecvFds(sp.b.get(), 1);
  ASSERT_EQ(r.fds.size(), 1u) << "expected one received descriptor";
  const int copy = r.fds[0].get();
  EXPECT_NE(copy, file.get()) << "the original is still open, so the received number must differ";
  ASSERT_THAT(write(copy, "abcdef", 6), SyscallSucceedsWithValue(6));
  EXPECT_THAT(lseek(file.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(6))
      << "writing through the received descriptor must move the original's offset (one open file "
         "description)";
  ASSERT_THAT(lseek(file.get(), 2, SEEK_SET), SyscallSucceedsWithValue(2));
  char buf[8] = {};
  EXPECT_THAT(read(copy, buf, sizeof buf), SyscallSucceedsWithValue(4))
      << "a seek on the original must move the received descriptor's offset too";
  EXPECT_EQ(std::string(buf, 4), "cdef");
}

IPC_CASE(unix_socket, scm_rights, small_control_buffer_sets_ctrunc_and_closes_excess,
         .title = "a control buffer too small for all descriptors sets MSG_CTRUNC and closes the excess ones",
         .covers = {"unix7.scm_rights_excess_closed_short_buffer", "recvmsg.MSG_CTRUNC"},
         .statement = "If the buffer used to receive the ancillary data containing file descriptors is too "
                      "small (or is absent), then the ancillary data is truncated (or discarded) and the excess "
                      "file descriptors are automatically closed in the receiving process.",
         .refs = {"unix(7) SCM_RIGHTS", "unix(7) Ancillary messages MSG_CTRUNC", "recvmsg(2) MSG_CTRUNC"},
         .cls = Conformance::linux_specific) {
  // Room for one int; alignment may let the buffer hold a second one, never four.
  const std::size_t room = (CMSG_SPACE(sizeof(int)) - CMSG_LEN(0)) / sizeof(int);
  if (room >= 4) ThrowHarnessError("CMSG_SPACE(sizeof(int)) unexpectedly holds 4 descriptors");
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  Pipe p = MakePipe(O_CLOEXEC | O_NONBLOCK);
  UniqueFd f1 = TempFile("a"), f2 = TempFile("b"), f3 = TempFile("c");
  // The pipe's write end is last: it is among the descriptors that do not fit.
  ASSERT_THAT(SendFds(sp.a.get(), {f1.get(), f2.get(), f3.get(), p.w.get()}), SyscallSucceedsWithValue(1));
  p.w.reset();
  const ReceivedFds r = RecvFds(sp.b.get(), 1);
  ASSERT_EQ(r.result, 1) << "recvmsg: expected 1 data byte; it " << r.Describe();
  EXPECT_LT(r.fds.size(), 4u) << "a buffer for " << room << " descriptor(s) cannot have received all four";
  EXPECT_TRUE(r.msg_flags & MSG_CTRUNC) << "msg_flags must contain MSG_CTRUNC (msg_flags = " << r.msg_flags << ")";
  char c;
  EXPECT_THAT(read(p.r.get(), &c, 1), SyscallSucceedsWithValue(0))
      << "the pipe write end that did not fit must have been closed (end-of-file expected)";
}

IPC_CASE(unix_socket, scm_rights, invalid_descriptor_fails_ebadf,
         .title = "sendmsg with SCM_RIGHTS naming a descriptor that is not open fails with EBADF",
         .covers = {"sendmsg.EBADF"},
         .statement = "EBADF This error can occur for sendmsg(2) when sending a file descriptor as ancillary "
                      "data over a UNIX domain socket (see the description of SCM_RIGHTS, above), and indicates "
                      "that the file descriptor number that is being sent is not valid (e.g., it is not an open "
                      "file descriptor).",
         .refs = {"unix(7) ERRORS EBADF", "sendmsg(2)"}, .cls = Conformance::linux_specific) {
  SocketPair sp = MakeSocketPair(SOCK_STREAM);
  UniqueFd closed = TempFile("closed");
  const int number = closed.get();
  closed.reset();
  EXPECT_THAT(SendFds(sp.a.get(), {number}), SyscallFailsWithErrno(EBADF));
  char c;
  EXPECT_THAT(recv(sp.b.get(), &c, 1, MSG_DONTWAIT), SyscallFailsWithErrno(EAGAIN))
      << "the failed sendmsg must not have sent its data byte";
}

}  // namespace
