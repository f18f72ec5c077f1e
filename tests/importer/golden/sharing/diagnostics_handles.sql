-- The Diagnostics handles: two instances (one per context, each its own object row) of one
-- secure-world object, and the invocations made through them by each process.
SELECT c.serial AS context, h.handle, o.class, (SELECT COUNT(*) FROM objects o2 WHERE o2.sw_id = o.sw_id) AS instances,
       (SELECT group_concat(n, ' ') FROM (SELECT p.name || ':' || COUNT(*) AS n FROM invocations i JOIN processes p ON p.id = i.process_id
                                            WHERE i.object_id = o.id AND i.op <> 65535 GROUP BY p.id ORDER BY MIN(i.drv_begin_ts))) AS queries_by
  FROM handles h JOIN objects o ON o.id = h.object_id JOIN contexts c ON c.id = h.context_id
 WHERE o.class = 'diagnostics'
 ORDER BY h.bind_ts;
