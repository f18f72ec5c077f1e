-- The two requests that did not end with an answer: (a) the listener was SIGKILLed while
-- processing event 666, its context closed and the request failed with it (owner_closed);
-- the notifier's invocation still returned normally. (b) the notifier was SIGKILLed while
-- waiting for event 777: the request was abandoned (invoker_died), the notifier's invocation
-- ended with EINTR and has no user side. Both were picked by the owner's supplicant first.
WITH role(id, name) AS (
    SELECT p.id, CASE p.id WHEN 1 THEN 'parent' ELSE
        CASE WHEN p.end_kind = 'vanished' THEN 'killed ' ELSE '' END ||
        CASE WHEN EXISTS (SELECT 1 FROM callback_requests r JOIN contexts c ON c.id = r.context_id
                           WHERE c.process_id = p.id AND r.invoker_process_id <> p.id) THEN 'listener' ELSE 'notifier' END END
      FROM processes p)
SELECT r.end_kind, ro.name AS owner, ri.name AS invoker, r.op,
       r.pick_ts IS NOT NULL AS picked, r.answer_ts >= r.pick_ts AS ended_after_pick,
       i.err AS invocation_err, i.user_end_ts IS NOT NULL AS invocation_user_end, i.end_inferred AS invocation_end_inferred
  FROM callback_requests r
  JOIN contexts c ON c.id = r.context_id
  JOIN role ro ON ro.id = c.process_id
  JOIN role ri ON ri.id = r.invoker_process_id
  JOIN invocations i ON i.id = r.invocation_id
 WHERE r.end_kind NOT IN ('answered', 'delivered')
 ORDER BY r.queue_ts;
