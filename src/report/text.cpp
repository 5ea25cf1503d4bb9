// report/text.cpp: being written (issue 9).
