// SPDX-License-Identifier: MIT
// Comma-separated values as RFC 4180 says: CRLF line ends, a field is quoted when it holds a
// comma, a quote, CR or LF, and quotes inside are doubled. Strings are written verbatim (UTF-8),
// except that a cell starting with =, +, -, @, tab or CR (a formula to a spreadsheet) gets a
// leading ' unless it is a plain number such as -12 (OWASP CSV injection).
#pragma once

#include <QString>
#include <QStringList>

class QIODevice;

namespace teescope::gui {

class CsvWriter {
public:
    // Writes to `device` (opened for writing); the writer does not own it.
    explicit CsvWriter(QIODevice *device) : device_(device) {}

    // One record; false if the device refused the bytes.
    bool writeRow(const QStringList &fields);

    // A single field, quoted if it must be.
    static QString field(const QString &value);
    // A whole record without its line end.
    static QString row(const QStringList &fields);

private:
    QIODevice *device_;
};

// Writes `header` then `rows` into the file at `path`; on failure sets `error` (naming the file).
bool writeCsvFile(const QString &path, const QStringList &header, const QList<QStringList> &rows, QString *error);

} // namespace teescope::gui
