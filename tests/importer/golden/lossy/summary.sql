-- The data_loss total of import_summary covers every data-loss statistic.
SELECT name, severity, count = (SELECT SUM(count) FROM import_stats WHERE severity = 'data_loss') AS adds_up
  FROM import_summary WHERE scope = 'total' AND severity = 'data_loss';
