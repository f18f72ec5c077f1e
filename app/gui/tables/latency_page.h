// SPDX-License-Identifier: MIT
// The Latency page: the latency table (per class or OP-TEE TA and op: count and duration
// percentiles; computed for one guest under the guest filter), filterable and sortable; for the selected row a histogram and a latency-over-time scatter,
// loaded in a background job, and "Go to slowest" to show the slowest invocation in the timeline.
#pragma once

#include "core/jobs.h"
#include "core/view_page.h"
#include "tables/latency_stats.h"

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableView;

namespace teescope::gui {

class ColumnFit;
class LatencyHistogramWidget;
class LatencyModel;
class LatencyScatterWidget;
class LatencySortProxy;

class LatencyPage : public ViewPage {
    Q_OBJECT
public:
    explicit LatencyPage(Selection *selection, QWidget *parent = nullptr);

    ViewId viewId() const override { return ViewId::Latency; }
    void openTrace(const TraceInfo &trace) override;
    void refresh() override;
    QStringList exportFormats() const override;
    // "csv": the table as shown (filter and order), durations in ns; "png": histogram + scatter.
    bool exportTo(const QString &path, const QString &format, QString *error) override;

    LatencyModel *model() const { return model_; }
    LatencySortProxy *proxy() const { return proxy_; }
    QTableView *tableView() const { return table_; }
    LatencyHistogramWidget *histogram() const { return histogram_; }
    LatencyScatterWidget *scatter() const { return scatter_; }
    QLineEdit *filterEdit() const { return filter_; }
    // Stats of the selected row once loaded (nullptr before).
    std::shared_ptr<const LatencyStats> stats() const { return stats_; }
    // Selects the row at `proxyRow` of the table and loads its stats.
    void selectRow(int proxyRow);
    // Selection::reveal(slowest invocation of the row, timeline), if it is known.
    void goToSlowest();

private:
    void loadTable(bool merge);
    // `reload`: even if they are the stats shown (the file grew).
    void loadStats(const QString &objectClass, qint64 op, const QString &opLabel, bool reload);
    void onCurrentRowChanged();
    void applyFilterText(const QString &text);
    void onSelectionItemChanged(ItemRef item);
    void showAllClasses();
    // Selects the row of a service followed from the summary (class and op); false if absent.
    bool selectService(const ItemGroup &service);
    void clearStats(const QString &placeholder);
    void updateReady();

    LatencyModel *model_;
    LatencySortProxy *proxy_;
    QLineEdit *filter_;
    QLabel *classFilterLabel_;
    QPushButton *clearClassFilter_;
    QTableView *table_;
    ColumnFit *columns_;
    QLabel *statsLabel_;
    QPushButton *slowest_;
    QWidget *charts_;
    LatencyHistogramWidget *histogram_;
    LatencyScatterWidget *scatter_;
    TraceInfo trace_;
    JobGeneration tableGeneration_;
    JobGeneration statsGeneration_;
    JobGeneration classGeneration_;
    bool tableLoading_ = false;
    bool statsLoading_ = false;
    bool filtering_ = false; // the filter changes the rows: the current row is set afterwards
    std::shared_ptr<const LatencyStats> stats_;
    ItemGroup pendingService_; // followed while the table was loading
};

} // namespace teescope::gui
