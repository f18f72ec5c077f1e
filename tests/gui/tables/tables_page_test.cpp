// SPDX-License-Identifier: MIT
#include "core/format.h"
#include "core/theme.h"
#include "tables/latency_histogram_widget.h"
#include "tables/latency_model.h"
#include "tables/latency_page.h"
#include "tables/latency_scatter_widget.h"
#include "tables/latency_sort_proxy.h"
#include "tables/leaks_page.h"
#include "tables_test_util.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>

using namespace teescope::gui;

namespace {
bool openAndWait(ViewPage &page, const QString &db)
{
    page.openTrace(loadTraceInfo(openTraceDb(db)));
    return QTest::qWaitFor([&] { return page.isReady(); }, 30000);
}

QString screenshot(const QWidget &w, const QString &name)
{
    const QString dir = qEnvironmentVariable("TEESCOPE_SCREENSHOTS", QDir::tempPath());
    QDir().mkpath(dir);
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
    const_cast<QWidget &>(w).grab().save(path);
    return path;
}

// Pixels within `tolerance` of `c` in every channel.
int pixelsNear(const QImage &image, QColor c, int tolerance = 24)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    int n = 0;
    for (int y = 0; y < img.height(); ++y) {
        const QRgb *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x)
            n += std::abs(qRed(line[x]) - c.red()) <= tolerance && std::abs(qGreen(line[x]) - c.green()) <= tolerance &&
                 std::abs(qBlue(line[x]) - c.blue()) <= tolerance;
    }
    return n;
}

int distinctColours(const QImage &image)
{
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    QSet<QRgb> seen;
    for (int y = 0; y < img.height(); y += 2) {
        const QRgb *line = reinterpret_cast<const QRgb *>(img.constScanLine(y));
        for (int x = 0; x < img.width(); x += 2)
            seen.insert(line[x]);
    }
    return int(seen.size());
}

QModelIndex firstLeaf(const QAbstractItemModel *m, const QModelIndex &parent = {})
{
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex i = m->index(r, 0, parent);
        if (LeaksModel::NodeType(i.data(LeaksModel::NodeTypeRole).toInt()) == LeaksModel::NodeType::Leak &&
            i.data(LeaksModel::IsObjectRole).toBool())
            return i;
        const QModelIndex below = firstLeaf(m, i);
        if (below.isValid())
            return below;
    }
    return {};
}
} // namespace

class TablesPageTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
    }

    void leaksScreenshot()
    {
        Selection selection;
        LeaksPage page(&selection);
        page.setSuppressionsFile(dir_.filePath(QStringLiteral("leaks-shot.txt")));
        page.resize(1100, 420);
        page.show();
        const QString db = test::sampleDb(QStringLiteral("leaky"));
        QVERIFY(openAndWait(page, db));
        QVERIFY(page.loadError().isEmpty());
        const int total = int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM leaks")));
        QCOMPARE(page.summaryText(), QStringLiteral("%1 leaks (0 suppressed)").arg(total));
        QTest::qWait(50);
        const QString path = screenshot(page, QStringLiteral("leaks-leaky"));
        const QImage image(path);
        QVERIFY(!image.isNull());
        QVERIFY2(distinctColours(image) > 20, "the leaks page looks blank");
        QVERIFY2(pixelsNear(image, leakColor(isDark(page.palette())), 10) > 30, "no leak colour on the leaks page");
    }

    void leaksSuppressFromContextMenu()
    {
        Selection selection;
        LeaksPage page(&selection);
        const QString file = dir_.filePath(QStringLiteral("menu.txt"));
        page.setSuppressionsFile(file);
        const QString db = test::sampleDb(QStringLiteral("leaky"));
        QVERIFY(openAndWait(page, db));
        const QModelIndex leaf = firstLeaf(page.treeView()->model());
        QVERIFY(leaf.isValid());
        const QString objectClass = leaf.data(LeaksModel::ClassRole).toString();
        std::unique_ptr<QMenu> menu(page.createContextMenu(leaf));
        QCOMPARE(menu->actions().size(), 2);
        QVERIFY(menu->actions().first()->text().contains(objectClass));
        menu->actions().first()->trigger();

        const int matching =
            int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM leaks WHERE class = '%1'").arg(objectClass)));
        const int total = int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM leaks")));
        QCOMPARE(page.model()->suppressedCount(), matching);
        QCOMPARE(page.summaryText(), QStringLiteral("%1 leaks (%2 suppressed)").arg(total - matching).arg(matching));
        // Saved, and read back by a new page.
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(QString::fromUtf8(f.readAll()).contains(QStringLiteral("class:") + objectClass));
        LeaksPage again(&selection);
        again.setSuppressionsFile(file);
        QVERIFY(openAndWait(again, db));
        QCOMPARE(again.model()->suppressedCount(), matching);
        // Show suppressed brings them back, still counted as suppressed.
        again.setShowSuppressed(true);
        QCOMPARE(int(again.model()->visibleRecords().size()), total);
        QCOMPARE(again.model()->suppressedCount(), matching);
        // And the menu now offers to lift it.
        std::unique_ptr<QMenu> menu2(again.createContextMenu(firstLeaf(again.treeView()->model())));
        QVERIFY(menu2->actions().first()->text().startsWith(QStringLiteral("Unsuppress")));

        // The export holds what is shown: without the suppressed leaks once they are hidden.
        QString error;
        const QString csv = dir_.filePath(QStringLiteral("suppressed.csv"));
        QVERIFY2(again.exportTo(csv, QStringLiteral("csv"), &error), qPrintable(error));
        QCOMPARE(test::readCsvFile(csv).size(), 1 + total);
        again.setShowSuppressed(false);
        QVERIFY2(again.exportTo(csv, QStringLiteral("csv"), &error), qPrintable(error));
        QCOMPARE(test::readCsvFile(csv).size(), 1 + total - matching);
    }

    void leaksBadSuppressionsFile()
    {
        const QString file = dir_.filePath(QStringLiteral("bad.txt"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("class:client_env\nthis is wrong\n");
        f.close();
        Selection selection;
        LeaksPage page(&selection);
        QSignalSpy status(&page, &ViewPage::statusMessage);
        page.setSuppressionsFile(file);
        QCOMPARE(page.suppressionWarnings().size(), 1);
        QCOMPARE(status.size(), 1);
        QCOMPARE(page.model()->suppressions().rules().size(), 1);
    }

    void leaksSelection()
    {
        Selection selection;
        LeaksPage page(&selection);
        page.setSuppressionsFile(dir_.filePath(QStringLiteral("sel.txt")));
        QVERIFY(openAndWait(page, test::sampleDb(QStringLiteral("leaky"))));
        QTreeView *tree = page.treeView();
        // Clicking a leak selects its object.
        const QModelIndex leaf = firstLeaf(tree->model());
        QVERIFY(leaf.isValid());
        tree->setCurrentIndex(leaf);
        QCOMPARE(selection.item().kind, ItemRef::Kind::Object);
        QCOMPARE(selection.item().id, leaf.data(LeaksModel::ObjectIdRole).toLongLong());
        // An object selected elsewhere becomes the current row when it is a leak.
        const QList<LeakRecord> records = page.model()->visibleRecords();
        const auto other = std::find_if(records.rbegin(), records.rend(), [&](const LeakRecord &r) {
            return r.isObject() && r.objectId != selection.item().id;
        });
        QVERIFY(other != records.rend());
        selection.select({ItemRef::Kind::Object, other->objectId});
        QCOMPARE(tree->currentIndex().data(LeaksModel::ObjectIdRole).toLongLong(), other->objectId);
        // An object that is no leak leaves no leak highlighted: the selection is elsewhere.
        selection.select({ItemRef::Kind::Object, 987654321});
        QVERIFY(!tree->currentIndex().isValid());
        QVERIFY(tree->selectionModel()->selectedIndexes().isEmpty());
        // And so does clearing the selection.
        selection.select({ItemRef::Kind::Object, other->objectId});
        QVERIFY(tree->currentIndex().isValid());
        selection.clear();
        QVERIFY(!tree->currentIndex().isValid());
    }

    void leaksMissingDatabase()
    {
        Selection selection;
        LeaksPage page(&selection);
        page.setSuppressionsFile(dir_.filePath(QStringLiteral("missing.txt")));
        TraceInfo info;
        info.dbPath = dir_.filePath(QStringLiteral("no-such.db"));
        page.openTrace(info);
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady(), 10000);
        QVERIFY(page.loadError().contains(QStringLiteral("no-such.db")));
        QCOMPARE(page.model()->rowCount(), 0);
    }

    void latencyScreenshotAndSlowest()
    {
        Selection selection;
        LatencyPage page(&selection);
        page.resize(1100, 640);
        page.show();
        const QString db = test::sampleDb(QStringLiteral("callbacks"));
        QVERIFY(openAndWait(page, db));
        QCOMPARE(page.model()->rowCount(), int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM latency"))));
        page.selectRow(0);
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady() && page.stats(), 30000);
        const QString objectClass = page.stats()->objectClass;
        const qint64 op = page.stats()->op;
        QCOMPARE(page.stats()->count,
                 test::sqlInt(db, QStringLiteral("SELECT count FROM latency WHERE class = '%1' AND op = %2").arg(objectClass).arg(op)));

        // A time range selected elsewhere is shaded on the scatter.
        const TimeRange range{page.stats()->minTs, page.stats()->minTs + (page.stats()->maxTs - page.stats()->minTs) / 3 + 1};
        selection.setRange(range);
        QCOMPARE(page.scatter()->highlightRange(), range);

        QTest::qWait(50);
        const QString path = screenshot(page, QStringLiteral("latency-callbacks"));
        const QImage image(path);
        QVERIFY(!image.isNull());
        QVERIFY2(distinctColours(image) > 20, "the latency page looks blank");
        const bool dark = isDark(page.palette());
        const QImage histogram = page.histogram()->grab().toImage();
        QVERIFY2(pixelsNear(histogram, categoryColor(objectClass, dark), 4) > 50, "no histogram bars");
        const QImage scatter = page.scatter()->grab().toImage();
        QVERIFY2(pixelsNear(scatter, leakColor(dark), 40) > 5, "the slowest point is not marked");
        QColor shade = selectionColor(dark);
        // The shading is the selection colour at alpha 70 over the base colour.
        const QColor base = page.scatter()->palette().color(QPalette::Base);
        const auto blend = [](int s, int b) { return (s * 70 + b * (255 - 70)) / 255; };
        shade = QColor(blend(shade.red(), base.red()), blend(shade.green(), base.green()), blend(shade.blue(), base.blue()));
        QVERIFY2(pixelsNear(scatter, shade, 6) > 200, "the selected range is not shaded");

        // The charts export as an image.
        QString error;
        const QString png = dir_.filePath(QStringLiteral("latency.png"));
        QVERIFY2(page.exportTo(png, QStringLiteral("png"), &error), qPrintable(error));
        QVERIFY(!QImage(png).isNull());

        // Go to slowest: the invocation of the row with the longest driver time, in the timeline.
        QSignalSpy reveal(&selection, &Selection::revealRequested);
        const QList<QPushButton *> buttons = page.findChildren<QPushButton *>();
        const auto slowest = std::find_if(buttons.begin(), buttons.end(), [](QPushButton *b) {
            return b->text() == QStringLiteral("Go to slowest");
        });
        QVERIFY(slowest != buttons.end());
        QVERIFY((*slowest)->isEnabled());
        (*slowest)->click();
        QCOMPARE(reveal.size(), 1);
        QCOMPARE(reveal.first().first().value<ViewId>(), ViewId::Timeline);
        QCOMPARE(selection.item().kind, ItemRef::Kind::Invocation);
        const qint64 maxNs =
            test::sqlInt(db, QStringLiteral("SELECT max_ns FROM latency WHERE class = '%1' AND op = %2").arg(objectClass).arg(op));
        const QList<QStringList> inv = test::sqlRows(
            db, QStringLiteral("SELECT i.drv_end_ts - i.drv_begin_ts, o.class, i.op FROM invocations i "
                               "LEFT JOIN objects o ON o.id = i.object_id WHERE i.id = %1")
                    .arg(selection.item().id));
        QCOMPARE(inv.size(), 1);
        QCOMPARE(inv[0][0].toLongLong(), maxNs);
        QCOMPARE(inv[0][2].toLongLong(), op);
        if (objectClass != QStringLiteral("unknown") && objectClass != driverLabel())
            QCOMPARE(inv[0][1], objectClass);
        // The first invocation of that maximum, by SQL, is the one revealed unless there is a tie.
        QCOMPARE(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM invocations i JOIN objects o ON o.id = i.object_id "
                                                 "WHERE o.class = '%1' AND i.op = %2 AND i.drv_end_ts - i.drv_begin_ts > %3")
                                      .arg(objectClass)
                                      .arg(op)
                                      .arg(maxNs)),
                 0);

        // Clicking a point of the scatter selects its invocation.
        const LatencySample target = page.stats()->points.first();
        const QPoint at = page.scatter()->position(target).toPoint();
        QTest::mouseClick(page.scatter(), Qt::LeftButton, {}, at);
        QCOMPARE(selection.item().kind, ItemRef::Kind::Invocation);
        const auto clicked = std::find_if(page.stats()->points.begin(), page.stats()->points.end(),
                                          [&](const LatencySample &s) { return s.invocationId == selection.item().id; });
        QVERIFY(clicked != page.stats()->points.end());
        QVERIFY((page.scatter()->position(*clicked) - QPointF(at)).manhattanLength() <= 12);
    }

    void latencyFollowsSelectedObject()
    {
        Selection selection;
        LatencyPage page(&selection);
        const QString db = test::sampleDb(QStringLiteral("callbacks"));
        QVERIFY(openAndWait(page, db));
        const QList<QStringList> object = test::sqlRows(
            db, QStringLiteral("SELECT o.id, o.class FROM objects o WHERE o.class IN (SELECT class FROM latency) "
                               "AND o.class <> 'root' LIMIT 1"));
        QCOMPARE(object.size(), 1);
        selection.select({ItemRef::Kind::Object, object[0][0].toLongLong()});
        QTRY_COMPARE_WITH_TIMEOUT(page.proxy()->classFilter(), object[0][1], 10000);
        QCOMPARE(page.proxy()->rowCount(),
                 int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM latency WHERE class = '%1'").arg(object[0][1]))));
    }

    void csvExportRoundTrip()
    {
        // A class name with a comma and a quote in a copy of a sample database.
        const QString db = dir_.filePath(QStringLiteral("odd.db"));
        QVERIFY(QFile::copy(test::sampleDb(QStringLiteral("leaky")), db));
        QFile::setPermissions(db, QFile::ReadOwner | QFile::WriteOwner);
        const QString odd = QStringLiteral("odd, \"quoted\" class");
        QVERIFY(test::sqlExec(db, QStringLiteral("UPDATE objects SET class = 'odd, \"quoted\" class' WHERE id = "
                                                 "(SELECT object_id FROM leaks WHERE kind = 'held_at_end' LIMIT 1);"
                                                 "UPDATE latency SET class = 'odd, \"quoted\" class' WHERE rowid = "
                                                 "(SELECT min(rowid) FROM latency);")));
        Selection selection;
        LeaksPage leaks(&selection);
        leaks.setSuppressionsFile(dir_.filePath(QStringLiteral("csv.txt")));
        QVERIFY(openAndWait(leaks, db));
        QCOMPARE(leaks.exportFormats(), QStringList{QStringLiteral("csv")});
        const QString leaksCsv = dir_.filePath(QStringLiteral("leaks.csv"));
        QString error;
        QVERIFY2(leaks.exportTo(leaksCsv, QStringLiteral("csv"), &error), qPrintable(error));
        const QList<QStringList> leakRows = test::readCsvFile(leaksCsv);
        QCOMPARE(leakRows.size(), 1 + int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM leaks"))));
        const int classColumn = int(leakRows.first().indexOf(QStringLiteral("class")));
        QVERIFY(classColumn >= 0);
        QVERIFY(std::any_of(leakRows.begin(), leakRows.end(), [&](const QStringList &r) { return r.value(classColumn) == odd; }));
        for (const QStringList &r : leakRows)
            QCOMPARE(r.size(), leakRows.first().size());

        LatencyPage latency(&selection);
        QVERIFY(openAndWait(latency, db));
        const QString latencyCsv = dir_.filePath(QStringLiteral("latency.csv"));
        QVERIFY2(latency.exportTo(latencyCsv, QStringLiteral("csv"), &error), qPrintable(error));
        const QList<QStringList> latencyRows = test::readCsvFile(latencyCsv);
        QCOMPARE(latencyRows.size(), 1 + int(test::sqlInt(db, QStringLiteral("SELECT count(*) FROM latency"))));
        const auto row = std::find_if(latencyRows.begin(), latencyRows.end(), [&](const QStringList &r) { return r.value(0) == odd; });
        QVERIFY(row != latencyRows.end());
        QCOMPARE(row->size(), 10);
        const QList<QStringList> expected = test::sqlRows(
            db, QStringLiteral("SELECT class, op, count, min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, op_name "
                               "FROM latency_ops WHERE class = 'odd, \"quoted\" class'"));
        QCOMPARE(*row, expected.first());
        QVERIFY(!latency.exportTo(dir_.filePath(QStringLiteral("x.svg")), QStringLiteral("svg"), &error));
    }

    // Both pages in the dark palette: the semantic colours follow it.
    void darkScreenshots()
    {
        applyPalette(*qApp, Palette::Dark);
        Selection selection;
        {
            LeaksPage page(&selection);
            page.setSuppressionsFile(dir_.filePath(QStringLiteral("dark.txt")));
            page.resize(1100, 420);
            page.show();
            QVERIFY(openAndWait(page, test::sampleDb(QStringLiteral("leaky"))));
            QTest::qWait(50);
            const QImage image(screenshot(page, QStringLiteral("leaks-leaky-dark")));
            QVERIFY(isDark(page.palette()));
            QVERIFY2(pixelsNear(image, leakColor(true), 10) > 30, "no dark leak colour on the leaks page");
            QVERIFY2(pixelsNear(image, Qt::white, 0) < image.width() * image.height() / 20, "a dark page mostly white");
        }
        {
            LatencyPage page(&selection);
            page.resize(1100, 640);
            page.show();
            QVERIFY(openAndWait(page, test::sampleDb(QStringLiteral("callbacks"))));
            page.selectRow(0);
            QTRY_VERIFY_WITH_TIMEOUT(page.isReady() && page.stats(), 30000);
            QTest::qWait(50);
            const QImage image(screenshot(page, QStringLiteral("latency-callbacks-dark")));
            QVERIFY2(pixelsNear(image, categoryColor(page.stats()->objectClass, true), 4) > 50, "no histogram bars");
        }
        applyPalette(*qApp, Palette::Light);
    }

    // Live mode: a refresh appends new rows in one batch and keeps the selected row.
    void latencyRefreshAppends()
    {
        const QString db = dir_.filePath(QStringLiteral("live.db"));
        QVERIFY(QFile::copy(test::sampleDb(QStringLiteral("callbacks")), db));
        QFile::setPermissions(db, QFile::ReadOwner | QFile::WriteOwner);
        Selection selection;
        LatencyPage page(&selection);
        QVERIFY(openAndWait(page, db));
        const int rows = page.model()->rowCount();
        page.selectRow(0);
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady() && page.stats(), 30000);
        const QString selectedClass = page.stats()->objectClass;
        QVERIFY(test::sqlExec(db, QStringLiteral("INSERT INTO latency VALUES ('late_class', 9, 1, 5, 5, 5, 5, 5, 5)")));
        QSignalSpy inserted(page.model(), &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(page.model(), &QAbstractItemModel::modelReset);
        page.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(inserted.size(), 1, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady() && page.stats(), 30000);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(page.model()->rowCount(), rows + 1);
        QCOMPARE(page.tableView()->currentIndex().data(LatencyModel::ClassRole).toString(), selectedClass);
        QCOMPARE(page.stats()->objectClass, selectedClass);
    }

    // The biggest row of a large trace loads in a job: the GUI thread keeps ticking meanwhile.
    void latencyBigRowDoesNotBlock()
    {
        const QString db = qEnvironmentVariable("TEESCOPE_BIG_DB", QStringLiteral("/tmp/big5m.db"));
        if (!QFileInfo::exists(db))
            QSKIP("no big database");
        Selection selection;
        LatencyPage page(&selection);
        page.resize(1100, 640);
        page.show();
        QVERIFY(openAndWait(page, db));
        QElapsedTimer clock;
        qint64 last = 0, worst = 0;
        QTimer tick;
        tick.setInterval(5);
        connect(&tick, &QTimer::timeout, this, [&] {
            worst = std::max(worst, clock.elapsed() - last);
            last = clock.elapsed();
        });
        clock.start();
        tick.start();
        page.selectRow(0); // sorted by count: the biggest row
        QTRY_VERIFY_WITH_TIMEOUT(page.isReady() && page.stats(), 60000);
        const qint64 total = clock.elapsed();
        tick.stop();
        QCOMPARE(page.stats()->histogram.total(), page.stats()->count);
        qInfo("big row %s op %lld: %lld invocations, job %lld ms, until shown %lld ms, longest GUI stall %lld ms",
              qPrintable(page.stats()->objectClass), page.stats()->op, page.stats()->count, page.stats()->loadMs, total,
              worst);
        QVERIFY2(worst < 250, qPrintable(QStringLiteral("GUI thread blocked for %1 ms").arg(worst)));
        screenshot(page, QStringLiteral("latency-big"));
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TablesPageTest)
#include "tables_page_test.moc"
