// report/data.cpp: being written (issue 9).
