-- Lifetimes cut by the data loss are marked, not dropped: invocations whose end was lost, objects
-- still open at the end, each counted in a data_loss statistic with the same count.
SELECT 'invocations' AS rows, COUNT(*) AS end_inferred,
       (SELECT count FROM import_stats WHERE name = 'end_inferred_invocations') AS stat
  FROM invocations WHERE end_inferred = 1
UNION ALL
SELECT 'objects', COUNT(*), (SELECT count FROM import_stats WHERE name = 'end_inferred_objects')
  FROM objects WHERE end_inferred = 1;
