// SPDX-License-Identifier: MIT
#include "tables/suppressions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace teescope::gui;

class SuppressionsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("lines"); // the rules, as toLine() gives them
        QTest::addColumn<int>("errors");
        QTest::newRow("empty") << QString() << QStringList{} << 0;
        QTest::newRow("comments and blanks") << QStringLiteral("# a comment\n\n   \n# class:x\n") << QStringList{} << 0;
        QTest::newRow("class and creator")
            << QStringLiteral("class:diagnostics\ncreator:tee-supplicant\n")
            << QStringList{QStringLiteral("class:diagnostics"), QStringLiteral("creator:tee-supplicant")} << 0;
        QTest::newRow("crlf and blanks around")
            << QStringLiteral("  class: app \r\ncreator:my daemon\r\n")
            << QStringList{QStringLiteral("class:app"), QStringLiteral("creator:my daemon")} << 0;
        QTest::newRow("duplicates kept once")
            << QStringLiteral("class:app\nclass:app\n") << QStringList{QStringLiteral("class:app")} << 0;
        QTest::newRow("bad lines skipped")
            << QStringLiteral("klass:app\nclass:\nclass:ok\nprocess:x\n") << QStringList{QStringLiteral("class:ok")} << 3;
        QTest::newRow("name with comma and colon")
            << QStringLiteral("class:a,b:c\n") << QStringList{QStringLiteral("class:a,b:c")} << 0;
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, lines);
        QFETCH(int, errors);
        Suppressions s;
        QStringList problems;
        s.parse(text, &problems);
        QStringList got;
        for (const SuppressionRule &r : s.rules())
            got.append(r.toLine());
        QCOMPARE(got, lines);
        QCOMPARE(problems.size(), errors);
        for (const QString &p : problems)
            QVERIFY2(p.startsWith(QStringLiteral("line ")), qPrintable(p));
    }

    void badLineNamesItsNumber()
    {
        Suppressions s;
        QStringList problems;
        s.parse(QStringLiteral("class:a\n\nnonsense\n"), &problems);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(QStringLiteral("line 3:")), qPrintable(problems.first()));
    }

    void match_data()
    {
        QTest::addColumn<QString>("objectClass");
        QTest::addColumn<QString>("creator");
        QTest::addColumn<bool>("matches");
        QTest::newRow("class") << QStringLiteral("diagnostics") << QStringLiteral("x") << true;
        QTest::newRow("creator") << QStringLiteral("app") << QStringLiteral("tee-supplicant") << true;
        QTest::newRow("neither") << QStringLiteral("app") << QStringLiteral("client") << false;
        QTest::newRow("case differs") << QStringLiteral("Diagnostics") << QString() << false;
        QTest::newRow("prefix only") << QStringLiteral("diag") << QString() << false;
        QTest::newRow("class name is not a creator") << QString() << QStringLiteral("diagnostics") << false;
        QTest::newRow("empty") << QString() << QString() << false;
    }
    void match()
    {
        QFETCH(QString, objectClass);
        QFETCH(QString, creator);
        QFETCH(bool, matches);
        Suppressions s;
        s.parse(QStringLiteral("class:diagnostics\ncreator:tee-supplicant\n"));
        QCOMPARE(s.matches(objectClass, creator), matches);
    }

    void addRemove()
    {
        Suppressions s;
        const SuppressionRule rule{SuppressionRule::Kind::Creator, QStringLiteral("svc")};
        QVERIFY(s.add(rule));
        QVERIFY(!s.add(rule));
        QVERIFY(!s.add({SuppressionRule::Kind::Class, QString()}));
        QVERIFY(s.matches(QStringLiteral("x"), QStringLiteral("svc")));
        QVERIFY(s.remove(rule));
        QVERIFY(!s.remove(rule));
        QVERIFY(s.isEmpty());
    }

    void saveLoadRoundTrip()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("sub/folder/suppressions.txt"));
        Suppressions s;
        s.add({SuppressionRule::Kind::Class, QStringLiteral("client_env")});
        s.add({SuppressionRule::Kind::Creator, QStringLiteral("name with spaces ünïcode")});
        s.add({SuppressionRule::Kind::Class, QStringLiteral("odd, \"quoted\" # not a comment")});
        QString error;
        QVERIFY2(s.save(path, &error), qPrintable(error));

        Suppressions loaded;
        QStringList problems;
        QVERIFY(loaded.load(path, &problems));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        QCOMPARE(loaded.rules(), s.rules());
    }

    void loadReportsBadLinesWithTheFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("s.txt"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("class:a\ngarbage\ncreator:b\n");
        f.close();
        Suppressions s;
        QStringList problems;
        QVERIFY(s.load(path, &problems));
        QCOMPARE(s.rules().size(), 2);
        QCOMPARE(problems.size(), 1);
        QVERIFY(problems.first().contains(path));
        QVERIFY(problems.first().contains(QStringLiteral("line 2")));
    }

    void missingFileIsEmpty()
    {
        Suppressions s;
        s.add({SuppressionRule::Kind::Class, QStringLiteral("x")});
        QStringList problems;
        QVERIFY(s.load(QStringLiteral("/nonexistent/dir/suppressions.txt"), &problems));
        QVERIFY(s.isEmpty());
        QVERIFY(problems.isEmpty());
    }

    void saveToUnwritablePathFails()
    {
        Suppressions s;
        QString error;
        QVERIFY(!s.save(QStringLiteral("/proc/teescope/suppressions.txt"), &error));
        QVERIFY(error.contains(QStringLiteral("/proc/teescope/suppressions.txt")));
    }
};

QTEST_GUILESS_MAIN(SuppressionsTest)
#include "suppressions_test.moc"
