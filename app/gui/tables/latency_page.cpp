// SPDX-License-Identifier: MIT
#include "tables/latency_page.h"

#include "core/format.h"
#include "core/logging.h"
#include "core/csv_writer.h"
#include "tables/column_fit.h"
#include "tables/latency_histogram_widget.h"
#include "tables/latency_model.h"
#include "tables/latency_scatter_widget.h"
#include "tables/latency_sort_proxy.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace teescope::gui {

LatencyPage::LatencyPage(Selection *selection, QWidget *parent)
    : ViewPage(selection, parent), model_(new LatencyModel(this)), proxy_(new LatencySortProxy(this)),
      filter_(new QLineEdit(this)), classFilterLabel_(new QLabel(this)),
      clearClassFilter_(new QPushButton(tr("Show all classes"), this)), table_(new QTableView(this)),
      statsLabel_(new QLabel(this)), slowest_(new QPushButton(tr("Go to slowest"), this)), charts_(new QWidget(this)),
      histogram_(new LatencyHistogramWidget(charts_)), scatter_(new LatencyScatterWidget(charts_))
{
    proxy_->setSourceModel(model_);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(LatencyModel::CountColumn, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(false);
    // Class and op name the row and the numbers are short: the class elides only when little
    // else would fit.
    columns_ = new ColumnFit(table_,
                             {LatencyModel::OpColumn, LatencyModel::CountColumn, LatencyModel::P50Column,
                              LatencyModel::P90Column, LatencyModel::P99Column, LatencyModel::P999Column,
                              LatencyModel::MaxColumn},
                             {LatencyModel::ClassColumn});
    filter_->setPlaceholderText(tr("Filter by class or op"));
    filter_->setClearButtonEnabled(true);
    classFilterLabel_->setTextFormat(Qt::PlainText);
    classFilterLabel_->hide();
    clearClassFilter_->hide();
    statsLabel_->setTextFormat(Qt::PlainText);
    slowest_->setEnabled(false);
    histogram_->setPlaceholder(tr("Select a row to see its histogram"));
    scatter_->setPlaceholder(tr("Select a row to see its latency over time"));

    auto *filterBar = new QHBoxLayout;
    filterBar->addWidget(filter_, 1);
    filterBar->addWidget(classFilterLabel_);
    filterBar->addWidget(clearClassFilter_);

    auto *statsBar = new QHBoxLayout;
    statsBar->addWidget(statsLabel_, 1);
    statsBar->addWidget(slowest_);
    auto *chartsRow = new QHBoxLayout;
    chartsRow->setContentsMargins(0, 0, 0, 0);
    chartsRow->addWidget(histogram_, 2);
    chartsRow->addWidget(scatter_, 3);
    auto *chartsBox = new QVBoxLayout(charts_);
    chartsBox->setContentsMargins(0, 0, 0, 0);
    chartsBox->addLayout(statsBar);
    chartsBox->addLayout(chartsRow, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(table_);
    split->addWidget(charts_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filterBar);
    layout->addWidget(split, 1);
    // Showing the page focuses the table, not the filter.
    setFocusProxy(table_);

    connect(filter_, &QLineEdit::textChanged, this, &LatencyPage::applyFilterText);
    connect(clearClassFilter_, &QPushButton::clicked, this, &LatencyPage::showAllClasses);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &LatencyPage::onCurrentRowChanged);
    connect(slowest_, &QPushButton::clicked, this, &LatencyPage::goToSlowest);
    connect(scatter_, &LatencyScatterWidget::invocationClicked, this,
            [this](qint64 id) { this->selection()->select({ItemRef::Kind::Invocation, id}); });
    connect(selection, &Selection::rangeChanged, scatter_, &LatencyScatterWidget::setHighlightRange);
    connect(selection, &Selection::itemChanged, this, &LatencyPage::onSelectionItemChanged);
    connect(selection, &Selection::cleared, this, &LatencyPage::showAllClasses);
    connect(selection, &Selection::groupChanged, this, [this](const ItemGroup &group) {
        if (group.kind != ItemGroup::Kind::Service)
            return;
        pendingService_ = tableLoading_ ? group : ItemGroup();
        if (!tableLoading_)
            selectService(group);
    });
    connect(selection, &Selection::guestFilterChanged, this, [this] {
        if (trace_.dbPath.isEmpty())
            return;
        model_->setRows({});
        clearStats(QString());
        loadTable(false);
    });
    clearStats(QString());
}

void LatencyPage::openTrace(const TraceInfo &trace)
{
    trace_ = trace;
    scatter_->setTraceStart(trace.firstTs);
    scatter_->setHighlightRange(selection()->range());
    model_->setRows({});
    clearStats(QString());
    loadTable(false);
}

void LatencyPage::refresh()
{
    if (!trace_.dbPath.isEmpty())
        loadTable(true);
}

void LatencyPage::loadTable(bool merge)
{
    tableLoading_ = true;
    updateReady();
    setLoadError(QString());
    const int generation = tableGeneration_.next();
    const QString path = trace_.dbPath;
    const int guest = selection()->guestFilter();
    runJob<QList<LatencyRow>>(
        this, [path, guest] { return loadLatency(openTraceDb(path), guest); },
        [this, generation, merge](JobResult<QList<LatencyRow>> result) {
            if (!tableGeneration_.isCurrent(generation))
                return;
            tableLoading_ = false;
            if (!result.ok()) {
                qCWarning(lcTables) << "latency:" << result.error;
                setLoadError(result.error);
                model_->setRows({});
            } else if (merge) {
                model_->update(*result.value);
                // The selected row may have new invocations: its charts are read again.
                const QModelIndex current = table_->currentIndex();
                if (current.isValid())
                    loadStats(current.data(LatencyModel::ClassRole).toString(),
                              current.data(LatencyModel::OpRole).toLongLong(),
                              current.data(LatencyModel::OpNameRole).toString(), true);
            } else {
                model_->setRows(std::move(*result.value));
                columns_->fit();
                // The charts of the first row show at once: an empty chart explains nothing.
                if (!(pendingService_.isValid() && selectService(pendingService_)) && proxy_->rowCount() > 0)
                    selectRow(0);
                pendingService_ = {};
            }
            updateReady();
        });
}

void LatencyPage::updateReady()
{
    setReady(!tableLoading_ && !statsLoading_);
}

void LatencyPage::clearStats(const QString &placeholder)
{
    statsGeneration_.next(); // whatever is loading is no longer wanted
    statsLoading_ = false;
    stats_.reset();
    histogram_->setStats(nullptr);
    scatter_->setStats(nullptr);
    if (!placeholder.isEmpty()) {
        histogram_->setPlaceholder(placeholder);
        scatter_->setPlaceholder(placeholder);
    }
    statsLabel_->setText(tr("Select a row"));
    slowest_->setEnabled(false);
    updateReady();
}

void LatencyPage::selectRow(int proxyRow)
{
    table_->selectRow(proxyRow);
    table_->setCurrentIndex(proxy_->index(proxyRow, 0));
}

void LatencyPage::applyFilterText(const QString &text)
{
    // Filtering a row out makes the table's current row jump to a neighbour: instead the selected
    // row stays selected while it passes the filter, and nothing is selected once it does not.
    const QModelIndex current = table_->currentIndex();
    const bool selected = current.isValid() && table_->selectionModel()->isRowSelected(current.row(), {});
    const QString objectClass = selected ? current.data(LatencyModel::ClassRole).toString() : QString();
    const qint64 op = selected ? current.data(LatencyModel::OpRole).toLongLong() : 0;
    filtering_ = true;
    proxy_->setFilterText(text);
    const int source = selected ? model_->rowOf(objectClass, op) : -1;
    const QModelIndex kept = source >= 0 ? proxy_->mapFromSource(model_->index(source, 0)) : QModelIndex();
    if (kept.isValid()) {
        selectRow(kept.row());
        table_->scrollTo(kept);
    } else {
        table_->selectionModel()->clear();
    }
    filtering_ = false;
    if (selected && !kept.isValid())
        clearStats(tr("The selected row does not match the filter"));
}

void LatencyPage::onCurrentRowChanged()
{
    if (filtering_)
        return;
    const QModelIndex current = table_->currentIndex();
    if (!current.isValid()) {
        clearStats(QString());
        return;
    }
    loadStats(current.data(LatencyModel::ClassRole).toString(), current.data(LatencyModel::OpRole).toLongLong(),
              current.data(LatencyModel::OpNameRole).toString(), false);
}

void LatencyPage::loadStats(const QString &objectClass, qint64 op, const QString &opLabel, bool reload)
{
    if (!reload && stats_ && stats_->objectClass == objectClass && stats_->op == op)
        return;
    const int generation = statsGeneration_.next();
    statsLoading_ = true;
    updateReady();
    statsLabel_->setText(tr("Loading %1…").arg(callText(objectClass, op, opLabel)));
    slowest_->setEnabled(false);
    const QString path = trace_.dbPath;
    const int guest = selection()->guestFilter();
    runJob<LatencyStats>(
        this,
        [path, objectClass, op, opLabel, guest] {
            LatencyStats stats = loadLatencyStats(openTraceDb(path), objectClass, op, 20000, guest);
            if (!opLabel.isEmpty())
                stats.opLabel = opLabel;
            return stats;
        },
        [this, generation](JobResult<LatencyStats> result) {
            if (!statsGeneration_.isCurrent(generation))
                return;
            statsLoading_ = false;
            if (!result.ok()) {
                qCWarning(lcTables) << "latency stats:" << result.error;
                setLoadError(result.error);
                statsLabel_->setText(result.error);
                Q_EMIT statusMessage(result.error);
                updateReady();
                return;
            }
            stats_ = std::make_shared<const LatencyStats>(std::move(*result.value));
            qCDebug(lcTables) << "latency stats of" << stats_->objectClass << stats_->op << "in" << stats_->loadMs << "ms";
            histogram_->setStats(stats_);
            scatter_->setStats(stats_);
            const ItemRef item = selection()->item();
            scatter_->setSelectedInvocation(item.kind == ItemRef::Kind::Invocation ? std::optional<qint64>(item.id)
                                                                                   : std::nullopt);
            QString text = tr("%1: %2 invocations")
                               .arg(callText(stats_->objectClass, stats_->op, stats_->opLabel), formatCount(stats_->count));
            if (stats_->slowest)
                text += tr(", slowest %1 (invocation %2)")
                            .arg(formatDuration(stats_->slowest->durationNs))
                            .arg(stats_->slowest->invocationId);
            statsLabel_->setText(text);
            slowest_->setEnabled(stats_->slowest.has_value());
            updateReady();
        });
}

void LatencyPage::goToSlowest()
{
    if (stats_ && stats_->slowest)
        selection()->reveal({ItemRef::Kind::Invocation, stats_->slowest->invocationId}, ViewId::Timeline);
}

void LatencyPage::showAllClasses()
{
    classGeneration_.next(); // a class being looked up is no longer wanted
    proxy_->setClassFilter(QString());
    classFilterLabel_->hide();
    clearClassFilter_->hide();
}

bool LatencyPage::selectService(const ItemGroup &service)
{
    showAllClasses();
    filter_->clear();
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        const QModelIndex index = proxy_->index(r, 0);
        if (index.data(LatencyModel::ClassRole).toString() == service.key &&
            index.data(LatencyModel::OpRole).toLongLong() == service.op) {
            selectRow(r);
            table_->scrollTo(index);
            return true;
        }
    }
    return false;
}

void LatencyPage::onSelectionItemChanged(ItemRef item)
{
    if (item.kind == ItemRef::Kind::Invocation) {
        scatter_->setSelectedInvocation(item.id);
        return;
    }
    // Only an object or session filters the table by its class; anything else (or nothing) shows
    // every class again.
    if ((item.kind != ItemRef::Kind::Object && item.kind != ItemRef::Kind::Session) || trace_.dbPath.isEmpty()) {
        showAllClasses();
        return;
    }
    // The object's class (a session's TA) is read in a job too (one row, but never SQL on the GUI
    // thread).
    const int generation = classGeneration_.next();
    const QString path = trace_.dbPath;
    const qint64 id = item.id;
    const bool session = item.kind == ItemRef::Kind::Session;
    runJob<QString>(
        this,
        [path, id, session] {
            const store::Database db = openTraceDb(path);
            store::Statement s(db.handle(),
                               session ? "SELECT COALESCE(t.name, s.uuid) FROM sessions s"
                                         " LEFT JOIN ta_names t ON t.uuid = s.uuid WHERE s.id = ?1"
                                       : "SELECT class FROM objects WHERE id = ?1",
                               db.path());
            s.bind(1, int64_t(id));
            return s.next() && !s.null_at(0) ? traceText(s.text_at(0)) : QString();
        },
        [this, generation](JobResult<QString> result) {
            if (!classGeneration_.isCurrent(generation))
                return;
            // A class with no invocation (a callback object's) would leave the table empty.
            if (!result.ok() || result.value->isEmpty() ||
                model_->match(model_->index(0, 0), LatencyModel::ClassRole, *result.value, 1, Qt::MatchExactly).isEmpty()) {
                showAllClasses();
                return;
            }
            proxy_->setClassFilter(*result.value);
            classFilterLabel_->setText(tr("Class: %1").arg(*result.value));
            classFilterLabel_->show();
            clearClassFilter_->show();
        });
}

QStringList LatencyPage::exportFormats() const
{
    return {QStringLiteral("csv"), QStringLiteral("png")};
}

bool LatencyPage::exportTo(const QString &path, const QString &format, QString *error)
{
    if (format == QLatin1String("png")) {
        if (charts_->grab().save(path, "PNG"))
            return true;
        if (error)
            *error = tr("%1: could not write the image").arg(path);
        return false;
    }
    if (format != QLatin1String("csv"))
        return ViewPage::exportTo(path, format, error);
    const auto number = [](const std::optional<qint64> &v) { return v ? QString::number(*v) : QString(); };
    // Ops by name (QTEE ops, TA commands) in one more column at the end.
    QList<QStringList> rows;
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        const LatencyRow *row = model_->row(proxy_->mapToSource(proxy_->index(r, 0)).row());
        if (!row)
            continue;
        QStringList cells{row->objectClass,   QString::number(row->op), QString::number(row->count),
                          number(row->minNs), number(row->p50Ns),       number(row->p90Ns),
                          number(row->p99Ns), number(row->p999Ns),      number(row->maxNs),
                          row->opName};
        rows.append(cells);
    }
    QStringList header{QStringLiteral("class"),  QStringLiteral("op"),     QStringLiteral("count"),
                       QStringLiteral("min_ns"), QStringLiteral("p50_ns"), QStringLiteral("p90_ns"),
                       QStringLiteral("p99_ns"), QStringLiteral("p999_ns"), QStringLiteral("max_ns"),
                       QStringLiteral("op_name")};
    return writeCsvFile(path, header, rows, error);
}

} // namespace teescope::gui
