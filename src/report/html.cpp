// report/html.cpp: being written (issue 9).
