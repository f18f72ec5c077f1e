-- Nothing is left behind: no leak of any kind, and no bad record in the import.
SELECT 'leak' AS what, kind, class FROM leaks
UNION ALL
SELECT 'bad record', name, example FROM import_stats WHERE severity <> 'info';
