// SPDX-License-Identifier: MIT
// The first page: the TEE stacks the trace holds, what it holds (counts; OP-TEE sessions and Xen
// guests), its processes, leaks by kind, the slowest services or TAs and the import statistics
// (with data loss first). Counts arrive first, the breakdowns next; clicking a number goes to the
// view that shows exactly those items (the graph marks them, the leaks select the kind, the latency
// table the service's row, lost events list every data loss). Suppressed leaks are counted apart.
// Under the guest filter everything is of that guest.
#pragma once

#include "core/jobs.h"
#include "core/view_page.h"
#include "tables/suppressions.h"
#include "window/summary_data.h"

class QDialog;
class QLabel;
class QPushButton;
class QTableView;
class QTreeWidget;
class QSortFilterProxyModel;

namespace teescope::gui {

class ColumnFit;

class ProcessesModel;
class ImportStatsModel;

class SummaryPage : public ViewPage {
    Q_OBJECT
public:
    explicit SummaryPage(Selection *selection, QWidget *parent = nullptr);

    ViewId viewId() const override { return ViewId::Summary; }
    void openTrace(const TraceInfo &trace) override;
    void refresh() override;
    QStringList exportFormats() const override { return {QStringLiteral("csv")}; }
    bool exportTo(const QString &path, const QString &format, QString *error) override;

    ProcessesModel *processesModel() const { return processes_; }
    ImportStatsModel *statsModel() const { return stats_; }
    // The counts shown, once loaded.
    const SummaryCounts &counts() const { return counts_; }
    // The stacks line ("OP-TEE under Xen, 2 guests") and the guests line, as shown.
    QString stacksText() const;
    QString guestsText() const;

    // The leak suppressions in force (those of the Leaks page): suppressed leaks are counted apart.
    void setSuppressions(const Suppressions &suppressions);
    // Leaks shown in the summary (not suppressed), and those suppressed.
    qint64 leakTotal() const { return leakTotal_; }
    qint64 suppressedLeakTotal() const { return suppressedLeaks_; }

    // The number buttons ("processes", "contexts", "objects", "handle bindings", "shared objects",
    // "leaks", "lost events", ...), by their caption; nullptr if there is no such card.
    QPushButton *card(const QString &caption) const;
    QTreeWidget *leaksList() const { return leaksList_; }
    QTreeWidget *slowestList() const { return slowestList_; }
    QTableView *processesView() const { return processesView_; }
    // The data-loss dialog (shown by the "lost events" number); nullptr before.
    QDialog *dataLossDialog() const { return lossDialog_; }

private:
    void showCounts(const SummaryCounts &c);
    void showDetails(const SummaryDetails &d);
    QPushButton *addCard(const QString &caption, int row, int column);
    void setCard(QPushButton *card, qint64 value, const QString &caption);
    void showLeaks();
    void showDataLoss();
    void followSelection(ItemRef item);

    TraceInfo trace_;
    JobGeneration generation_;
    SummaryCounts counts_;
    SummaryDetails details_;
    Suppressions suppressions_;
    qint64 leakTotal_ = 0, suppressedLeaks_ = 0;
    QDialog *lossDialog_ = nullptr;
    QLabel *title_;
    QLabel *subtitle_;
    QPushButton *processesCard_, *threadsCard_, *contextsCard_, *objectsCard_, *handlesCard_,
        *invocationsCard_, *requestsCard_, *leaksCard_, *sharedCard_, *lostCard_;
    // OP-TEE: shown when the trace holds it.
    QPushButton *sessionsCard_, *rpcsCard_, *shmCard_, *guestsCard_;
    QLabel *guestsLabel_;
    ProcessesModel *processes_;
    QSortFilterProxyModel *processesSort_;
    ImportStatsModel *stats_;
    QTableView *processesView_;
    QTableView *statsView_;
    QLabel *statsClean_;
    QTreeWidget *leaksList_;
    QTreeWidget *slowestList_;
    ColumnFit *processColumns_ = nullptr;
    ColumnFit *slowestColumns_ = nullptr;
};

} // namespace teescope::gui
