#include "reports/junit.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace ipcc {

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
          out += fmt::format("\\x{:02x}", ch);
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out;
}

void WriteJUnit(const std::vector<RunResults>& runs, std::ostream& out) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ipcconform\">\n";
  for (const auto& run : runs) {
    const std::string target = run.header.value("target", "unknown");
    std::map<std::string, std::vector<const nlohmann::json*>> by_mechanism;
    for (const auto& c : run.cases) by_mechanism[c.value("mechanism", "unknown")].push_back(&c);
    for (const auto& [mechanism, cases] : by_mechanism) {
      int failures = 0;
      int errors = 0;
      int skipped = 0;
      double seconds = 0;
      for (const auto* c : cases) {
        const std::string o = (*c)["outcome"];
        failures += o == "FAIL";
        errors += o == "ERROR" || o == "TIMEOUT" || o == "CRASH";
        skipped += o == "SKIP" || o == "UNSUPPORTED";
        seconds += c->value("duration_ms", 0.0) / 1000.0;
      }
      out << fmt::format(
          "  <testsuite name=\"{}.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n",
          XmlEscape(target), XmlEscape(mechanism), cases.size(), failures, errors, skipped, seconds);
      for (const auto* c : cases) {
        const std::string id = (*c)["id"];
        const std::string o = (*c)["outcome"];
        const std::string message = c->value("message", "");
        out << fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3f}\">\n", XmlEscape(target),
                           XmlEscape(mechanism), XmlEscape(id), c->value("duration_ms", 0.0) / 1000.0);
        out << "      <properties>\n";
        out << fmt::format("        <property name=\"id\" value=\"{}\"/>\n", XmlEscape(id));
        out << fmt::format("        <property name=\"outcome\" value=\"{}\"/>\n", XmlEscape(o));
        if (c->contains("refs") && (*c)["refs"].is_array()) {
          std::string refs;
          for (const auto& r : (*c)["refs"]) refs += (refs.empty() ? "" : "; ") + r.get<std::string>();
          out << fmt::format("        <property name=\"citation\" value=\"{}\"/>\n", XmlEscape(refs));
        }
        if (c->contains("verdict")) {
          out << fmt::format("        <property name=\"verdict\" value=\"{}\"/>\n",
                             XmlEscape(c->value("verdict", "")));
        }
        if (c->contains("expected")) {
          out << fmt::format("        <property name=\"expectation\" value=\"{}\"/>\n",
                             XmlEscape(c->value("expected", "")));
        }
        out << "      </properties>\n";
        if (o == "FAIL") {
          out << fmt::format("      <failure message=\"{}\">{}</failure>\n", XmlEscape(message.substr(0, 200)),
                             XmlEscape(message));
        } else if (o == "ERROR" || o == "TIMEOUT" || o == "CRASH") {
          out << fmt::format("      <error type=\"{}\" message=\"{}\">{}</error>\n", o,
                             XmlEscape(message.substr(0, 200)), XmlEscape(message));
        } else if (o == "SKIP" || o == "UNSUPPORTED") {
          out << fmt::format("      <skipped message=\"{}: {}\"/>\n", o, XmlEscape(message));
        }
        if (c->contains("output")) {
          out << fmt::format("      <system-out>{}</system-out>\n", XmlEscape(c->value("output", "")));
        }
        out << "    </testcase>\n";
      }
      out << "  </testsuite>\n";
    }
  }
  out << "</testsuites>\n";
}

void WriteJUnitFile(const std::vector<RunResults>& runs, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw std::runtime_error(fmt::format("{}: cannot write", tmp));
    WriteJUnit(runs, out);
    if (!out) throw std::runtime_error(fmt::format("{}: write failed", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot rename into place", path));
  }
}

}  // namespace ipcc
