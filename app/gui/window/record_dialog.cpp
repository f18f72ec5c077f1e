// SPDX-License-Identifier: MIT
#include "window/record_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace teescope::gui {

RecordDialog::RecordDialog(QWidget *parent)
    : QDialog(parent), command_(new QLineEdit(this)), tee_(new QComboBox(this)), config_(new QLineEdit(this)),
      problem_(new QLabel(this))
{
    setWindowTitle(tr("Record Live"));
    command_->setPlaceholderText(tr("program and arguments, e.g. scenario_sharing"));
    command_->setMinimumWidth(420);
    tee_->addItem(tr("the real TEE device (/dev/tee*)"), QString());
    tee_->addItem(tr("teesim playing QTEE"), QStringLiteral("qtee"));
    tee_->addItem(tr("teesim playing OP-TEE"), QStringLiteral("optee"));
    tee_->setCurrentIndex(1);
    config_->setPlaceholderText(tr("optional: latencies and failures of teesim"));
    auto *browse = new QPushButton(tr("Browse..."), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("teesim configuration"), config_->text());
        if (!file.isEmpty())
            config_->setText(file);
    });
    auto *configRow = new QHBoxLayout;
    configRow->addWidget(config_, 1);
    configRow->addWidget(browse);
    connect(tee_, &QComboBox::currentIndexChanged, this, [this, browse] {
        const bool sim = !tee_->currentData().toString().isEmpty();
        config_->setEnabled(sim);
        browse->setEnabled(sim);
    });

    auto *form = new QFormLayout;
    form->addRow(tr("Command:"), command_);
    form->addRow(tr("Run against:"), tee_);
    form->addRow(tr("teesim configuration:"), configRow);
    problem_->setTextFormat(Qt::PlainText);
    problem_->setStyleSheet(QStringLiteral("color: #b00020"));
    problem_->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Record"));
    connect(buttons, &QDialogButtonBox::accepted, this, &RecordDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &RecordDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(problem_);
    layout->addWidget(buttons);
}

bool RecordDialog::splitCommand(const QString &text, QStringList *words, QString *error)
{
    words->clear();
    QString word;
    bool inWord = false;
    QChar quote;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else if (c == QLatin1Char('\\') && quote == QLatin1Char('"') && i + 1 < text.size())
                word += text[++i];
            else
                word += c;
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            inWord = true;
        } else if (c == QLatin1Char('\\') && i + 1 < text.size()) {
            word += text[++i];
            inWord = true;
        } else if (c.isSpace()) {
            if (inWord)
                words->append(word);
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (!quote.isNull()) {
        *error = tr("the command has an unclosed %1 quote").arg(quote);
        return false;
    }
    if (inWord)
        words->append(word);
    if (words->isEmpty()) {
        *error = tr("no command given");
        return false;
    }
    return true;
}

LiveRecordOptions RecordDialog::options() const
{
    LiveRecordOptions o;
    QString ignored;
    splitCommand(command_->text(), &o.command, &ignored);
    o.sim = tee_->currentData().toString();
    if (!o.sim.isEmpty())
        o.simConfig = config_->text().trimmed();
    return o;
}

void RecordDialog::accept()
{
    QStringList words;
    QString error;
    if (splitCommand(command_->text(), &words, &error)) {
        const QString config = config_->text().trimmed();
        if (!tee_->currentData().toString().isEmpty() && !config.isEmpty() && !QFileInfo(config).isReadable())
            error = tr("cannot read the teesim configuration %1").arg(config);
    }
    if (!error.isEmpty()) {
        problem_->setText(error);
        problem_->show();
        return;
    }
    QDialog::accept();
}

} // namespace teescope::gui
