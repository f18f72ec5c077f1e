-- scenario_clean releases everything: no leak of any kind, and no import statistic at all.
SELECT (SELECT COUNT(*) FROM leaks) AS leaks,
       (SELECT COUNT(*) FROM import_stats) AS import_stats,
       (SELECT value FROM metadata WHERE key = 'complete') AS complete,
       (SELECT value FROM metadata WHERE key = 'read_error') AS read_error;
