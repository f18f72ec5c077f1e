-- The memory object of loadFromRegion is freed inside that invocation and its driver address is
-- given at once to the app controller the invocation returns: two object rows, one address.
SELECT o.kind, o.class, o.end_kind,
       o.freed_ts IS NOT NULL AS freed,
       ROW_NUMBER() OVER (PARTITION BY o.address ORDER BY o.created_ts) AS nth_at_address,
       o.created_ts >= LAG(o.freed_ts) OVER (PARTITION BY o.address ORDER BY o.created_ts) AS created_after_previous_free
  FROM objects o
 WHERE o.address IN (SELECT address FROM objects GROUP BY address HAVING COUNT(*) > 1)
 ORDER BY o.address, o.created_ts;
