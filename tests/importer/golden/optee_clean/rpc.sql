-- Every OPEN_SESSION loads its TA through tee-supplicant: LOAD_TA asks the size, SHM_ALLOC gets a
-- buffer, LOAD_TA fills it, SHM_FREE returns it. Each RPC is answered by a thread of the
-- supplicant process, never by the caller, with the caller's guest (0, native), and its times
-- come in order: queued, picked, answered, returned to the secure world.
SELECT i.id AS open, n.name AS ta,
       (SELECT group_concat(x, ' ') FROM
          (SELECT CASE r.op WHEN 0 THEN 'LOAD_TA' WHEN 6 THEN 'SHM_ALLOC' WHEN 7 THEN 'SHM_FREE' ELSE r.op END AS x
             FROM callback_requests r WHERE r.invocation_id = i.id ORDER BY r.queue_ts)) AS rpcs,
       (SELECT group_concat(DISTINCT r.end_kind || '/' || r.kind || '/' || r.guest || '/' || sp.name || '/' || (sp.id = i.process_id))
          FROM callback_requests r JOIN threads st ON st.id = r.supplicant_thread_id
          JOIN processes sp ON sp.id = st.process_id WHERE r.invocation_id = i.id) AS end_kind_guest_server_by_caller,
       (SELECT sum(r.queue_ts <= r.pick_ts AND r.pick_ts <= r.answer_ts AND r.answer_ts <= r.return_ts)
          FROM callback_requests r WHERE r.invocation_id = i.id) AS in_order
  FROM invocations i JOIN sessions s ON s.id = i.session_id LEFT JOIN ta_names n ON n.uuid = s.uuid
 WHERE i.call = 'open_session'
 ORDER BY i.id;
