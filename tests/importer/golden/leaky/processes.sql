-- The client forks the service before opening anything; the client exits (proc_exit), the
-- service is killed by the recorder after the trace ends, so it is alive at the end. Each opened
-- its own context: the client's is closed 20 s after its exit with 3 handles still bound, the
-- service's is still open.
SELECT CASE WHEN p.parent_id IS NULL THEN 'client' ELSE 'service child' END AS role,
       p.end_kind, c.end_kind AS context_end, c.handles_at_close,
       (SELECT COUNT(*) FROM handles h WHERE h.context_id = c.id AND h.unbind_ts IS NULL) AS still_bound,
       (SELECT COUNT(*) FROM handles h WHERE h.context_id = c.id AND h.unbind_reason = 'context_close') AS unbound_at_close,
       c.close_ts > p.end_ts AS closed_after_exit
  FROM processes p LEFT JOIN contexts c ON c.process_id = p.id
 ORDER BY p.parent_id IS NOT NULL;
