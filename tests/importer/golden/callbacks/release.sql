-- The listener: exported once, invoked 41 times, unexported when QTEE dropped it after
-- unregister (async_release piggybacked on an invocation of L), then its owner got the RELEASE
-- notice and freed it. Every callback object of the trace ended that way: no leak.
SELECT o.class, p.parent_id IS NULL AS owned_by_L,
       (SELECT COUNT(*) FROM callback_requests r WHERE r.object_id = o.id AND r.op <> 65535) AS calls,
       (SELECT COUNT(*) FROM callback_requests r WHERE r.object_id = o.id AND r.op = 65535) AS release_notices,
       o.unexported_ts < o.freed_ts AS unexported_then_freed,
       (SELECT COUNT(*) FROM async_releases a WHERE a.object_id = o.id) AS async_releases,
       o.end_kind
  FROM objects o JOIN contexts c ON c.id = o.context_id JOIN processes p ON p.id = c.process_id
 WHERE o.kind = 'callback'
 ORDER BY o.created_ts;
