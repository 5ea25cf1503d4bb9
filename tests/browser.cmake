# The browser check (issue 9): the HTML circular opened in Debian's headless Chromium with a fresh
# profile and no network, its figures and tables checked by DOM queries, printed to an A4 PDF, and
# a PNG of its first page kept for the CI log (tests/browser/check_report.mjs).
#
# DUEDAY_BROWSER_HTML is the one circular checked; the test below writes it first. Today it is the
# hand-built October report (report_fixture.hpp); point both at `dueday report --month 2026-10
# --format html` on the shipped example once the CLI writes it.
set(DUEDAY_BROWSER_HTML ${CMAKE_CURRENT_BINARY_DIR}/browser/circular.html)
set(DUEDAY_BROWSER_OUT ${CMAKE_CURRENT_BINARY_DIR}/browser)
file(MAKE_DIRECTORY ${DUEDAY_BROWSER_OUT})
add_test(NAME "browser: write the circular's html"
         COMMAND report_fixture_html ${DUEDAY_BROWSER_HTML} october)
set_tests_properties("browser: write the circular's html" PROPERTIES FIXTURES_SETUP dueday_browser_html)

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
