-- Every callback request of the trace has raw id 1 (lowest free in the owner context): six
-- requests, one row each, in queue order, each picked after the previous one was answered.
SELECT r.request, o.class, r.op, r.end_kind, t.tid = p.pid AS served_by_main_thread,
       r.queue_ts >= LAG(r.pick_ts) OVER (ORDER BY r.queue_ts) AS queued_after_previous_pick
  FROM callback_requests r
  JOIN objects o ON o.id = r.object_id
  JOIN threads t ON t.id = r.supplicant_thread_id
  JOIN processes p ON p.id = t.process_id
 ORDER BY r.queue_ts;
