-- scenario_optee_leaky: a holder opens the workload TA and is still alive at the end with its
-- session open (open_at_end); a quitter opens hello_world and workload and exits without closing
-- either: the driver closes them at its context's release, most recent first, with no
-- CLOSE_SESSION of the process (closed_by NULL).
SELECT n.name AS ta, s.end_kind, s.closed_by IS NULL AS closed_by_driver, p.end_kind AS opener_end,
       c.end_kind AS context_end,
       CASE WHEN s.close_ts IS NULL THEN NULL ELSE s.close_ts >= c.close_ts END AS closed_after_context_close,
       CASE WHEN s.close_ts IS NULL THEN NULL
            ELSE rank() OVER (PARTITION BY s.context_id ORDER BY s.close_ts) END AS close_order
  FROM sessions s LEFT JOIN ta_names n ON n.uuid = s.uuid
  JOIN processes p ON p.id = s.process_id JOIN contexts c ON c.id = s.context_id
 ORDER BY s.open_ts;
