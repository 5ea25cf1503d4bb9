#include "store/journal_text.hpp"  // first: proves the header stands alone
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

using dueday::command;
using dueday::command_kind;
using dueday::instant;
using dueday::detail::journal_line;
using dueday::detail::plainly_reads_back;
using dueday::detail::text_writer;
using namespace std::chrono;

namespace {

// Whether the line of `c` reads back as `c`, found the slow way: written, read, written again.
bool reads_back(const command& c) {
  try {
    const std::string line = dueday::detail::command_line(c);
    return dueday::detail::command_line(dueday::parse_command(line, "command", 1)) == line;
  } catch (const std::exception&) {  // not UTF-8 (nlohmann), or refused by the reader
    return false;
  }
}

instant at(int y) { return instant{sys_days{year{y} / 10 / 1}} + hours{2}; }

}  // namespace

TEST_CASE("journal text: a command passed without reading its line back does read back") {
  // Every field of every type, each with values on both sides of the readers' rules: the fast
  // judgement may say "read it back" of a good command, never "fine" of one that does not read
  // back (which journal_line would then journal, and a restart could not read).
  const std::vector<std::string> names = {"",
                                          "x",
                                          "五华区",
                                          std::string(200, 'a'),
                                          std::string(201, 'a'),
                                          "a\"b\\c",
                                          std::string("nul\0in", 6),
                                          "tab\there",
                                          "\xff\xfe",
                                          "\xe4\xb8",
                                          "\xed\xa0\x80"};
  const std::vector<int> years = {1969, 1999, 2000, 2026, 2099, 2100, 9999};
  text_writer w;
  std::size_t plain = 0;
  std::size_t tried = 0;
  const auto judge = [&](const command& c) {
    std::string line;
    std::string again;
    std::string why;
    ++tried;
    const bool fast = w.command_text(c, line) && plainly_reads_back(c);
    plain += fast ? 1 : 0;
    if (fast) {
      CAPTURE(line);
      REQUIRE(reads_back(c));
      REQUIRE(journal_line(w, c, line, again, why));
    }
  };
  for (const command_kind k : {command_kind::open, command_kind::start, command_kind::pause, command_kind::resume,
                               command_kind::complete, command_kind::cancel, command_kind::tick}) {
    for (const int y : years) {
      for (const std::string& s : names) {
        command c;
        c.kind = k;
        c.at = at(y);
        c.case_id = "KM-1";
        c.policy = "kunming-water-490";
        c.variant = "no-external";
        c.step = "survey";
        // Each field in turn takes the name.
        for (int field = 0; field < 9; ++field) {
          command d = c;
          switch (field) {
            case 0:
              d.case_id = s;
              break;
            case 1:
              d.step = s;
              break;
            case 2:
              d.reason = s;
              break;
            case 3:
              d.district = s;
              break;
            case 4:
              d.unit = s;
              break;
            case 5:
              d.units = {{"survey", s}};
              break;
            case 6:
              d.units = {{s, "unit"}};
              break;
            case 7:
              d.units = {{"survey", "a"}, {s, "b"}};
              break;  // in order or not, or twice
            default:
              d.policy = s;
              d.variant = s;
              break;
          }
          judge(d);
        }
        command works = c;
        works.works = dueday::works{40, 120, {}};
        judge(works);
      }
    }
  }
  // The fast judgement is taken for the common commands: the sixth of a durable command it saves.
  CHECK(plain > tried / 4);
  command usual;
  usual.kind = command_kind::open;
  usual.at = at(2026);
  usual.case_id = "KM-1";
  usual.policy = "kunming-water-490";
  usual.variant = "no-external";
  usual.district = "五华区";
  usual.units = {{"overall", "昆明自来水集团有限公司"}, {"survey", "五华分公司"}};
  std::string line;
  CHECK(w.command_text(usual, line));
  CHECK(plainly_reads_back(usual));
  command pause = usual;
  pause.kind = command_kind::pause;
  pause.step = "survey";
  pause.reason = "客户原因";
  CHECK(plainly_reads_back(pause));
  pause.unit = "x";  // written, but the readers take a unit only on a start
  CHECK_FALSE(plainly_reads_back(pause));
}
