# dueday events and dueday status over stores of the October example, written through the library
# by store_fixture (not by `dueday run`). The setup test writes them; the others read them.
add_executable(store_fixture store_fixture.cpp)
dueday_test_settings(store_fixture)
