-- The trace is complete: no discarded events or packets, no read error.
SELECT (SELECT COUNT(*) FROM import_stats WHERE name IN ('discarded_events', 'discarded_packets', 'read_error')) AS loss_stats,
       (SELECT value FROM metadata WHERE key = 'read_error') AS read_error,
       (SELECT value FROM metadata WHERE key = 'complete') AS complete;
