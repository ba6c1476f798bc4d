// mmap(2) of memfd files: a mapping shows the file, MAP_SHARED is shared across fork, F_SEAL_WRITE and
// F_SEAL_FUTURE_WRITE refuse new shared writable mappings (also in the other holders), and mappings made
// before F_SEAL_FUTURE_WRITE keep writing.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "harness/caselib/caselib.h"
#include "harness/caselib/ipc/memfd.h"

namespace {

using namespace ipcc;
using namespace ipcc::memfd;

IPC_CASE(memfd, mmap, mapping_shows_file_contents,
         .title = "a shared mapping of a memfd shows its bytes and stores into it, both ways",
         .covers = {"memfd_create.behaves_like_regular_file"}, .refs = {"mmap(2) MAP_SHARED"},
         .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = MakeMemfd("mapped", 0);
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(page)), SyscallSucceeds());
  ASSERT_THAT(pwrite(fd.get(), "written", 7, 0), SyscallSucceedsWithValue(7));
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  ASSERT_THAT(p, SyscallSucceeds()) << "mmap of the memfd, PROT_READ|PROT_WRITE, MAP_SHARED";
  const Mapping m(p, page);
  EXPECT_EQ(std::string(m.get(), 7), "written") << "the mapping should show the bytes written with pwrite";
  std::memcpy(m.get() + 100, "stored", 6);
  EXPECT_EQ(ReadAt(fd.get(), 6, 100), "stored") << "pread should show the bytes stored through the mapping";
}

IPC_CASE(memfd, mmap, shared_mapping_shared_across_fork,
         .title = "a MAP_SHARED mapping of a memfd inherited across fork is the same memory for both",
         .covers = {"shared_mapping_shared_across_fork"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = MakeMemfd("fork-shared", 0);
  ASSERT_THAT(ftruncate(fd.get(), static_cast<off_t>(page)), SyscallSucceeds());
  Mapping m = MapOrThrow(fd.get(), page, PROT_READ | PROT_WRITE, MAP_SHARED);
  std::memcpy(m.get(), "parent", 6);
  InChild("child storing into the inherited mapping", [&] {
    EXPECT_EQ(std::string(m.get(), 6), "parent") << "the child should see what the parent stored before fork";
    std::memcpy(m.get() + 6, "+child", 6);
  });
  EXPECT_EQ(std::string(m.get(), 12), "parent+child") << "the parent should see what the child stored";
}

IPC_CASE(memfd, mmap, write_seal_refuses_shared_writable_mapping_eperm,
         .title = "a new PROT_WRITE MAP_SHARED mapping of a file sealed with F_SEAL_WRITE fails with EPERM",
         .covers = {"fcntl.F_SEAL_WRITE"}, .refs = {"mmap(2) EPERM"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = SealableFile("map-write-sealed", page);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  const Mapping m(p, page);
  EXPECT_THAT(p, SyscallFailsWithErrno(EPERM)) << "mmap PROT_READ|PROT_WRITE, MAP_SHARED of the write-sealed file";
}

IPC_CASE(memfd, mmap, future_write_seal_refuses_new_writable_mapping_eperm,
         .title = "a new PROT_WRITE MAP_SHARED mapping of a file sealed with F_SEAL_FUTURE_WRITE fails with EPERM",
         .covers = {"fcntl.F_SEAL_FUTURE_WRITE"}, .refs = {"mmap(2) EPERM"}, .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = SealableFile("map-future-sealed", page);
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), SyscallSucceeds());
  void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  const Mapping m(p, page);
  EXPECT_THAT(p, SyscallFailsWithErrno(EPERM))
      << "mmap PROT_READ|PROT_WRITE, MAP_SHARED of the file sealed with F_SEAL_FUTURE_WRITE";
}

IPC_CASE(memfd, mmap, future_write_seal_keeps_existing_writable_mapping,
         .title = "a shared writable mapping made before F_SEAL_FUTURE_WRITE still changes the file",
         .covers = {"fcntl.future_write_keeps_existing_mappings", "fcntl.F_SEAL_FUTURE_WRITE"},
         .cls = Conformance::linux_specific) {
  const std::size_t page = PageSize();
  UniqueFd fd = SealableFile("map-before-future", page);
  Mapping m = MapOrThrow(fd.get(), page, PROT_READ | PROT_WRITE, MAP_SHARED);
  // Unlike F_SEAL_WRITE, F_SEAL_FUTURE_WRITE is accepted while a shared writable mapping exists.
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), SyscallSucceeds()) << "with the mapping in place";
  std::memcpy(m.get(), "STORED", 6);
  EXPECT_EQ(ReadAt(fd.get(), 8), "STOREDgh") << "pread should show what the earlier mapping stored after the seal";
}

// F_SEAL_FUTURE_WRITE added by the case binds the other holder: its new shared writable mapping fails.
void ExpectFutureWriteBinds(Holder how) {
  const std::size_t page = PageSize();
  UniqueFd fd = SealableFile("future-holder", page);
  InOtherHolder(
      how, fd.get(), [&] { ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), SyscallSucceeds()); },
      [&](int held) {
        void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, held, 0);
        const Mapping m(p, page);
        EXPECT_THAT(p, SyscallFailsWithErrno(EPERM)) << "mmap PROT_READ|PROT_WRITE, MAP_SHARED in the "
                                                     << HolderName(how) << " after the case added F_SEAL_FUTURE_WRITE";
      });
  EXPECT_EQ(ReadAt(fd.get(), page), Contents(page)) << "the contents must be unchanged";
}

IPC_CASE(memfd, mmap, future_write_seal_binds_forked_child,
         .title = "F_SEAL_FUTURE_WRITE added after fork makes the child's shared writable mmap fail with EPERM",
         .covers = {"fcntl.seals_bind_forked_child", "fcntl.F_SEAL_FUTURE_WRITE"}, .cls = Conformance::linux_specific) {
  ExpectFutureWriteBinds(Holder::kForkedChild);
}

IPC_CASE(memfd, mmap, future_write_seal_binds_scm_rights_receiver,
         .title = "F_SEAL_FUTURE_WRITE makes a shared writable mmap fail with EPERM in the SCM_RIGHTS receiver",
         .covers = {"fcntl.seals_bind_scm_rights_receiver", "fcntl.F_SEAL_FUTURE_WRITE"},
         .cls = Conformance::linux_specific, .needs = need::Feature("unix_socket")) {
  ExpectFutureWriteBinds(Holder::kScmRightsReceiver);
}

}  // namespace
