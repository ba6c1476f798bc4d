// mq_open(3), mq_overview(7), POSIX mq_open(): creating and opening queues.
#include <fcntl.h>
#include <mqueue.h>
#include <sys/stat.h>

#include <string>

#include <fmt/format.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_open, excl_existing_fails_eexist,
         .title = "mq_open with O_CREAT|O_EXCL of an existing name fails with EEXIST", .covers = {"EEXIST", "O_EXCL"},
         .statement = "O_EXCL If O_CREAT was specified in oflag, and a queue with the given name already exists, "
                      "then fail with the error EEXIST.",
         .refs = {"mq_open(3) O_EXCL, EEXIST", "POSIX.1-2017 mq_open() [EEXIST]"}) {
  mq_attr attr = Attr(2, 16);
  Queue q("excl", attr);
  ExpectOpenFails(q.str(), O_RDWR | O_CREAT | O_EXCL, &attr, EEXIST, "O_CREAT|O_EXCL of the existing " + q.str());
}

IPC_CASE(posix_mq, mq_open, missing_without_creat_fails_enoent,
         .title = "mq_open without O_CREAT of a name that does not exist fails with ENOENT", .covers = {"ENOENT"},
         .statement = "ENOENT The O_CREAT flag was not specified in oflag, and no queue with this name exists.",
         .refs = {"mq_open(3) ENOENT", "POSIX.1-2017 mq_open() [ENOENT]"}) {
  const std::string name = UniqueMqName("missing");
  ExpectOpenFails(name, O_RDWR, nullptr, ENOENT, "O_RDWR without O_CREAT of " + name);
}

IPC_CASE(posix_mq, mq_open, name_without_leading_slash_fails_einval,
         .title = "mq_open of a name that does not start with a slash fails with EINVAL", .covers = {"EINVAL"},
         .statement = "Each message queue is identified by a name of the form /somename ... EINVAL name doesn't "
                      "follow the format in mq_overview(7). ... The library function performs the check that the "
                      "name starts with a slash (/), giving the EINVAL error if it does not.",
         .refs = {"mq_open(3) EINVAL, NOTES", "mq_overview(7)",
                  "POSIX.1-2017 mq_open() (name without leading "
                  "slash: implementation-defined)"},
         .cls = Conformance::linux_specific) {
  const std::string name = UniqueMqName("noslash").substr(1);
  const mq_attr attr = Attr(2, 16);
  ExpectOpenFails(name, O_RDWR | O_CREAT | O_EXCL, &attr, EINVAL, "name \"" + name + "\"");
}

IPC_CASE(posix_mq, mq_open, name_with_inner_slash_fails_eacces,
         .title = "mq_open of a name with a second slash fails with EACCES", .covers = {"EACCES"},
         .statement = "EACCES name contained more than one slash.",
         .refs = {"mq_open(3) EACCES", "mq_overview(7)",
                  "POSIX.1-2017 mq_open() (other slashes: "
                  "implementation-defined)"},
         .cls = Conformance::linux_specific) {
  const std::string name = UniqueMqName("outer") + "/inner";
  const mq_attr attr = Attr(2, 16);
  ExpectOpenFails(name, O_RDWR | O_CREAT | O_EXCL, &attr, EACCES, "name \"" + name + "\"");
}

IPC_CASE(posix_mq, mq_open, slash_only_name_fails_enoent, .title = "mq_open of the name \"/\" fails with ENOENT",
         .covers = {"ENOENT"}, .statement = "ENOENT name was just \"/\" followed by no other characters.",
         .refs = {"mq_open(3) ENOENT"}, .cls = Conformance::linux_specific) {
  const mq_attr attr = Attr(2, 16);
  ExpectOpenFails("/", O_RDWR | O_CREAT, &attr, ENOENT, "name \"/\"");
}

IPC_CASE(posix_mq, mq_open, overlong_name_fails_enametoolong,
         .title = "mq_open of a name longer than NAME_MAX fails with ENAMETOOLONG", .covers = {"ENAMETOOLONG"},
         .statement = "a name of the form /somename; that is, a null-terminated string of up to NAME_MAX (i.e., "
                      "255) characters consisting of an initial slash, followed by one or more characters ... "
                      "ENAMETOOLONG name was too long.",
         .refs = {"mq_open(3) ENAMETOOLONG", "mq_overview(7)", "POSIX.1-2017 mq_open() [ENAMETOOLONG]"}) {
  const mq_attr attr = Attr(2, 16);
  ExpectOpenFails("/" + std::string(300, 'q'), O_RDWR | O_CREAT | O_EXCL, &attr, ENAMETOOLONG, "a 301-character name");
}

IPC_CASE(posix_mq, mq_open, nonpositive_attributes_fail_einval,
         .title = "mq_open O_CREAT with mq_maxmsg or mq_msgsize of 0 or less fails with EINVAL", .covers = {"EINVAL"},
         .statement = "EINVAL O_CREAT was specified in oflag, and attr was not NULL, but attr->mq_maxmsg or "
                      "attr->mq_msqsize was invalid. Both of these fields must be greater than zero.",
         .refs = {"mq_open(3) EINVAL", "POSIX.1-2017 mq_open() [EINVAL]"}) {
  struct Bad {
    long maxmsg, msgsize;
  };
  for (Bad b : {Bad{0, 16}, Bad{4, 0}, Bad{-1, 16}, Bad{4, -1}}) {
    const mq_attr attr = Attr(b.maxmsg, b.msgsize);
    ExpectOpenFails(UniqueMqName("badattr"), O_RDWR | O_CREAT | O_EXCL, &attr, EINVAL,
                    fmt::format("mq_maxmsg {}, mq_msgsize {}", b.maxmsg, b.msgsize));
  }
}

IPC_CASE(posix_mq, mq_open, permission_denied_eacces,
         .title = "an unprivileged user cannot open root's 0600 queue (EACCES)", .covers = {"EACCES"},
         .statement = "EACCES The queue exists, but the caller does not have permission to open it in the "
                      "specified mode.",
         .refs = {"mq_open(3) EACCES", "POSIX.1-2017 mq_open() [EACCES]"}, .needs = kNeedSecondUid) {
  const ScopedUmask no_umask(0);
  Queue q("private", Attr(2, 16));
  RunUnprivileged([&] {
    for (int mode : {O_RDONLY, O_WRONLY, O_RDWR}) {
      ExpectOpenFails(q.str(), mode, nullptr, EACCES,
                      "opening another user's 0600 queue with access mode " + std::to_string(mode));
    }
  });
}

IPC_CASE(posix_mq, mq_open, read_permission_allows_only_rdonly,
         .title = "with read but not write permission, an unprivileged user can open O_RDONLY but not O_WRONLY",
         .covers = {"EACCES", "O_RDONLY", "access_checked_as_for_file"},
         .statement = "EACCES The queue exists, but the caller does not have permission to open it in the "
                      "specified mode. (O_RDONLY Open the queue to receive messages only.)",
         .refs = {"mq_open(3) EACCES, O_RDONLY", "POSIX.1-2017 mq_open() [EACCES]"}, .needs = kNeedSecondUid) {
  const ScopedUmask no_umask(0);
  Queue q("readable", Attr(4, 64), O_RDWR, 0644);
  ASSERT_THAT(mq_send(q.get(), "for-nobody", 10, 1), SyscallSucceeds());
  RunUnprivileged([&] {
    const UniqueMqd ro(mq_open(q.name(), O_RDONLY | O_NONBLOCK));
    ASSERT_THAT(ro.get(), SyscallSucceeds()) << "O_RDONLY open of a 0644 queue of another user";
    char buf[64];
    EXPECT_THAT(mq_receive(ro.get(), buf, sizeof buf, nullptr), SyscallSucceedsWithValue(10))
        << "receiving through the O_RDONLY descriptor";
    ExpectOpenFails(q.str(), O_WRONLY, nullptr, EACCES, "O_WRONLY open of a 0644 queue of another user");
  });
}

IPC_CASE(posix_mq, mq_open, unrelated_processes_share,
         .title = "an unrelated process that opens the same name uses the same queue, in both directions",
         .covers = {"same_name_same_queue"},
         .statement = "Two processes can operate on the same queue by passing the same name to mq_open(3).",
         .refs = {"mq_overview(7)", "mq_open(3)", "POSIX.1-2017 mq_open()"}) {
  Queue q("unrelated", Attr(4, 64));
  ASSERT_THAT(mq_send(q.get(), "ping", 4, 7), SyscallSucceeds());
  // The fixture opens the name, expects "ping" with priority 7, and answers "pong" with priority 3.
  Child peer = SpawnFixture("posix-mq-echo", {q.str(), "ping", "7", "pong", "3"});
  ExpectCleanExit(peer.Wait(), "ipcconform-fixture posix-mq-echo");
  ASSERT_TRUE(ExpectCurMsgs(q.get(), 1, "the unrelated process should have taken our message and left its reply"));
  EXPECT_TRUE(ExpectReceive(q.get(), "pong", 3)) << "the reply sent by the unrelated process";
}

IPC_CASE(posix_mq, mq_open, fork_child_shares_description_flags,
         .title = "a forked child's inherited descriptor shares mq_flags with the parent's",
         .covers = {"mq_overview7.fork_shares_open_description"},
         .statement = "After a fork(2), a child inherits copies of its parent's message queue descriptors, and "
                      "these descriptors refer to the same open message queue descriptions as the corresponding "
                      "message queue descriptors in the parent. Corresponding message queue descriptors in the two "
                      "processes share the flags (mq_flags) that are associated with the open message queue "
                      "description.",
         .refs = {"mq_overview(7)", "POSIX.1-2017 fork() (message queue descriptors)"}) {
  Queue q("fork", Attr(4, 16));
  Child child = Fork([&] {
    CheckpointWait(0);  // the parent set O_NONBLOCK
    mq_attr seen{};
    ASSERT_THAT(mq_getattr(q.get(), &seen), SyscallSucceeds());
    EXPECT_EQ(seen.mq_flags, O_NONBLOCK) << "the child's inherited descriptor should show the parent's mq_setattr";
    char buf[16];
    EXPECT_THAT(mq_receive(q.get(), buf, sizeof buf, nullptr), SyscallSucceedsWithValue(6))
        << "the child should receive the message the parent sent after the fork";
  });
  mq_attr set{};
  set.mq_flags = O_NONBLOCK;
  ASSERT_THAT(mq_setattr(q.get(), &set, nullptr), SyscallSucceeds());
  ASSERT_THAT(mq_send(q.get(), "shared", 6, 0), SyscallSucceeds());
  CheckpointPost(0);
  ExpectCleanExit(child.Wait(), "child");
}

IPC_CASE(posix_mq, mq_open, descriptor_close_on_exec_by_default,
         .title = "the descriptor from mq_open has close-on-exec set even without O_CLOEXEC",
         .covers = {"mq_overview7.descriptor_close_on_exec"},
         .statement = "On Linux, a message queue descriptor is actually a file descriptor. ... The close-on-exec "
                      "flag (see open(2)) is automatically set on the file descriptor returned by mq_open(2).",
         .refs = {"mq_overview(7) Linux implementation of message queue descriptors", "mq_open(3) O_CLOEXEC"},
         .cls = Conformance::linux_specific) {
  Queue q("cloexec", Attr(2, 16));
  int flags = fcntl(q.get(), F_GETFD);
  ASSERT_THAT(flags, SyscallSucceeds()) << "a message queue descriptor should be a file descriptor on Linux";
  EXPECT_NE(flags & FD_CLOEXEC, 0) << "FD_CLOEXEC on a descriptor from mq_open without O_CLOEXEC";
}

}  // namespace
