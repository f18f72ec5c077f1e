// SPDX-License-Identifier: MIT
// Leak suppressions: known long-lived objects hidden from the leak report, by class or by the
// name of the creator process. Stored as text, one rule a line: `class:NAME` or `creator:NAME`;
// `#` starts a comment line; blank lines are ignored. A bad line is reported and skipped.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace teescope::gui {

struct SuppressionRule {
    enum class Kind { Class, Creator };
    Kind kind = Kind::Class;
    QString name; // matched exactly (case-sensitive): classes and process names are identifiers

    friend bool operator==(const SuppressionRule &a, const SuppressionRule &b)
    {
        return a.kind == b.kind && a.name == b.name;
    }
    // "class:NAME" / "creator:NAME", the line of the file.
    QString toLine() const;
};

class Suppressions {
public:
    // The default file: <AppConfigLocation>/suppressions.txt.
    static QString defaultPath();

    // Replaces the rules by those of `text`. Each bad line adds "line N: why" to `errors`.
    void parse(const QString &text, QStringList *errors = nullptr);
    // Reads `path`; a missing file gives no rules and no error. False (with `errors`) if it
    // exists but cannot be read; bad lines are reported in `errors` but do not fail the load.
    bool load(const QString &path, QStringList *errors = nullptr);
    // Writes the rules to `path` (creating its folder); false with `error` naming the file.
    bool save(const QString &path, QString *error = nullptr) const;
    QString toText() const;

    const QList<SuppressionRule> &rules() const { return rules_; }
    bool isEmpty() const { return rules_.isEmpty(); }
    // Adds a rule unless it is there already (or its name is empty); true if added.
    bool add(const SuppressionRule &rule);
    bool remove(const SuppressionRule &rule);
    void clear() { rules_.clear(); }

    // True if a leak of `objectClass` created by a process named `creatorName` is suppressed.
    bool matches(const QString &objectClass, const QString &creatorName) const;

private:
    QList<SuppressionRule> rules_;
};

} // namespace teescope::gui
