// SPDX-License-Identifier: MIT
// One import into one database file, fed by the reader (or by the sink.teescope.sqlite
// Babeltrace2 component): the trackers and the writer behind a TraceSink.
#pragma once

#include <memory>
#include <string>

#include "teescope/importer/event.h"

namespace teescope::importer {

class ImportSession : public TraceSink {
public:
    // Everything was handed over (after on_end): commit and mark the database complete.
    virtual void finish() = 0;
};

std::unique_ptr<ImportSession> make_import_session(const std::string &db_path);

} // namespace teescope::importer
