#include "reports/bundle.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/program/spawn.h"
#include "reports/output.h"

namespace ipcc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Runs a program found on PATH, without a shell, in `cwd`, its standard output into `stdout_path`
// ("" leaves it alone). Throws when it cannot start or does not exit with status 0.
void RunProgram(const std::vector<std::string>& argv, const std::string& cwd, const std::string& stdout_path) {
  spawn::Spec spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.die_with_parent = true;  // an interrupted report leaves no tar behind
  if (!stdout_path.empty()) spec.out = spawn::Output::ToFile(stdout_path);
  const spawn::Result r = spawn::Run(spec);  // a SpawnError is a std::runtime_error too
  if (!r.exit.Succeeded()) throw std::runtime_error(fmt::format("{} failed ({})", argv[0], r.exit.Describe()));
}

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A file name made of the path's last two components: "/tmp/rep-pg/results.jsonl" -> "rep-pg-results.jsonl".
std::string SafeName(const std::string& path) {
  const fs::path p(path);
  std::string name = p.parent_path().filename().string();
  name = (name.empty() ? "" : name + "-") + p.filename().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') ch = '_';
  }
  return name;
}

const Column* ColumnOf(const Matrix& m, const RunResults& run) {
  for (const auto& c : m.columns) {
    for (const auto* r : c.runs) {
      if (r == &run) return &c;
    }
  }
  return nullptr;
}

// Copies the inputs and expectation files into `root`; returns the MANIFEST's input section.
std::string CopyInputs(const Matrix& m, const std::vector<RunResults>& runs, const fs::path& root,
                       std::vector<std::string>& files, const std::function<bool(const std::string&)>& allowed) {
  std::ostringstream text;
  std::map<std::string, std::string> expectations;  // source path -> name in the bundle ("" missing)
  fs::create_directories(root / "inputs");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunResults& run = runs[i];
    const std::string name = fmt::format("inputs/{}-{}", i + 1, SafeName(run.path));
    std::error_code ec;
    fs::copy_file(run.path, root / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw std::runtime_error(fmt::format("{}: cannot copy into the bundle: {}", run.path, ec.message()));
    files.push_back(name);
    const json& h = run.header;
    const Column* col = ColumnOf(m, run);
    text << fmt::format("\n{}\n  from:         {}\n  target:       {}\n  column:       {}\n", name, run.path,
                        TextField(h, "target", "(no header)"), col ? col->label + " (" + col->key + ")" : "(none)");
    text << fmt::format("  produced by:  ipcconform {} (commit {}), started {}\n", TextField(h, "version", "?"),
                        TextField(h, "commit", "?"), TextField(h, "started", "?"));
    std::string expect =
        h.contains("expectations") && h["expectations"].is_string() ? h["expectations"].get<std::string>() : "";
    if (expect.empty()) {
      text << "  expectations: none\n";
    } else {
      if (!expectations.count(expect) && fs::is_regular_file(expect, ec) && !allowed(expect)) {
        expectations[expect] = "-";
      } else if (!expectations.count(expect)) {
        std::string inside =
            fmt::format("expectations/{}-{}", expectations.size() + 1, fs::path(expect).filename().string());
        if (fs::is_regular_file(expect, ec)) {
          fs::create_directories(root / "expectations");
          fs::copy_file(expect, root / inside, fs::copy_options::overwrite_existing, ec);
        }
        if (ec || !fs::is_regular_file(root / inside))
          inside.clear();
        else
          files.push_back(inside);
        expectations[expect] = inside;
      }
      const std::string& inside = expectations[expect];
      if (inside == "-") {
        text << "  expectations: NOT BUNDLED (" << expect
             << ": only the project's own expectation files and those named with --bundle-expectations are copied)\n";
      } else {
        text << "  expectations: "
             << (inside.empty() ? "MISSING (" + expect + " was not found where the bundle was made)"
                                : inside + " (from " + expect + ")")
             << "\n";
      }
    }
    text << "  fingerprint:  " << (h.contains("fingerprint") ? h["fingerprint"].dump() : "unknown") << "\n";
  }
  return text.str();
}

}  // namespace

bool ExpectationFileAllowed(const std::string& path, const std::vector<std::string>& named, const std::string& dir) {
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec || !fs::is_regular_file(real, ec)) return false;
  for (const auto& n : named) {
    const fs::path other = fs::canonical(n, ec);
    if (!ec && other == real) return true;
  }
  if (dir.empty()) return false;
  const fs::path base = fs::canonical(dir, ec);
  if (ec) return false;
  return real.parent_path() == base;
}

void WriteBundle(const Matrix& m, const std::vector<RunResults>& runs,
                 const std::map<std::string, std::string>& reports, const ToolInfo& tool, const std::string& path,
                 const std::function<bool(const std::string&)>& allowed) {
  std::string stage_template = (fs::temp_directory_path() / "ipcconform-bundle-XXXXXX").string();
  if (mkdtemp(stage_template.data()) == nullptr) {
    throw std::runtime_error(fmt::format("cannot make a folder for the bundle: {}", std::strerror(errno)));
  }
  const fs::path stage(stage_template);
  const fs::path root = stage / "ipcconform-report";
  const std::string tmp = fs::absolute(path).string() + ".tmp";
  try {
    fs::create_directories(root / "reports");
    std::vector<std::string> files;
    for (const auto& [name, content] : reports) {
      WriteFileAtomically((root / "reports" / name).string(), content);
      files.push_back("reports/" + name);
    }
    std::ostringstream manifest;
    manifest << "ipcconform report bundle\n";
    manifest << fmt::format("made by:  ipcconform {} (commit {})\ncreated:  {}\n", tool.version, tool.commit, NowIso());
    manifest << "check:    sha256sum -c SHA256SUMS\n\nInputs (raw, byte for byte):\n";
    manifest << CopyInputs(m, runs, root, files, allowed);
    manifest << "\nColumns (a target on one machine):\n";
    for (const auto& c : m.columns) manifest << fmt::format("  {}  {}\n", c.key, c.label);
    manifest << fmt::format("\nProblems with the input ({}):\n", m.problems.size());
    for (const auto& p : m.problems) manifest << "  " << p << "\n";
    WriteFileAtomically((root / "MANIFEST").string(), manifest.str());
    files.push_back("MANIFEST");
    std::vector<std::string> sums = {"sha256sum", "--"};
    sums.insert(sums.end(), files.begin(), files.end());
    RunProgram(sums, root.string(), (root / "SHA256SUMS").string());
    RunProgram(
        {"tar", "-czf", tmp, "--owner=0", "--group=0", "--numeric-owner", "-C", stage.string(), "ipcconform-report"},
        stage.string(), "");
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw std::runtime_error(fmt::format("{}: cannot rename into place: {}", path, std::strerror(errno)));
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(stage, ec);
    fs::remove(tmp, ec);
    throw;
  }
  std::error_code ec;
  fs::remove_all(stage, ec);
}

}  // namespace ipcc
