// How dueday names a place in an input: "file:line: message", or "file: message" for line 0.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dueday::detail {

// The characters of a source (a file path) a message keeps: escape(source, max_source).
inline constexpr std::size_t max_source = 1024;

// "<source>:<line>: <message>" with the source escaped; "<source>: <message>" for line 0.
std::string located(const std::string& source, int line, std::string_view message);

}  // namespace dueday::detail
