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

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    qint64 traceStart_ = 0;
};

} // namespace teescope::gui
