#include "reports/text.h"

#include <algorithm>

namespace ipcc {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;  // U+FFFD: NUL is not allowed in HTML text
      default:
        out += ch;
    }
  }
  return out;
}

std::string MarkdownEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '|':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '\\':
      case '#':
      case '~':
        out += '\\';
        out += ch;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string CodeSpan(std::string_view text) {
  std::string body(text);
  for (char& ch : body) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  std::size_t longest = 0;
  for (std::size_t i = 0; i < body.size();) {
    std::size_t run = 0;
    while (i < body.size() && body[i] == '`') ++run, ++i;
    longest = std::max(longest, run);
    if (run == 0) ++i;
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string Shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  // Never split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + " ...";
}

std::string FirstLine(std::string_view text, std::size_t max) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  text.remove_prefix(start);
  const auto nl = text.find('\n');
  std::string_view first = text.substr(0, nl);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (first.size() > max) return Shorten(first, max);
  const bool more = nl != std::string_view::npos && text.find_first_not_of(" \t\r\n", nl) != std::string_view::npos;
  return std::string(first) + (more ? " ..." : "");
}

}  // namespace ipcc
