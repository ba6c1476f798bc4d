// unix(7), socket(2), recv(2): SOCK_SEQPACKET sockets keep message boundaries and discard the excess.
#include <sys/socket.h>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/unix_socket.h"

namespace {

using namespace ipcc;
using namespace ipcc::unix_socket;

IPC_CASE(unix_socket, seqpacket, keeps_message_boundaries,
         .title = "SOCK_SEQPACKET keeps message boundaries: two sends are two receives of the original sizes",
         .covers = {"socket.SOCK_SEQPACKET"},
         .statement = "SOCK_SEQPACKET, for a sequenced-packet socket that is connection-oriented, preserves "
                      "message boundaries, and delivers messages in the order that they were sent.",
         .refs = {"unix(7)", "socket(2) SOCK_SEQPACKET", "POSIX.1-2017 2.10.6 Socket Types"},
         .cls = Conformance::posix) {
  CheckBoundaries(SOCK_SEQPACKET);
}

IPC_CASE(unix_socket, seqpacket, truncation_sets_msg_trunc,
         .title = "a SOCK_SEQPACKET message longer than the buffer is truncated, MSG_TRUNC set, the rest discarded",
         .covers = {"recvmsg.MSG_TRUNC", "recv.message_excess_discarded"},
         .statement = "SOCK_SEQPACKET ... a consumer is required to read an entire packet with each input system "
                      "call. ... read(2) calls will return only the amount of data requested, and any data "
                      "remaining in the arriving packet will be discarded.",
         .refs = {"socket(2) SOCK_SEQPACKET", "recv(2) msg_flags MSG_TRUNC", "POSIX.1-2017 recvmsg() MSG_TRUNC"},
         .cls = Conformance::posix) {
  CheckTruncation(SOCK_SEQPACKET);
}

}  // namespace
