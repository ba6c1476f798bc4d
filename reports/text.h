// Small text helpers the report writers share: escaping for HTML and Markdown, shortening messages.
#pragma once

#include <string>
#include <string_view>

namespace ipcc {

// Escapes &, <, >, " and ' so the text is safe in element content and quoted attribute values.
std::string HtmlEscape(std::string_view text);

// Text for one Markdown table cell or list item: one line, '|', '<', '>', '`', '*', '_', '[', ']' and
// '\' escaped, so nothing in it can close the cell or start markup.
std::string MarkdownEscape(std::string_view text);

// Text as one Markdown code span outside tables: fenced by more backticks than the longest run of
// backticks in it (padded with a space where it starts or ends with one), on one line, so nothing in it
// can end the span.
std::string CodeSpan(std::string_view text);

// The first line of a message, cut to at most `max` bytes (on a UTF-8 character boundary) with "...".
std::string FirstLine(std::string_view text, std::size_t max = 160);

// Cuts text to at most `max` bytes on a UTF-8 character boundary, adding " ..." when cut.
std::string Shorten(std::string_view text, std::size_t max);

}  // namespace ipcc
