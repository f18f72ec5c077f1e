-- The receiver and the fork child use the parent's handles without releasing them, the parent
-- releases everything: no leak.
SELECT COUNT(*) AS leaks FROM leaks;
