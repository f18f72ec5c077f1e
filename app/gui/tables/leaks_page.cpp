// SPDX-License-Identifier: MIT
#include "tables/leaks_page.h"

#include "core/format.h"
#include "core/logging.h"
#include "core/csv_writer.h"
#include "tables/column_fit.h"
#include "tables/leaks_display_proxy.h"
#include "tables/suppressions_dialog.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace teescope::gui {

LeaksPage::LeaksPage(Selection *selection, QWidget *parent)
    : ViewPage(selection, parent), model_(new LeaksModel(this)), proxy_(new LeaksDisplayProxy(this)),
      tree_(new QTreeView(this)), summary_(new QLabel(this)), showSuppressed_(new QCheckBox(tr("Show suppressed"), this)),
      editSuppressions_(new QPushButton(tr("Suppressions…"), this))
{
    proxy_->setSourceModel(model_);
    tree_->setModel(proxy_);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->setContextMenuPolicy(Qt::CustomContextMenu);
    tree_->setSelectionBehavior(QAbstractItemView::SelectRows);
    // What a leak is and how old it is stay in view; provenance and holders elide first.
    columns_ = new ColumnFit(tree_, {LeaksModel::NameColumn, LeaksModel::ClassColumn, LeaksModel::AgeColumn},
                             {LeaksModel::ProvenanceColumn, LeaksModel::HoldersColumn});
    summary_->setTextFormat(Qt::PlainText);

    auto *bar = new QHBoxLayout;
    bar->addWidget(summary_, 1);
    bar->addWidget(showSuppressed_);
    bar->addWidget(editSuppressions_);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(tree_);

    connect(showSuppressed_, &QCheckBox::toggled, this, &LeaksPage::setShowSuppressed);
    connect(editSuppressions_, &QPushButton::clicked, this, &LeaksPage::editSuppressions);
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { onCurrentChanged(current); });
    connect(tree_, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = tree_->indexAt(pos);
        if (!index.isValid())
            return;
        QMenu *menu = createContextMenu(index);
        if (!menu->isEmpty())
            menu->exec(tree_->viewport()->mapToGlobal(pos));
        delete menu;
    });
    connect(selection, &Selection::itemChanged, this, &LeaksPage::onSelectionItemChanged);
    connect(selection, &Selection::groupChanged, this, &LeaksPage::onGroupChanged);
    connect(selection, &Selection::cleared, this, [this] {
        onGroupChanged({});
        setCurrentQuietly({});
    });
    connect(selection, &Selection::guestFilterChanged, model_, &LeaksModel::setGuestFilter);
    model_->setGuestFilter(selection->guestFilter());
    // A reset collapses the tree: show everything again, and the selection if it is a leak.
    connect(model_, &QAbstractItemModel::modelReset, this, [this] {
        tree_->expandAll();
        columns_->fit();
        onGroupChanged(this->selection()->group());
        if (this->selection()->item().isValid())
            onSelectionItemChanged(this->selection()->item());
        updateSummary();
    });

    setSuppressionsFile(Suppressions::defaultPath());
    updateSummary();
}

void LeaksPage::openTrace(const TraceInfo &trace)
{
    trace_ = trace;
    proxy_->setTraceStart(trace.firstTs);
    model_->setRecords({});
    load();
}

void LeaksPage::refresh()
{
    if (!trace_.dbPath.isEmpty())
        load();
}

void LeaksPage::load()
{
    setReady(false);
    setLoadError(QString());
    const int generation = generation_.next();
    const QString path = trace_.dbPath;
    // While live, what is held now; the leaks once the trace has ended.
    const bool live = isLive();
    proxy_->setLive(live);
    const qint64 now = liveNow();
    runJob<QList<LeakRecord>>(
        this, [path, live, now] { return live ? loadHeldNow(openTraceDb(path), now) : loadLeaks(openTraceDb(path)); },
        [this, generation](JobResult<QList<LeakRecord>> result) {
            if (!generation_.isCurrent(generation))
                return;
            if (!result.ok()) {
                qCWarning(lcTables) << "leaks:" << result.error;
                setLoadError(result.error);
                model_->setRecords({});
            } else {
                model_->setRecords(std::move(*result.value));
            }
            setReady(true);
        });
}

QStringList LeaksPage::exportFormats() const
{
    return {QStringLiteral("csv")};
}

bool LeaksPage::exportTo(const QString &path, const QString &format, QString *error)
{
    if (format != QLatin1String("csv"))
        return ViewPage::exportTo(path, format, error);
    const auto number = [](const std::optional<qint64> &v) { return v ? QString::number(*v) : QString(); };
    QStringList header{QStringLiteral("kind"),        QStringLiteral("object_id"),   QStringLiteral("class"),
                             QStringLiteral("uid"),         QStringLiteral("sw_id"),       QStringLiteral("creator_pid"),
                             QStringLiteral("creator_name"), QStringLiteral("created_ts"), QStringLiteral("age_ns"),
                             QStringLiteral("produced_by"), QStringLiteral("provenance"),  QStringLiteral("holders"),
                             QStringLiteral("suppressed")};
    // Under Xen each leak names its guest: one more column at the end.
    const bool guests = !trace_.guests.isEmpty();
    if (guests)
        header << QStringLiteral("guest");
    QList<QStringList> rows;
    const Suppressions &s = model_->suppressions();
    for (const LeakRecord &r : model_->visibleRecords()) {
        QStringList cells{r.kind, QString::number(r.objectId), r.objectClass, number(r.uid), number(r.swId),
                          number(r.creatorPid), r.creatorName, number(r.createdTs), number(r.ageNs), number(r.producedBy),
                          r.provenance, r.holders,
                          s.matches(r.objectClass, r.creatorName) ? QStringLiteral("1") : QStringLiteral("0")};
        if (guests)
            cells << QString::number(r.guest);
        rows.append(cells);
    }
    return writeCsvFile(path, header, rows, error);
}

void LeaksPage::setSuppressionsFile(const QString &path)
{
    suppressionsFile_ = path;
    suppressionWarnings_.clear();
    Suppressions s;
    s.load(path, &suppressionWarnings_);
    for (const QString &w : std::as_const(suppressionWarnings_))
        qCWarning(lcTables) << "suppressions:" << w;
    if (!suppressionWarnings_.isEmpty())
        Q_EMIT statusMessage(tr("Suppressions: %1").arg(suppressionWarnings_.join(QStringLiteral("; "))));
    applySuppressions(s);
}

void LeaksPage::applySuppressions(const Suppressions &s)
{
    model_->setSuppressions(s);
    Q_EMIT suppressionsChanged(s);
}

void LeaksPage::saveSuppressions()
{
    QString error;
    if (!model_->suppressions().save(suppressionsFile_, &error)) {
        qCWarning(lcTables) << "suppressions:" << error;
        Q_EMIT statusMessage(tr("Could not save the suppressions: %1").arg(error));
    }
}

void LeaksPage::suppress(const SuppressionRule &rule)
{
    Suppressions s = model_->suppressions();
    if (!s.add(rule))
        return;
    applySuppressions(s);
    saveSuppressions();
}

void LeaksPage::unsuppress(const SuppressionRule &rule)
{
    Suppressions s = model_->suppressions();
    if (!s.remove(rule))
        return;
    applySuppressions(s);
    saveSuppressions();
}

void LeaksPage::setShowSuppressed(bool show)
{
    showSuppressed_->setChecked(show);
    model_->setShowSuppressed(show);
}

QString LeaksPage::summaryText() const
{
    if (isLive())
        return tr("%1 held now (%2 suppressed)")
            .arg(formatCount(model_->leakCount()), formatCount(model_->suppressedCount()));
    return tr("%1 leaks (%2 suppressed)").arg(formatCount(model_->leakCount()), formatCount(model_->suppressedCount()));
}

void LeaksPage::updateSummary()
{
    summary_->setText(summaryText());
}

QMenu *LeaksPage::createContextMenu(const QModelIndex &index)
{
    auto *menu = new QMenu(this);
    const QString objectClass = index.data(LeaksModel::ClassRole).toString();
    const QString creator = index.data(LeaksModel::CreatorNameRole).toString();
    // Action texts are plain (QAction does not interpret rich text); '&' is doubled so that a
    // name from the trace does not become a mnemonic.
    auto escaped = [](QString s) { return s.replace(QLatin1Char('&'), QStringLiteral("&&")); };
    if (!objectClass.isEmpty()) {
        const SuppressionRule rule{SuppressionRule::Kind::Class, objectClass};
        const bool has = model_->suppressions().rules().contains(rule);
        menu->addAction(has ? tr("Unsuppress class %1").arg(escaped(objectClass)) : tr("Suppress class %1").arg(escaped(objectClass)),
                        this, [this, rule, has] { has ? unsuppress(rule) : suppress(rule); });
    }
    if (!creator.isEmpty()) {
        const SuppressionRule rule{SuppressionRule::Kind::Creator, creator};
        const bool has = model_->suppressions().rules().contains(rule);
        menu->addAction(has ? tr("Unsuppress creator %1").arg(escaped(creator)) : tr("Suppress creator %1").arg(escaped(creator)),
                        this, [this, rule, has] { has ? unsuppress(rule) : suppress(rule); });
    }
    return menu;
}

void LeaksPage::editSuppressions()
{
    SuppressionsDialog dialog(model_->suppressions(), suppressionsFile_, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    applySuppressions(dialog.suppressions());
    saveSuppressions();
}

void LeaksPage::onCurrentChanged(const QModelIndex &current)
{
    if (syncingSelection_ || !current.isValid())
        return;
    const QModelIndex src = proxy_->mapToSource(current);
    const LeakRecord *rec = model_->record(src);
    // shm leaks are no item of the selection; objects and sessions are.
    if (!rec || !rec->ref().isValid())
        return;
    selection()->select(rec->ref());
}

void LeaksPage::setCurrentQuietly(const QModelIndex &index)
{
    syncingSelection_ = true;
    if (index.isValid()) {
        tree_->setCurrentIndex(index);
        tree_->scrollTo(index);
    } else {
        // Nothing highlighted: no current row and no selected one.
        tree_->selectionModel()->clearSelection();
        tree_->selectionModel()->setCurrentIndex(QModelIndex(), QItemSelectionModel::Clear);
    }
    syncingSelection_ = false;
}

void LeaksPage::onSelectionItemChanged(ItemRef item)
{
    QModelIndex src;
    if (item.kind == ItemRef::Kind::Object || item.kind == ItemRef::Kind::Session)
        src = model_->indexOf(item);
    // A leak kind shown for the group stays selected until another item is.
    if (!src.isValid() && !item.isValid() && !selectedKind().isEmpty())
        return;
    setCurrentQuietly(src.isValid() ? proxy_->mapFromSource(src) : QModelIndex());
}

void LeaksPage::onGroupChanged(const ItemGroup &group)
{
    const QString kind = group.kind == ItemGroup::Kind::Leaks ? group.key : QString();
    QModelIndex kindRow;
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        const QModelIndex index = proxy_->index(r, 0);
        const bool match = !kind.isEmpty() && index.data(LeaksModel::LeakKindRole).toString() == kind;
        if (match)
            kindRow = index;
        // The kind followed is open and the others folded; without one every kind is open.
        if (kind.isEmpty() || match)
            tree_->expandRecursively(index);
        else
            tree_->collapse(index);
    }
    if (!kindRow.isValid() && !selection()->item().isValid())
        setCurrentQuietly({});
    else if (kindRow.isValid())
        setCurrentQuietly(kindRow);
}

QString LeaksPage::selectedKind() const
{
    const QModelIndex current = tree_->currentIndex();
    if (!current.isValid() || LeaksModel::NodeType(current.data(LeaksModel::NodeTypeRole).toInt()) != LeaksModel::NodeType::Kind)
        return {};
    return current.data(LeaksModel::LeakKindRole).toString();
}

} // namespace teescope::gui
