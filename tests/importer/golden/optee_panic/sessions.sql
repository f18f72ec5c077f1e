-- scenario_optee_panic: the victim's OK succeeds, PANIC kills its TA instance: TARGET_DEAD
-- (0xFFFF3024) from the TEE (origin 3), and so is every later call on that session, which
-- still closes normally. A new session loads a fresh instance (its own LOAD_TA RPCs) that
-- answers OK. The bystander's session, opened first on its own instance, never notices.
SELECT s.id, n.name AS ta, s.end_kind, dense_rank() OVER (ORDER BY s.process_id) AS process,
       (SELECT group_concat(x, ' ') FROM
          (SELECT COALESCE(c.name, i.op) || '=' || printf('%X', i.ret) || '/' || i.origin AS x FROM invocations i
             LEFT JOIN ta_commands c ON c.uuid = s.uuid AND c.func = i.op
            WHERE i.session_id = s.id AND i.call = 'invoke' ORDER BY i.id)) AS commands,
       (SELECT count(*) FROM callback_requests r WHERE r.invocation_id = s.opened_by AND r.op = 0) AS load_ta_rpcs
  FROM sessions s LEFT JOIN ta_names n ON n.uuid = s.uuid
 ORDER BY s.id;
