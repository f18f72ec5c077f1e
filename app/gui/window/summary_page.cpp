// SPDX-License-Identifier: MIT
#include "window/summary_page.h"

#include "tables/column_fit.h"

#include "core/csv_writer.h"
#include "core/format.h"
#include "core/theme.h"
#include "tables/column_fit.h"
#include "tables/leak_record.h"
#include "window/summary_loss_dialog.h"
#include "window/summary_models.h"

#include <QDialog>
#include <QGridLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teescope::gui {

namespace {

QTableView *makeTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setWordWrap(false);
    return view;
}

QLabel *plainLabel(QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setTextFormat(Qt::PlainText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

} // namespace

SummaryPage::SummaryPage(Selection *selection, QWidget *parent)
    : ViewPage(selection, parent), processes_(new ProcessesModel(this)),
      processesSort_(new QSortFilterProxyModel(this)), stats_(new ImportStatsModel(this))
{
    auto *layout = new QVBoxLayout(this);
    title_ = plainLabel(this);
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    title_->setFont(big);
    subtitle_ = plainLabel(this);
    layout->addWidget(title_);
    layout->addWidget(subtitle_);

    auto *cards = new QGridLayout;
    cards->setSpacing(8);
    processesCard_ = addCard(tr("processes"), 0, 0);
    threadsCard_ = addCard(tr("threads"), 0, 1);
    contextsCard_ = addCard(tr("contexts"), 0, 2);
    objectsCard_ = addCard(tr("objects"), 0, 3);
    handlesCard_ = addCard(tr("handle bindings"), 0, 4);
    invocationsCard_ = addCard(tr("invocations"), 1, 0);
    requestsCard_ = addCard(tr("callback requests"), 1, 1);
    leaksCard_ = addCard(tr("leaks"), 1, 2);
    sharedCard_ = addCard(tr("shared objects"), 1, 3);
    lostCard_ = addCard(tr("lost events"), 1, 4);
    sessionsCard_ = addCard(tr("OP-TEE sessions"), 2, 0);
    rpcsCard_ = addCard(tr("RPCs to tee-supplicant"), 2, 1);
    shmCard_ = addCard(tr("shared memory"), 2, 2);
    guestsCard_ = addCard(tr("Xen guests"), 2, 3);
    for (QPushButton *card : {processesCard_, threadsCard_, contextsCard_, objectsCard_, handlesCard_,
                              invocationsCard_, requestsCard_, leaksCard_, sharedCard_, lostCard_, sessionsCard_,
                              rpcsCard_, shmCard_, guestsCard_}) {
        cards->addWidget(card, card->property("row").toInt(), card->property("column").toInt());
    }
    for (QPushButton *card : {sessionsCard_, rpcsCard_, shmCard_, guestsCard_})
        card->hide();
    layout->addLayout(cards);
    guestsLabel_ = plainLabel(this);
    guestsLabel_->setWordWrap(true);
    guestsLabel_->hide();
    layout->addWidget(guestsLabel_);
    // A number leads to a view that shows exactly the items it counts.
    const auto revealGroup = [this](QPushButton *card, ItemGroup::Kind kind, ViewId view) {
        connect(card, &QPushButton::clicked, this, [this, kind, view] { this->selection()->revealGroup({kind, {}, 0}, view); });
    };
    revealGroup(sessionsCard_, ItemGroup::Kind::Sessions, ViewId::Graph);
    connect(guestsCard_, &QPushButton::clicked, this, [this] { Q_EMIT this->selection()->revealRequested(ViewId::Graph); });
    connect(rpcsCard_, &QPushButton::clicked, this, [this] { Q_EMIT this->selection()->revealRequested(ViewId::Timeline); });
    connect(shmCard_, &QPushButton::clicked, this, [this] { Q_EMIT this->selection()->revealRequested(ViewId::Leaks); });
    connect(selection, &Selection::itemChanged, this, &SummaryPage::followSelection);
    connect(selection, &Selection::cleared, this, [this] {
        followSelection({});
        leaksList_->clearSelection();
        leaksList_->setCurrentItem(nullptr);
        slowestList_->clearSelection();
        slowestList_->setCurrentItem(nullptr);
    });
    connect(selection, &Selection::guestFilterChanged, this, [this] {
        if (!trace_.dbPath.isEmpty())
            refresh();
    });

    connect(invocationsCard_, &QPushButton::clicked, this, [this] { Q_EMIT this->selection()->revealRequested(ViewId::Timeline); });
    connect(requestsCard_, &QPushButton::clicked, this, [this] { Q_EMIT this->selection()->revealRequested(ViewId::Timeline); });
    connect(threadsCard_, &QPushButton::clicked, this, [this] { Q_EMIT this->selection()->revealRequested(ViewId::Timeline); });
    revealGroup(processesCard_, ItemGroup::Kind::Processes, ViewId::Graph);
    revealGroup(contextsCard_, ItemGroup::Kind::Contexts, ViewId::Graph);
    revealGroup(objectsCard_, ItemGroup::Kind::Objects, ViewId::Graph);
    revealGroup(handlesCard_, ItemGroup::Kind::HandleBindings, ViewId::Graph);
    revealGroup(sharedCard_, ItemGroup::Kind::SharedObjects, ViewId::Graph);
    revealGroup(leaksCard_, ItemGroup::Kind::Leaks, ViewId::Leaks);
    connect(lostCard_, &QPushButton::clicked, this, &SummaryPage::showDataLoss);

    auto *split = new QSplitter(Qt::Vertical, this);
    processesSort_->setSourceModel(processes_);
    processesSort_->setSortRole(ProcessesModel::SortRole);
    processesView_ = makeTable(processesSort_, split);
    processesView_->setSortingEnabled(true);
    processesView_->horizontalHeader()->setStretchLastSection(false);
    processesView_->sortByColumn(ProcessesModel::Start, Qt::AscendingOrder);
    // In a narrow window the process column keeps its width and the others give up room.
    processColumns_ = new ColumnFit(processesView_, {ProcessesModel::Process}, {ProcessesModel::EndKind});
    connect(processesView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid() && !processesView_->property("following").toBool())
                    this->selection()->select(
                        {ItemRef::Kind::Process, current.data(ProcessesModel::IdRole).toLongLong()});
            });

    auto *lists = new QSplitter(Qt::Horizontal, split);
    leaksList_ = new QTreeWidget(lists);
    leaksList_->setHeaderLabels({tr("Leak kind"), tr("Count")});
    leaksList_->setRootIsDecorated(false);
    connect(leaksList_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        this->selection()->revealGroup({ItemGroup::Kind::Leaks, item->data(0, Qt::UserRole).toString(), 0}, ViewId::Leaks);
    });
    slowestList_ = new QTreeWidget(lists);
    slowestList_->setHeaderLabels({tr("Slowest services"), tr("Op"), tr("Count"), tr("p99"), tr("Max")});
    slowestList_->setRootIsDecorated(false);
    slowestColumns_ = new ColumnFit(slowestList_, {0, 1, 3}, {});
    connect(slowestList_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        this->selection()->revealGroup({ItemGroup::Kind::Service, item->data(0, Qt::UserRole).toString(),
                                        item->data(1, Qt::UserRole).toLongLong()},
                                       ViewId::Latency);
    });
    auto *statsBox = new QWidget(split);
    auto *statsLayout = new QVBoxLayout(statsBox);
    statsLayout->setContentsMargins(0, 0, 0, 0);
    statsClean_ = plainLabel(statsBox);
    statsClean_->setText(tr("Import: no events lost, no bad records."));
    statsClean_->hide();
    statsView_ = makeTable(stats_, statsBox);
    statsLayout->addWidget(statsClean_, 0, Qt::AlignTop);
    statsLayout->addWidget(statsView_, 1);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setStretchFactor(2, 2);
    layout->addWidget(split, 1);
}

QPushButton *SummaryPage::addCard(const QString &caption, int row, int column)
{
    auto *card = new QPushButton(this);
    card->setFlat(false);
    card->setMinimumHeight(54);
    card->setProperty("row", row);
    card->setProperty("column", column);
    card->setProperty("caption", caption);
    card->setObjectName(caption);
    QFont f = card->font();
    f.setPointSizeF(f.pointSizeF() * 1.15);
    card->setFont(f);
    card->setText(QStringLiteral("…\n") + caption);
    return card;
}

void SummaryPage::setCard(QPushButton *card, qint64 value, const QString &caption)
{
    card->setText(formatCount(value) + QLatin1Char('\n') + caption);
}

void SummaryPage::openTrace(const TraceInfo &trace)
{
    trace_ = trace;
    setReady(false);
    setLoadError({});
    title_->setText(trace.tracePath.isEmpty() ? trace.dbPath : trace.tracePath);
    subtitle_->setText(tr("Loading %1…").arg(trace.dbPath));
    refresh();
}

void SummaryPage::refresh()
{
    const int generation = generation_.next();
    const QString path = trace_.dbPath;
    const int guest = selection()->guestFilter();
    setReady(false);
    runJob<SummaryCounts>(
        this, [path, guest] { return loadSummaryCounts(openTraceDb(path), guest); },
        [this, generation](JobResult<SummaryCounts> r) {
            if (!generation_.isCurrent(generation))
                return;
            if (!r.ok()) {
                setLoadError(r.error);
                subtitle_->setText(r.error);
                setReady(true);
                return;
            }
            showCounts(*r.value);
        });
    runJob<SummaryDetails>(
        this, [path, guest] { return loadSummaryDetails(openTraceDb(path), guest); },
        [this, generation](JobResult<SummaryDetails> r) {
            if (!generation_.isCurrent(generation))
                return;
            if (!r.ok())
                setLoadError(r.error);
            else
                showDetails(*r.value);
            setReady(true);
        });
}

void SummaryPage::showCounts(const SummaryCounts &c)
{
    counts_ = c;
    const TraceInfo &i = c.info;
    QStringList parts;
    if (!i.stacks.isEmpty())
        parts << i.stacks;
    if (c.guest >= 0)
        parts << tr("showing %1 only").arg(guestLabel(c.guest));
    parts << tr("%1 long").arg(formatDuration(i.duration()));
    parts << tr("%1 events").arg(formatCount(i.events));
    parts << (i.complete ? tr("import complete") : tr("import INCOMPLETE"));
    if (i.readError)
        parts << tr("the trace could not be read to its end");
    parts << tr("database %1").arg(i.dbPath);
    subtitle_->setText(parts.join(QStringLiteral(" · ")));
    setCard(processesCard_, c.processes, tr("processes"));
    setCard(threadsCard_, c.threads, tr("threads"));
    setCard(contextsCard_, c.contexts, tr("contexts"));
    setCard(objectsCard_, c.objects, tr("objects"));
    setCard(handlesCard_, c.handles, tr("handle bindings"));
    setCard(invocationsCard_, c.invocations, tr("invocations"));
    setCard(requestsCard_, c.callbackRequests, tr("callback requests"));
    setCard(lostCard_, i.lostEvents, tr("lost events"));
    setCard(sessionsCard_, c.sessions, tr("OP-TEE sessions"));
    setCard(rpcsCard_, c.rpcs, tr("RPCs to tee-supplicant"));
    setCard(shmCard_, c.shm, tr("shared memory"));
    setCard(guestsCard_, c.guests, tr("Xen guests"));
    for (QPushButton *card : {sessionsCard_, rpcsCard_, shmCard_})
        card->setVisible(i.hasOptee);
    guestsCard_->setVisible(!i.guests.isEmpty());
    slowestList_->headerItem()->setText(0, i.hasOptee ? tr("Slowest services and TAs") : tr("Slowest services"));
    if (i.hasDataLoss()) {
        QPalette p = lostCard_->palette();
        p.setColor(QPalette::ButtonText, dataLossColor(isDark(palette())));
        lostCard_->setPalette(p);
    }
}

QString SummaryPage::stacksText() const
{
    return counts_.info.stacks;
}

QString SummaryPage::guestsText() const
{
    return guestsLabel_->isHidden() ? QString() : guestsLabel_->text();
}

void SummaryPage::showDetails(const SummaryDetails &d)
{
    QStringList guests;
    for (const GuestSummary &g : d.guests) {
        QString line = guestLabel(g.guest);
        if (g.threads >= 0)
            line += g.threads == 1 ? tr(" (1 OP-TEE thread)") : tr(" (%1 OP-TEE threads)").arg(g.threads);
        if (g.destroyedTs >= 0)
            line += tr(", destroyed at %1 dropping %2 contexts, %3 sessions, %4 shm")
                        .arg(formatTraceTime(g.destroyedTs, trace_.firstTs))
                        .arg(g.contextsDropped)
                        .arg(g.sessionsDropped)
                        .arg(g.shmDropped);
        else
            line += tr(", alive at the end");
        guests << line;
    }
    guestsLabel_->setText(guests.isEmpty() ? QString() : tr("Xen guests: %1").arg(guests.join(QStringLiteral("; "))));
    guestsLabel_->setVisible(!guests.isEmpty());
    processes_->setProcesses(d.processes, trace_.firstTs);
    processColumns_->fit();
    followSelection(selection()->item());
    stats_->setStats(d.stats);
    statsView_->resizeColumnsToContents();
    statsView_->setVisible(!d.stats.isEmpty());
    statsClean_->setVisible(d.stats.isEmpty());

    details_ = d;
    showLeaks();
    setCard(sharedCard_, d.sharedObjects, tr("shared objects"));

    slowestList_->clear();
    for (const ServiceLatency &s : d.slowest) {
        auto *item = new QTreeWidgetItem(slowestList_, {s.serviceClass, opWithName(s.op, s.opName),
                                                        formatCount(s.count),
                                                        formatDuration(s.p99), formatDuration(s.max)});
        item->setData(0, Qt::UserRole, s.serviceClass);
        item->setData(1, Qt::UserRole, s.op);
        for (int c = 2; c < 5; ++c)
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    }
    slowestColumns_->fit();
}

void SummaryPage::setSuppressions(const Suppressions &suppressions)
{
    suppressions_ = suppressions;
    showLeaks();
}

void SummaryPage::showLeaks()
{
    // Per kind, in the order of the kinds' totals: those not suppressed, and those suppressed.
    QList<QString> kinds;
    QHash<QString, qint64> shown, suppressed;
    for (const LeakCount &l : std::as_const(details_.leaks))
        kinds << l.kind;
    for (const LeakGroupCount &g : std::as_const(details_.leakGroups)) {
        if (!kinds.contains(g.kind))
            kinds << g.kind;
        (suppressions_.matches(g.objectClass, g.creatorName) ? suppressed : shown)[g.kind] += g.count;
    }
    leakTotal_ = suppressedLeaks_ = 0;
    leaksList_->clear();
    for (const QString &kind : std::as_const(kinds)) {
        const qint64 n = shown.value(kind), hidden = suppressed.value(kind);
        leakTotal_ += n;
        suppressedLeaks_ += hidden;
        const QString count =
            hidden > 0 ? tr("%1 (+%2 suppressed)").arg(formatCount(n), formatCount(hidden)) : formatCount(n);
        auto *item = new QTreeWidgetItem(leaksList_, {leakKindTitle(kind), count});
        item->setData(0, Qt::UserRole, kind);
        item->setToolTip(0, leakKindExplanation(kind));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
    if (kinds.isEmpty())
        new QTreeWidgetItem(leaksList_, {tr("No leaks"), QString()});
    leaksList_->resizeColumnToContents(0);
    setCard(leaksCard_, leakTotal_,
            suppressedLeaks_ > 0 ? tr("leaks (%1 suppressed)").arg(formatCount(suppressedLeaks_)) : tr("leaks"));
    QPalette p = palette();
    if (leakTotal_ > 0)
        p.setColor(QPalette::ButtonText, leakColor(isDark(palette())));
    leaksCard_->setPalette(p);
}

void SummaryPage::showDataLoss()
{
    delete lossDialog_;
    lossDialog_ = new DataLossDialog(details_.dataLoss, trace_.firstTs, selection(), this);
    lossDialog_->setAttribute(Qt::WA_DeleteOnClose, false);
    lossDialog_->show();
    lossDialog_->raise();
    lossDialog_->activateWindow();
}

QPushButton *SummaryPage::card(const QString &caption) const
{
    for (QPushButton *c : {processesCard_, threadsCard_, contextsCard_, objectsCard_, handlesCard_, invocationsCard_,
                           requestsCard_, leaksCard_, sharedCard_, lostCard_, sessionsCard_, rpcsCard_, shmCard_,
                           guestsCard_})
        if (c->property("caption").toString() == caption)
            return c;
    return nullptr;
}

void SummaryPage::followSelection(ItemRef item)
{
    // The processes table shows the selected process, and nothing once something else is selected.
    processesView_->setProperty("following", true);
    const QModelIndexList rows =
        item.kind == ItemRef::Kind::Process
            ? processesSort_->match(processesSort_->index(0, 0), ProcessesModel::IdRole, item.id, 1, Qt::MatchExactly)
            : QModelIndexList();
    if (rows.isEmpty()) {
        processesView_->selectionModel()->clearSelection();
        processesView_->selectionModel()->setCurrentIndex(QModelIndex(), QItemSelectionModel::Clear);
    } else {
        processesView_->selectionModel()->setCurrentIndex(
            rows.first(), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        processesView_->scrollTo(rows.first());
    }
    processesView_->setProperty("following", false);
}

bool SummaryPage::exportTo(const QString &path, const QString &format, QString *error)
{
    if (format != QLatin1String("csv"))
        return ViewPage::exportTo(path, format, error);
    // The processes table, in the order shown, with raw values (times in trace ns).
    QList<QStringList> rows;
    for (int r = 0; r < processesSort_->rowCount(); ++r) {
        auto cell = [&](int c) { return processesSort_->index(r, c).data(ProcessesModel::SortRole).toString(); };
        const QModelIndex first = processesSort_->index(r, 0);
        rows << QStringList{first.data(ProcessesModel::IdRole).toString(), cell(ProcessesModel::Process),
                            first.data(ProcessesModel::NameRole).toString(), cell(ProcessesModel::Guest),
                            cell(ProcessesModel::Start), cell(ProcessesModel::End), cell(ProcessesModel::EndKind),
                            cell(ProcessesModel::Threads), cell(ProcessesModel::Contexts),
                            cell(ProcessesModel::Invocations)};
    }
    return writeCsvFile(path,
                        {QStringLiteral("process_id"), QStringLiteral("pid"), QStringLiteral("name"), QStringLiteral("guest"),
                         QStringLiteral("start_ts"), QStringLiteral("end_ts"), QStringLiteral("end_kind"),
                         QStringLiteral("threads"), QStringLiteral("contexts"), QStringLiteral("invocations")},
                        rows, error);
}

} // namespace teescope::gui
