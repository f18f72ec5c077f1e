// SPDX-License-Identifier: MIT
#include "core/csv_writer.h"
#include "tables_test_util.h"

#include <QBuffer>
#include <QTemporaryDir>
#include <QTest>

using namespace teescope::gui;

class CsvWriterTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void field_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("written");
        QTest::newRow("plain") << QStringLiteral("client_env") << QStringLiteral("client_env");
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("comma") << QStringLiteral("a,b") << QStringLiteral("\"a,b\"");
        QTest::newRow("quote") << QStringLiteral("say \"hi\"") << QStringLiteral("\"say \"\"hi\"\"\"");
        QTest::newRow("newline") << QStringLiteral("a\nb") << QStringLiteral("\"a\nb\"");
        QTest::newRow("cr") << QStringLiteral("a\rb") << QStringLiteral("\"a\rb\"");
        QTest::newRow("spaces kept") << QStringLiteral(" a ") << QStringLiteral(" a ");
        QTest::newRow("arrow") << QStringLiteral("root → app") << QStringLiteral("root → app");
        // Formulas are neutralised (OWASP CSV injection), numbers are not.
        QTest::newRow("formula =") << QStringLiteral("=1+1") << QStringLiteral("'=1+1");
        QTest::newRow("formula +") << QStringLiteral("+cmd|' /C calc'!A0") << QStringLiteral("'+cmd|' /C calc'!A0");
        QTest::newRow("formula -") << QStringLiteral("-2+3") << QStringLiteral("'-2+3");
        QTest::newRow("formula @") << QStringLiteral("@SUM(A1)") << QStringLiteral("'@SUM(A1)");
        QTest::newRow("tab") << QStringLiteral("\t=1") << QStringLiteral("'\t=1");
        QTest::newRow("cr first") << QStringLiteral("\r=1") << QStringLiteral("\"'\r=1\"");
        QTest::newRow("formula with comma") << QStringLiteral("=A1,B1") << QStringLiteral("\"'=A1,B1\"");
        QTest::newRow("negative integer") << QStringLiteral("-12") << QStringLiteral("-12");
        QTest::newRow("negative real") << QStringLiteral("-0.5") << QStringLiteral("-0.5");
        QTest::newRow("exponent") << QStringLiteral("-1e-9") << QStringLiteral("-1e-9");
        QTest::newRow("lone minus") << QStringLiteral("-") << QStringLiteral("'-");
        QTest::newRow("equals inside") << QStringLiteral("a=b") << QStringLiteral("a=b");
    }
    void field()
    {
        QFETCH(QString, value);
        QFETCH(QString, written);
        QCOMPARE(CsvWriter::field(value), written);
    }

    void roundTrip()
    {
        const QList<QStringList> rows{
            {QStringLiteral("class"), QStringLiteral("note")},
            {QStringLiteral("odd, \"name\""), QStringLiteral("line1\r\nline2")},
            {QString(), QStringLiteral("ünïcode → x")},
        };
        QBuffer buffer;
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        CsvWriter writer(&buffer);
        for (const QStringList &r : rows)
            QVERIFY(writer.writeRow(r));
        const QByteArray bytes = buffer.data();
        QVERIFY(bytes.endsWith("\r\n"));
        QCOMPARE(test::parseCsv(QString::fromUtf8(bytes)), rows);
    }

    void fileErrorNamesThePath()
    {
        QString error;
        QVERIFY(!writeCsvFile(QStringLiteral("/nonexistent/dir/x.csv"), {QStringLiteral("a")}, {}, &error));
        QVERIFY(error.contains(QStringLiteral("/nonexistent/dir/x.csv")));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("x.csv"));
        QVERIFY(writeCsvFile(path, {QStringLiteral("a"), QStringLiteral("b")}, {{QStringLiteral("1"), QStringLiteral("2,3")}}, &error));
        QCOMPARE(test::readCsvFile(path), (QList<QStringList>{{QStringLiteral("a"), QStringLiteral("b")},
                                                             {QStringLiteral("1"), QStringLiteral("2,3")}}));
    }
};

QTEST_GUILESS_MAIN(CsvWriterTest)
#include "csv_writer_test.moc"
