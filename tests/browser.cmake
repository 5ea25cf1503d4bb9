# The browser check (issue 9): the HTML circular opened in Debian's headless Chromium with a fresh
# profile and no network, its figures and tables checked by DOM queries, printed to an A4 PDF, and
# a PNG of its first page kept for the CI log (tests/browser/check_report.mjs).
#
# DUEDAY_BROWSER_HTML is the one circular checked: the shipped October example replayed and its
# circular written by the CLI, as `./build.sh run` does (with a fixed generation time). The hand-built
# fixture (report_fixture.hpp) stays for report_html_test.cpp and for looking at edge cases.
set(DUEDAY_BROWSER_OUT ${CMAKE_CURRENT_BINARY_DIR}/browser)
set(DUEDAY_BROWSER_EVENTS ${DUEDAY_BROWSER_OUT}/october-2026-events.jsonl)
set(DUEDAY_BROWSER_HTML ${DUEDAY_BROWSER_OUT}/october-2026-circular.html)
file(MAKE_DIRECTORY ${DUEDAY_BROWSER_OUT})
add_test(NAME "browser: replay the October example"
         COMMAND $<TARGET_FILE:dueday_cli> replay --input ${PROJECT_SOURCE_DIR}/examples/october-2026/commands.jsonl
                 --output ${DUEDAY_BROWSER_EVENTS})
add_test(NAME "browser: write the October circular's html"
         COMMAND $<TARGET_FILE:dueday_cli> report --month 2026-10 --events ${DUEDAY_BROWSER_EVENTS} --format html
                 --generated-at 2026-11-02T09:00:00+08:00 -o ${DUEDAY_BROWSER_HTML})
set_tests_properties("browser: replay the October example" PROPERTIES FIXTURES_SETUP dueday_browser_events)
set_tests_properties("browser: write the October circular's html" PROPERTIES
  FIXTURES_REQUIRED dueday_browser_events FIXTURES_SETUP dueday_browser_html)

# Without node, Chromium or playwright-core (tests/browser/node_modules, `npm ci`) the check exits
# 77 and is skipped locally; under CI, or with DUEDAY_BROWSER_REQUIRED=1 (./build.sh test sets it,
# after installing all three), it fails instead.
find_program(DUEDAY_NODE NAMES node nodejs)
if(DUEDAY_NODE)
  set(browser_check ${DUEDAY_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/browser/check_report.mjs ${DUEDAY_BROWSER_HTML}
      ${DUEDAY_BROWSER_OUT})
else()
  set(browser_check sh -c [[echo "browser check: node not found (./build.sh test installs nodejs and npm)" >&2
if [ -n "${CI:-}${DUEDAY_BROWSER_REQUIRED:-}" ]; then exit 1; fi; exit 77]])
endif()
add_test(NAME "browser: report html" COMMAND ${browser_check})
set_tests_properties("browser: report html" PROPERTIES
  FIXTURES_REQUIRED dueday_browser_html SKIP_RETURN_CODE 77 TIMEOUT 180 COST 30
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/browser)

# The live dashboard (issue 11): `dueday serve --clock manual` started by the check itself on a free
# loopback port over a temporary store, the page opened in the same headless Chromium, commands and
# ticks posted while it is open, their effect awaited on the page (tests/browser/check_dashboard.mjs).
if(DUEDAY_NODE)
  set(dashboard_check ${DUEDAY_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/browser/check_dashboard.mjs $<TARGET_FILE:dueday_cli>
      ${DUEDAY_BROWSER_OUT})
else()
  set(dashboard_check ${browser_check})
endif()
add_test(NAME "browser: live dashboard" COMMAND ${dashboard_check})
set_tests_properties("browser: live dashboard" PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 90 COST 20 WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/browser)
