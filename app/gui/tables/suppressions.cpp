// SPDX-License-Identifier: MIT
#include "tables/suppressions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

namespace teescope::gui {

namespace {
const QLatin1String classPrefix("class:");
const QLatin1String creatorPrefix("creator:");
} // namespace

QString SuppressionRule::toLine() const
{
    return (kind == Kind::Class ? QString(classPrefix) : QString(creatorPrefix)) + name;
}

QString Suppressions::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/suppressions.txt");
}

void Suppressions::parse(const QString &text, QStringList *errors)
{
    rules_.clear();
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        // Only surrounding blanks (and a CR of CRLF files) are dropped; names keep inner spaces.
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        SuppressionRule rule;
        if (line.startsWith(classPrefix)) {
            rule.kind = SuppressionRule::Kind::Class;
            rule.name = line.mid(classPrefix.size()).trimmed();
        } else if (line.startsWith(creatorPrefix)) {
            rule.kind = SuppressionRule::Kind::Creator;
            rule.name = line.mid(creatorPrefix.size()).trimmed();
        } else {
            if (errors)
                errors->append(QStringLiteral("line %1: expected class:NAME or creator:NAME, got \"%2\"")
                                   .arg(i + 1)
                                   .arg(line.left(80)));
            continue;
        }
        if (rule.name.isEmpty()) {
            if (errors)
                errors->append(QStringLiteral("line %1: empty name").arg(i + 1));
            continue;
        }
        add(rule);
    }
}

bool Suppressions::load(const QString &path, QStringList *errors)
{
    rules_.clear();
    QFile file(path);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        if (errors)
            errors->append(QStringLiteral("%1: %2").arg(path, file.errorString()));
        return false;
    }
    QStringList lineErrors;
    parse(QString::fromUtf8(file.readAll()), &lineErrors);
    if (errors)
        for (const QString &e : std::as_const(lineErrors))
            errors->append(path + QStringLiteral(": ") + e);
    return true;
}

QString Suppressions::toText() const
{
    QString text = QStringLiteral("# teescope leak suppressions: class:NAME or creator:NAME, one per line\n");
    for (const SuppressionRule &r : rules_)
        text += r.toLine() + QLatin1Char('\n');
    return text;
}

bool Suppressions::save(const QString &path, QString *error) const
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray bytes = toText().toUtf8();
    if (file.write(bytes) != bytes.size() || !file.commit()) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool Suppressions::add(const SuppressionRule &rule)
{
    if (rule.name.isEmpty() || rules_.contains(rule))
        return false;
    rules_.append(rule);
    return true;
}

bool Suppressions::remove(const SuppressionRule &rule)
{
    return rules_.removeAll(rule) > 0;
}

bool Suppressions::matches(const QString &objectClass, const QString &creatorName) const
{
    for (const SuppressionRule &r : rules_) {
        if (r.kind == SuppressionRule::Kind::Class && !objectClass.isEmpty() && r.name == objectClass)
            return true;
        if (r.kind == SuppressionRule::Kind::Creator && !creatorName.isEmpty() && r.name == creatorName)
            return true;
    }
    return false;
}

} // namespace teescope::gui
