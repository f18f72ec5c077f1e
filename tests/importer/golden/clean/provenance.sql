-- Provenance of every QTEE object held through a handle: walks objects.produced_by ->
-- invocations.object_id back to the root. The apps end in root → client_env → apploader →
-- app_controller → app.
WITH RECURSIVE chain(start, cur, path, steps) AS (
    SELECT o.id, o.id, o.class, 0 FROM objects o WHERE o.kind = 'qtee' AND o.context_id IS NOT NULL
    UNION ALL
    SELECT c.start, t.id, t.class || ' → ' || c.path, c.steps + 1
      FROM chain c
      JOIN objects x ON x.id = c.cur
      JOIN invocations i ON i.id = x.produced_by
      JOIN objects t ON t.id = i.object_id
     WHERE c.steps < 16)
SELECT o.class, o.sw_id, ch.path
  FROM chain ch JOIN objects o ON o.id = ch.start
 WHERE ch.steps = (SELECT MAX(steps) FROM chain c2 WHERE c2.start = ch.start)
 ORDER BY o.created_ts;
