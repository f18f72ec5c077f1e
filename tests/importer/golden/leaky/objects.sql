-- How each object of the two processes ended.
SELECT CASE WHEN p.parent_id IS NULL THEN 'client' ELSE 'service child' END AS role,
       o.kind, o.class, o.end_kind, o.wire_id IS NOT NULL AS exported, o.unexported_ts IS NOT NULL AS unexported
  FROM objects o JOIN contexts c ON c.id = o.context_id JOIN processes p ON p.id = c.process_id
 ORDER BY p.parent_id IS NOT NULL, o.created_ts;
