-- scenario_xen under `record --guests 2`: two Xen guests (OP-TEE client ids 2 and 3, domains 1
-- and 2) share one OP-TEE, each with two threads, and are destroyed when their instance ends.
-- Guest 2 leaves nothing behind; guest 3 is destroyed with its holder's context, a session and
-- a shm, and its supplicant's context: what the mediator drops is recorded on the guest and on
-- each context (dropped_by_guest_destroy at the guest's destruction).
SELECT g.guest, g.threads, g.end_kind, g.contexts_dropped, g.sessions_dropped, g.shm_dropped,
       (SELECT group_concat(x, ' ') FROM
          (SELECT c.end_kind || (CASE WHEN c.close_ts = g.destroyed_ts THEN '@destroy' ELSE '' END) AS x
             FROM contexts c WHERE c.guest = g.guest ORDER BY c.id)) AS contexts,
       (SELECT count(DISTINCT p.id) FROM contexts c JOIN processes p ON p.id = c.process_id
         WHERE c.guest = g.guest AND p.name LIKE 'teescope-optee%') AS supplicants
  FROM guests g ORDER BY g.guest;
