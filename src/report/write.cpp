// report/write.cpp: being written (issue 9).
