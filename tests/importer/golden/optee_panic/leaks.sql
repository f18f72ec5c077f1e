-- A panic leaks nothing: every session is closed and no record of the import is bad.
SELECT 'leak' AS what, kind, class FROM leaks
UNION ALL
SELECT 'bad record', name, example FROM import_stats WHERE severity <> 'info';
