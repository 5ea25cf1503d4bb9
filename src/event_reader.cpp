// event_reader.cpp: being written (issue 9).
