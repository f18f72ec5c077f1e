-- Guest 3's five SLEEPs and its holder go over the mediator's limit (two calls in flight per
-- guest): its calls wait with reason guest_limit; guest 2 never waits. Each RPC is served by the
-- supplicant of the caller's own guest.
SELECT w.guest, w.reason, count(*) AS waits, sum(w.end_ts IS NOT NULL) AS ended,
       (SELECT count(*) FROM callback_requests r JOIN contexts c ON c.id = r.context_id
         WHERE r.kind = 'rpc' AND c.guest <> r.guest) AS rpcs_served_across_guests,
       (SELECT group_concat(x) FROM (SELECT DISTINCT r.guest AS x FROM callback_requests r ORDER BY 1)) AS rpc_guests
  FROM optee_waits w GROUP BY 1, 2 ORDER BY 1, 2;
