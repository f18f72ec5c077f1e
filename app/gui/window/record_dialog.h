// SPDX-License-Identifier: MIT
// File > Record...: what to record live (the options of teescope-gui --live): the command line,
// whether it runs against teesim (QTEE or OP-TEE) and teesim's configuration file.
#pragma once

#include "window/live_source.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;

namespace teescope::gui {

class RecordDialog : public QDialog {
    Q_OBJECT
public:
    explicit RecordDialog(QWidget *parent = nullptr);

    // The options chosen (valid once accepted).
    LiveRecordOptions options() const;
    // The command line split as a shell would split it (quotes and backslashes); false with
    // `error` when the quoting is unbalanced or nothing is given.
    static bool splitCommand(const QString &text, QStringList *words, QString *error);

private:
    void accept() override;

    QLineEdit *command_;
    QComboBox *tee_;
    QLineEdit *config_;
    QLabel *problem_;
};

} // namespace teescope::gui
