// SPDX-License-Identifier: MIT
// The Leaks page: the leak report grouped by kind, class and creator, with suppressions of
// known long-lived objects (by class or by creator process name), kept in a text file.
#pragma once

#include "core/jobs.h"
#include "core/view_page.h"
#include "tables/leaks_model.h"
#include "tables/suppressions.h"

class QCheckBox;
class QLabel;
class QMenu;
class QPushButton;
class QTreeView;

namespace teescope::gui {

class ColumnFit;

class LeaksDisplayProxy;

class LeaksPage : public ViewPage {
    Q_OBJECT
public:
    explicit LeaksPage(Selection *selection, QWidget *parent = nullptr);

    ViewId viewId() const override { return ViewId::Leaks; }
    void openTrace(const TraceInfo &trace) override;
    void refresh() override;
    QStringList exportFormats() const override;
    // "csv": the leaks shown (suppressed ones only when they are shown), raw values.
    bool exportTo(const QString &path, const QString &format, QString *error) override;

    // The suppressions file (default Suppressions::defaultPath()); setting it loads it.
    void setSuppressionsFile(const QString &path);
    QString suppressionsFile() const { return suppressionsFile_; }
    // Problems of the last load of the suppressions file ("file: line N: why").
    QStringList suppressionWarnings() const { return suppressionWarnings_; }
    // Adds / removes a rule and saves the file.
    void suppress(const SuppressionRule &rule);
    void unsuppress(const SuppressionRule &rule);
    void setShowSuppressed(bool show);
    // "N leaks (M suppressed)".
    QString summaryText() const;

    LeaksModel *model() const { return model_; }
    QTreeView *treeView() const { return tree_; }
    // The context menu of `index` (a view index), for the tree and for tests; caller owns it.
    QMenu *createContextMenu(const QModelIndex &index);
    // The leak kind selected (a summary number followed), "" when none.
    QString selectedKind() const;

Q_SIGNALS:
    // The rules changed (loaded, added, removed or edited): the summary counts apart what they hide.
    void suppressionsChanged(const teescope::gui::Suppressions &suppressions);

private:
    void load();
    void applySuppressions(const Suppressions &s);
    void saveSuppressions();
    void updateSummary();
    void onCurrentChanged(const QModelIndex &current);
    void onSelectionItemChanged(ItemRef item);
    void onGroupChanged(const ItemGroup &group);
    void setCurrentQuietly(const QModelIndex &index);
    void editSuppressions();

    LeaksModel *model_;
    LeaksDisplayProxy *proxy_;
    QTreeView *tree_;
    ColumnFit *columns_;
    QLabel *summary_;
    QCheckBox *showSuppressed_;
    QPushButton *editSuppressions_;
    TraceInfo trace_;
    JobGeneration generation_;
    QString suppressionsFile_;
    QStringList suppressionWarnings_;
    bool syncingSelection_ = false;
};

} // namespace teescope::gui
