-- The parent is still alive when the recording stops; the killed listener (a) and the killed
-- notifier (b) vanished without proc_exit, the two others exited. Pids wrapped around in this
-- recording (32757, 32764, then 303, 310): still one process row each.
SELECT CASE WHEN p.parent_id IS NULL THEN 'parent' ELSE 'child' END AS role, p.end_kind,
       (SELECT COUNT(*) FROM contexts c WHERE c.process_id = p.id) AS contexts,
       (SELECT c.requests_at_close FROM contexts c WHERE c.process_id = p.id) AS requests_at_close,
       (SELECT c.handles_at_close FROM contexts c WHERE c.process_id = p.id) AS handles_at_close
  FROM processes p ORDER BY p.start_ts, p.id;
