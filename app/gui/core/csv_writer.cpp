// SPDX-License-Identifier: MIT
#include "core/csv_writer.h"

#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>

namespace teescope::gui {

namespace {

// A plain decimal number, possibly negative ("-12", "-0.5", "3e-9"): kept as it is.
bool isPlainNumber(const QString &s)
{
    static const QRegularExpression number(QStringLiteral("^[-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$"));
    return number.match(s).hasMatch();
}

// A cell a spreadsheet would take for a formula (OWASP "CSV injection") is written as text,
// behind a quote mark; strings from a trace are never interpreted.
QString neutralised(const QString &value)
{
    if (value.isEmpty() || !QStringLiteral("=+-@\t\r").contains(value.front()) || isPlainNumber(value))
        return value;
    return QLatin1Char('\'') + value;
}

} // namespace

QString CsvWriter::field(const QString &raw)
{
    const QString value = neutralised(raw);
    const bool quote = value.contains(QLatin1Char(',')) || value.contains(QLatin1Char('"')) ||
                       value.contains(QLatin1Char('\r')) || value.contains(QLatin1Char('\n'));
    if (!quote)
        return value;
    QString escaped = value;
    escaped.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString CsvWriter::row(const QStringList &fields)
{
    QString line;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            line += QLatin1Char(',');
        line += field(fields.at(i));
    }
    return line;
}

bool CsvWriter::writeRow(const QStringList &fields)
{
    const QByteArray bytes = (row(fields) + QStringLiteral("\r\n")).toUtf8();
    return device_->write(bytes) == bytes.size();
}

bool writeCsvFile(const QString &path, const QStringList &header, const QList<QStringList> &rows, QString *error)
{
    // QSaveFile: a failed export never leaves a truncated file in place of a good one.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    CsvWriter writer(&file);
    bool ok = writer.writeRow(header);
    for (const QStringList &r : rows)
        ok = ok && writer.writeRow(r);
    if (!ok || !file.commit()) {
        if (error)
            *error = QStringLiteral("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace teescope::gui
