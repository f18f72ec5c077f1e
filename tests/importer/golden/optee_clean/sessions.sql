-- scenario_optee_clean: two processes open hello_world (INC then DEC, three times each); a third
-- opens the workload TA and ECHOes through every kind of memref, once into a too-small output
-- (SHORT_BUFFER, 0xFFFF0010). Every session is closed by CLOSE_SESSION; each open succeeds with
-- origin TRUSTED_APP (4).
SELECT n.name AS ta, s.login, s.end_kind, s.ret, s.origin, s.guest,
       (SELECT group_concat(x, ' ') FROM
          (SELECT COALESCE(c.name, i.op) AS x FROM invocations i
             LEFT JOIN ta_commands c ON c.uuid = s.uuid AND c.func = i.op
            WHERE i.session_id = s.id AND i.call = 'invoke' ORDER BY i.id)) AS commands,
       (SELECT group_concat(x, ' ') FROM
          (SELECT printf('%X', i.ret) AS x FROM invocations i
            WHERE i.session_id = s.id AND i.call = 'invoke' AND i.ret <> 0 ORDER BY i.id)) AS failures,
       s.opened_by = (SELECT min(id) FROM invocations i WHERE i.session_id = s.id AND i.call = 'open_session') AS opened_by_open,
       s.closed_by = (SELECT id FROM invocations i WHERE i.session_id = s.id AND i.call = 'close_session') AS closed_by_close
  FROM sessions s LEFT JOIN ta_names n ON n.uuid = s.uuid
 ORDER BY s.open_ts;
