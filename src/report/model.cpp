// report/model.cpp: being written (issue 9).
