// report/svg.cpp: being written (issue 9).
