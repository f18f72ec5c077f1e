// SPDX-License-Identifier: MIT
// Helpers of the tables tests: the sample databases, direct SQL for expectations, and a CSV
// reader (RFC 4180) to check what the exports wrote.
#pragma once

#include "core/trace_db.h"

#include <QFile>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTest>

#include <sqlite3.h>

namespace teescope::gui::test {

inline QString sampleDb(const QString &name)
{
    return qEnvironmentVariable("TEESCOPE_TEST_DBS") + QLatin1Char('/') + name + QStringLiteral(".db");
}

// Every row of `sql` on `path` as text (NULL as an empty string).
inline QList<QStringList> sqlRows(const QString &path, const QString &sql)
{
    const store::Database db = openTraceDb(path);
    store::Statement s(db.handle(), sql.toStdString(), db.path());
    QList<QStringList> rows;
    const int columns = sqlite3_column_count(s.get());
    while (s.next()) {
        QStringList row;
        for (int c = 0; c < columns; ++c)
            row.append(s.null_at(c) ? QString() : traceText(s.text_at(c)));
        rows.append(row);
    }
    return rows;
}

inline qint64 sqlInt(const QString &path, const QString &sql)
{
    const QList<QStringList> rows = sqlRows(path, sql);
    return rows.isEmpty() || rows.first().isEmpty() ? -1 : rows.first().first().toLongLong();
}

// Runs statements on a writable copy (the GUI only opens databases read-only).
inline bool sqlExec(const QString &path, const QString &sql)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open(path.toUtf8().constData(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    char *err = nullptr;
    const int rc = sqlite3_exec(db, sql.toUtf8().constData(), nullptr, nullptr, &err);
    if (err) {
        qWarning("%s", err);
        sqlite3_free(err);
    }
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

// RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF.
inline QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false, fieldStarted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                    field += QLatin1Char('"');
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"') && !fieldStarted) {
            quoted = fieldStarted = true;
        } else if (c == QLatin1Char(',')) {
            record.append(field);
            field.clear();
            fieldStarted = false;
        } else if (c == QLatin1Char('\r') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('\n')) {
            record.append(field);
            records.append(record);
            record.clear();
            field.clear();
            fieldStarted = false;
            ++i;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (fieldStarted || !record.isEmpty()) {
        record.append(field);
        records.append(record);
    }
    return records;
}

inline QList<QStringList> readCsvFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return parseCsv(QString::fromUtf8(f.readAll()));
}

} // namespace teescope::gui::test
