-- The listener's driver address is reused for L's last callback object (user id 4) once the
-- listener was freed: two object rows at one address, the calls counted on the right one.
SELECT o.class, o.ref AS user_id, o.wire_id IS NOT NULL AS exported,
       (SELECT COUNT(*) FROM callback_requests r WHERE r.object_id = o.id) AS requests,
       o.created_ts > LAG(o.freed_ts) OVER (PARTITION BY o.address ORDER BY o.created_ts) AS after_previous_free
  FROM objects o
 WHERE o.address IN (SELECT address FROM objects GROUP BY address HAVING COUNT(*) > 1)
 ORDER BY o.address, o.created_ts;
