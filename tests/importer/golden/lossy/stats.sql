-- The lossy trace: the tracer discarded 5813 events (3132 + 2681 in the two streams, as
-- babeltrace2 warns); the import is complete and read to its end.
SELECT name, severity, count FROM import_stats WHERE name LIKE 'discarded%'
UNION ALL
SELECT 'metadata.' || key, NULL, value FROM metadata WHERE key IN ('complete', 'read_error')
ORDER BY 1;
