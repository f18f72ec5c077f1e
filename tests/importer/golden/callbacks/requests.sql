-- Every callback request by owner and invoker: on behalf of someone else (the notifications) or
-- of itself (credentials reads of registerAsClient, RELEASE notices, L's own notify); who served
-- it (a supplicant thread of the owner, never the invoker's thread), and whether it lies inside
-- the invoker's invocation that caused it (queue .. answer within invoke_begin .. invoke_end of
-- the driver; RELEASE notices are only queued inside it).
WITH role(id, name) AS (
    SELECT p.id, CASE WHEN p.parent_id IS NULL THEN 'L' ELSE 'notifier ' || (SELECT COUNT(*) FROM processes q WHERE q.parent_id = p.parent_id AND q.start_ts <= p.start_ts) END
      FROM processes p)
SELECT ro.name AS owner, ri.name AS invoker, r.op, r.end_kind, COUNT(*) AS requests,
       SUM(st.process_id = c.process_id) AS served_by_owner,
       SUM(st.id <> i.thread_id) AS served_by_other_thread,
       COUNT(DISTINCT st.id) AS supplicant_threads,
       SUM(i.drv_begin_ts <= r.queue_ts AND r.queue_ts <= i.drv_end_ts) AS queued_inside,
       SUM(i.drv_begin_ts <= r.queue_ts AND r.answer_ts <= i.drv_end_ts) AS answered_inside,
       SUM(i.process_id = r.invoker_process_id) AS cause_is_invokers
  FROM callback_requests r
  JOIN contexts c ON c.id = r.context_id
  JOIN role ro ON ro.id = c.process_id
  JOIN role ri ON ri.id = r.invoker_process_id
  JOIN threads st ON st.id = r.supplicant_thread_id
  JOIN invocations i ON i.id = r.invocation_id
 GROUP BY ro.name, ri.name, r.op, r.end_kind
 ORDER BY ro.name, ri.name, r.op;
