#include "reports/report.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "reports/bundle.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/ktap.h"
#include "reports/markdown.h"
#include "reports/output.h"
#include "reports/summary.h"

namespace ipcc {
namespace {

namespace fs = std::filesystem;

std::string Render(const std::string& format, const Matrix& m, const ToolInfo& tool) {
  std::ostringstream text;
  if (format == "html") WriteHtml(m, tool, text);
  if (format == "md") WriteMarkdown(m, tool, text);
  if (format == "ktap") WriteKtap(m, tool, text);
  if (format == "junit") WriteJUnit(m, text);
  if (format == "json") text << Summary(m, tool).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return text.str();
}

}  // namespace

std::string ReportFileName(const std::string& format) {
  static const std::map<std::string, std::string> kNames = {
      {"html", "report.html"}, {"md", "report.md"},      {"ktap", "report.ktap"},
      {"junit", "junit.xml"},  {"json", "summary.json"}, {"bundle", "ipcconform-report.tar.gz"}};
  return kNames.at(format);
}

std::set<std::string> ParseFormats(const std::string& formats) {
  std::set<std::string> out;
  std::stringstream list(formats);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name == "all") {
      out.insert(kReportFormats.begin(), kReportFormats.end());
    } else if (std::find(kReportFormats.begin(), kReportFormats.end(), name) != kReportFormats.end()) {
      out.insert(name);
    } else {
      throw std::invalid_argument(fmt::format("unknown format '{}' (one or more of html, md, ktap, junit, json, "
                                              "bundle, joined by commas, or all)",
                                              name));
    }
  }
  if (out.empty()) throw std::invalid_argument("no format named");
  return out;
}

int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  std::set<std::string> formats;
  try {
    formats = ParseFormats(options.formats);
  } catch (const std::invalid_argument& e) {
    err << "ipcconform report: " << e.what() << "\n";
    return 2;
  }
  std::vector<RunResults> runs;
  std::vector<std::string> load_problems;
  for (std::string path : options.inputs) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) path = (fs::path(path) / "results.jsonl").string();
    try {
      runs.push_back(ReadResults(path));
    } catch (const std::runtime_error& e) {
      load_problems.push_back(e.what());
    }
  }
  Matrix m = BuildMatrix(runs, load_problems, options.statements);
  m.coverage = options.coverage;
  for (const auto& p : m.problems) err << "ipcconform report: " << p << "\n";

  // Inputs without a single case record would give empty reports in place of good ones: nothing is
  // written then.
  if (m.rows.empty()) {
    err << fmt::format("ipcconform report: no report written: the inputs hold no case record; what {} holds is "
                       "left as it was\n",
                       options.out);
    return 2;
  }
  try {
    PrepareOutFolder(options.out);
  } catch (const std::runtime_error& e) {
    err << "ipcconform report: " << e.what() << "\n";
    return 1;
  }
  std::map<std::string, std::string> rendered;  // file name -> content, for the files and the bundle
  for (const auto& f : kReportFormats) {
    if (f != "bundle" && (formats.count(f) || formats.count("bundle")))
      rendered[ReportFileName(f)] = Render(f, m, options.tool);
  }
  int status = m.problems.empty() ? 0 : 2;
  for (const auto& f : kReportFormats) {
    if (!formats.count(f)) continue;
    const std::string path = (fs::path(options.out) / ReportFileName(f)).string();
    try {
      if (f == "bundle") {
        WriteBundle(m, runs, rendered, options.tool, path, [&](const std::string& file) {
          return ExpectationFileAllowed(file, options.bundle_expectations, options.own_expectations_dir);
        });
      } else {
        WriteFileAtomically(path, rendered.at(ReportFileName(f)));
      }
      out << path << "\n";
    } catch (const std::exception& e) {
      err << "ipcconform report: " << e.what() << "\n";
      status = status == 0 ? 1 : status;
    }
  }
  return status;
}

}  // namespace ipcc
