// SPDX-License-Identifier: MIT
// The sample databases of the GUI tests (imported by the gui_sample_dbs fixture), and small
// SQL helpers to compute expectations from the database itself.
#pragma once

#include "core/trace_db.h"

#include <QString>
#include <QtTest>

namespace teescope::gui::test {

inline QString sampleDb(const char *name)
{
    return qEnvironmentVariable("TEESCOPE_TEST_DBS") + QLatin1Char('/') + QLatin1String(name) + QStringLiteral(".db");
}

// The first column of the first row of `sql` (an integer), on `db`.
inline qint64 sqlInt(const QString &db, const char *sql)
{
    auto d = openTraceDb(db);
    store::Statement s(d.handle(), sql, d.path());
    return s.next() ? s.int_at(0) : -1;
}

} // namespace teescope::gui::test
