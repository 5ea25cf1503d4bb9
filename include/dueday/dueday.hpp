// dueday/dueday.hpp — the whole public API.
#pragma once

#include "dueday/calendar.hpp"
#include "dueday/case_state.hpp"
#include "dueday/deadline.hpp"
#include "dueday/engine.hpp"
#include "dueday/error.hpp"
#include "dueday/event.hpp"
#include "dueday/format.hpp"
#include "dueday/io.hpp"
#include "dueday/jsonl.hpp"
#include "dueday/policy.hpp"
#include "dueday/report.hpp"
#include "dueday/span.hpp"
#include "dueday/store.hpp"
#include "dueday/timer.hpp"
#include "dueday/units.hpp"
#include "dueday/working_time.hpp"
