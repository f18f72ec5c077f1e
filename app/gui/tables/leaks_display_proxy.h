// SPDX-License-Identifier: MIT
// Turns LeaksModel's semantic values into what people read: kind titles with counts and
// explanations, formatted ages and times, suppressed rows greyed, leak colour on the kinds.
#pragma once

#include <QIdentityProxyModel>

namespace teescope::gui {

class LeaksDisplayProxy : public QIdentityProxyModel {
    Q_OBJECT
public:
    explicit LeaksDisplayProxy(QObject *parent = nullptr);

    // Times are shown relative to the start of the trace.
    void setTraceStart(qint64 ts);

    // Live: the rows are what is held now, so are their holders.
    void setLive(bool live);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    qint64 traceStart_ = 0;
    bool live_ = false;
};

} // namespace teescope::gui
