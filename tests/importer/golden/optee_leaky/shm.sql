-- The shm by how they ended: freed by their client, freed at the process's exit (never freed by
-- the client), or still registered by the live holder at the end.
SELECT p.end_kind AS process_end, s.size, s.end_kind, s.freed_by, count(*) AS n
  FROM shm s JOIN processes p ON p.id = s.process_id
 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
