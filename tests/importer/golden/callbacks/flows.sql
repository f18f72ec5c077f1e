-- Cross-process callback flows: each notifier's 20 notifies make QTEE call L's listener; the
-- requests are queued on L's context on the notifier's behalf and all answered.
SELECT CASE WHEN ip.parent_id IS NULL THEN 'L' ELSE 'notifier ' || (SELECT COUNT(*) FROM processes q WHERE q.parent_id = ip.parent_id AND q.start_ts <= ip.start_ts) END AS invoker,
       CASE WHEN op.parent_id IS NULL THEN 'L' ELSE 'notifier' END AS owner,
       f.requests, f.answered, f.min_ns > 0 AS timed
  FROM callback_flows f JOIN processes ip ON ip.id = f.invoker_process_id JOIN processes op ON op.id = f.owner_process_id
 ORDER BY ip.start_ts;
