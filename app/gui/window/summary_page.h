// SPDX-License-Identifier: MIT
// The first page: the TEE stacks the trace holds, what it holds (counts; OP-TEE sessions and Xen
// guests), its processes, leaks by kind, the slowest services or TAs and the import statistics
// (with data loss first). Counts arrive first, the breakdowns next; clicking a number goes to the
// view that explains it. Under the guest filter everything is of that guest.
#pragma once

#include "core/jobs.h"
#include "core/view_page.h"
#include "window/summary_data.h"

class QLabel;
class QPushButton;
class QTableView;
class QTreeWidget;
class QSortFilterProxyModel;

namespace teescope::gui {

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

private:
    void showCounts(const SummaryCounts &c);
    void showDetails(const SummaryDetails &d);
    QPushButton *addCard(const QString &caption, int row, int column);
    void setCard(QPushButton *card, qint64 value, const QString &caption);

    TraceInfo trace_;
    JobGeneration generation_;
    SummaryCounts counts_;
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
};

} // namespace teescope::gui
