// Declaring a conformance case.
//
//   IPC_CASE(pipe, write, no_reader_raises_sigpipe,
//            .title = "write with no reader raises SIGPIPE",
//            .statement = "If all file descriptors referring to the read end of a pipe have been "
//                         "closed, then a write(2) will cause a SIGPIPE signal to be generated.",
//            .refs = {"pipe(7) I/O on pipes and FIFOs", "POSIX.1-2017 write()"},
//            .cls = Conformance::posix) {
//     ... gtest body ...
//   }
//
// The id is "<mechanism>.<interface>.<behaviour>" and never reused. The body is a GoogleTest test
// (suite "<mechanism>_<interface>", test "<behaviour>"), so the cases binary also runs by hand with
// the usual --gtest_* flags.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "harness/caselib/needs.h"
#include "harness/caselib/records.h"

namespace ipcc {

// Where the documented behaviour comes from: required by POSIX, an XSI/option feature of POSIX,
// Linux-specific, or implementation-defined (reported as observed behaviour).
enum class Conformance { posix, xsi, linux_specific, implementation_defined };

// May create further namespaces itself (unshare/clone): IPC namespaces must exist on this kernel.
inline constexpr Need kNeedNamespaces = need::Feature("ipc_namespace");

struct CaseMeta {
  std::string title;  // one line
  // The spec inventory entries (conformance/spec/<mechanism>.spec) the case checks: "EINVAL" names
  // <mechanism>.<interface>.EINVAL, "write.EAGAIN" <mechanism>.write.EAGAIN, three parts a full id. An
  // unknown entry refuses the case. The statement and refs default to the entries' text and refs.
  std::vector<std::string> covers;
  std::string statement;          // what the case checks, when it says more than its entries
  std::vector<std::string> refs;  // more references: "fifo(7)", "open(2) O_NONBLOCK", "POSIX.1-2017 write()"
  Conformance cls = Conformance::posix;
  Needs needs;  // harness/caselib/needs.h: checked by the runner, SKIP/UNSUPPORTED when unmet
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  bool hidden = false;       // self-test cases: not in the catalogue, run only when named
  std::string raw_syscalls;  // system calls made without a C library wrapper, and why
};

struct CaseInfo {
  std::string id;          // pipe.write.no_reader_raises_sigpipe
  std::string mechanism;   // pipe
  std::string interface;   // write
  std::string gtest_name;  // pipe_write.no_reader_raises_sigpipe
  CaseMeta meta;
  std::string file;
  int line = 0;
};

class Registry {
 public:
  // Called by IPC_CASE during static initialisation; never fails there. Problems (duplicate id,
  // missing statement or reference, malformed id) are kept and reported by Validate().
  static bool Add(std::string_view mechanism, std::string_view interface, std::string_view behaviour, CaseMeta meta,
                  const char* file, int line);

  // Every case, in id order, including hidden ones.
  static const std::vector<CaseInfo>& All();
  static const CaseInfo* Find(std::string_view id);
  // The case a GoogleTest test is (suite.name), or nullptr.
  static const CaseInfo* FindByTestName(std::string_view gtest_name);
  // One line per problem; empty when the catalogue is sound.
  static std::vector<std::string> Validate();

  // The rules, over any list of entries: each entry's own problems, then repeated ids.
  static std::vector<std::string> FindProblems(const std::vector<CaseInfo>& cases);
  static std::vector<std::string> Check(const CaseInfo& info);
};

std::string_view ConformanceName(Conformance cls);
// The feature (harness/caselib/environment.h) every case of a mechanism family needs, or nullptr.
const char* MechanismFeature(std::string_view mechanism);

// Base of every case: after the body, failures that other processes of the case tree recorded are
// turned into a failure of this test, so a case fails when any of its processes fails.
class CaseTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
};

}  // namespace ipcc

#define IPCC_CONCAT_(a, b) a##b
#define IPCC_CONCAT(a, b) IPCC_CONCAT_(a, b)

#define IPC_CASE(mechanism, interface, behaviour, ...)                                                              \
  using mechanism##_##interface = ::ipcc::CaseTest;                                                                 \
  [[maybe_unused]] static const bool IPCC_CONCAT(ipcc_registered_, __LINE__) =                                      \
      ::ipcc::Registry::Add(#mechanism, #interface, #behaviour, ::ipcc::CaseMeta{__VA_ARGS__}, __FILE__, __LINE__); \
  TEST_F(mechanism##_##interface, behaviour)
