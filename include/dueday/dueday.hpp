// dueday/dueday.hpp — the whole public API.
#pragma once

#include "dueday/calendar.hpp"
#include "dueday/deadline.hpp"
#include "dueday/error.hpp"
#include "dueday/format.hpp"
#include "dueday/io.hpp"
#include "dueday/units.hpp"
#include "dueday/working_time.hpp"
