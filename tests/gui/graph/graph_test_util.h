// SPDX-License-Identifier: MIT
// Shared by the graph tests: the sample databases and small SQL helpers for expectations.
#pragma once

#include "core/trace_db.h"

#include <QDir>
#include <QSet>
#include <QString>
#include <QTest>

namespace teescope::gui::test
{

inline QString sampleDb(const char *name)
{
    return QDir(qEnvironmentVariable("TEESCOPE_TEST_DBS"))
        .filePath(QString::fromLatin1(name) + QStringLiteral(".db"));
}

inline const char *const kSampleDbs[] = {"clean", "leaky", "sharing", "callbacks", "killed", "lossy"};

// The first column of every row of `sql`.
inline QSet<qint64> queryIds(const store::Database &db, const char *sql)
{
    QSet<qint64> ids;
    store::Statement s(db.handle(), sql, db.path());
    while (s.next())
        ids.insert(s.int_at(0));
    return ids;
}

inline qint64 queryNumber(const store::Database &db, const char *sql)
{
    store::Statement s(db.handle(), sql, db.path());
    return s.next() ? s.int_at(0) : -1;
}

} // namespace teescope::gui::test
