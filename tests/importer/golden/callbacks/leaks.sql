SELECT COUNT(*) AS leaks, (SELECT COUNT(*) FROM import_stats) AS import_stats FROM leaks;
