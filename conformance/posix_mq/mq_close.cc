// mq_close(3), POSIX mq_close(): closing a queue descriptor.
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/posix_mq.h"

namespace {

using namespace ipcc;
using namespace ipcc::posix_mq;

IPC_CASE(posix_mq, mq_close, removes_notification_registration,
         .title = "mq_close of the descriptor a process registered through removes its notification registration",
         .covers = {"removes_notification_registration"},
         .statement = "If the calling process has attached a notification request (see mq_notify(3)) to this "
                      "message queue via mqdes, then this request is removed, and another process can now attach "
                      "a notification request.",
         .refs = {"mq_close(3)", "POSIX.1-2017 mq_close()"}) {
  Queue q("close-notify", Attr(4, 16));
  // A second descriptor of the same queue: the registration goes through it, then it is closed.
  const mqd_t second = IPCC_SETUP(mq_open(q.name(), O_RDWR));
  BlockedSignal usr1(SIGUSR1);
  ASSERT_THAT(NotifyBySignal(second, SIGUSR1, 1), SyscallSucceeds()) << "registering through the second descriptor";
  ASSERT_THAT(mq_close(second), SyscallSucceeds());
  ExpectAnotherProcessRegisters(q.get(), SyscallSucceeds(),
                                "another process should be able to register once the registered descriptor was closed");
  EXPECT_FALSE(SendRaises(q.get(), usr1)) << "the closed registration must not notify";
}

IPC_CASE(posix_mq, mq_close, closed_descriptor_fails_ebadf,
         .title = "after mq_close, calls on the closed descriptor fail with EBADF",
         .covers = {"EBADF", "closed_descriptor_unusable", "mq_getattr.EBADF", "mq_send.EBADF"},
         .statement = "mq_close() closes the message queue descriptor mqdes. ... EBADF The message queue "
                      "descriptor specified in mqdes is invalid.",
         .refs = {"mq_close(3)", "mq_getattr(3) EBADF", "POSIX.1-2017 mq_close()"}) {
  Queue q("closed", Attr(4, 16));
  const mqd_t d = q.get();
  ASSERT_THAT(mq_close(d), SyscallSucceeds());
  q.ForgetDescriptor();
  mq_attr seen{};
  EXPECT_THAT(mq_getattr(d, &seen), SyscallFailsWithErrno(EBADF)) << "mq_getattr on a closed descriptor";
  EXPECT_THAT(mq_send(d, "x", 1, 0), SyscallFailsWithErrno(EBADF)) << "mq_send on a closed descriptor";
  EXPECT_THAT(mq_close(d), SyscallFailsWithErrno(EBADF)) << "closing it a second time";
}

}  // namespace
