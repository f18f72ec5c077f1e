// SPDX-License-Identifier: MIT
#include "tables/suppressions_dialog.h"

#include <QListWidget>
#include <QPushButton>
#include <QTest>

using namespace teescope::gui;

class SuppressionsDialogTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void listsAndRemoves()
    {
        Suppressions s;
        s.add({SuppressionRule::Kind::Class, QStringLiteral("client_env")});
        s.add({SuppressionRule::Kind::Creator, QStringLiteral("<b>not bold</b>")});
        s.add({SuppressionRule::Kind::Class, QStringLiteral("app")});
        SuppressionsDialog dialog(s, QStringLiteral("/some/where/suppressions.txt"));
        auto *list = dialog.findChild<QListWidget *>();
        QVERIFY(list);
        QCOMPARE(list->count(), 3);
        // Names from the trace are listed as they are.
        QVERIFY(list->item(1)->text().contains(QStringLiteral("<b>not bold</b>")));

        QPushButton *remove = nullptr;
        for (QPushButton *b : dialog.findChildren<QPushButton *>())
            if (b->text() == QStringLiteral("Remove"))
                remove = b;
        QVERIFY(remove);
        QVERIFY(!remove->isEnabled());
        list->item(0)->setSelected(true);
        list->item(2)->setSelected(true);
        QVERIFY(remove->isEnabled());
        remove->click();
        QCOMPARE(list->count(), 1);
        QCOMPARE(dialog.suppressions().rules().size(), 1);
        QCOMPARE(dialog.suppressions().rules().first().kind, SuppressionRule::Kind::Creator);
    }
};

QTEST_MAIN(SuppressionsDialogTest)
#include "suppressions_dialog_test.moc"
