-- One context (the parent's) used by 3 processes: the opener, the forked child (inherited
-- descriptor) and the exec'd receiver (descriptor passed over a UNIX socket, its comm is "exe").
-- The second context, of the own-context child, is used by its opener only.
SELECT sc.processes, sc.users = (SELECT group_concat(display_name || ' (pid ' || pid || ')', ', ')
                                   FROM (SELECT display_name, pid FROM processes ORDER BY pid)
                                  WHERE pid IN (SELECT p.pid FROM context_users cu JOIN processes p ON p.id = cu.process_id
                                                 WHERE cu.context_id = sc.context_id)) AS users_listed,
       (SELECT COUNT(*) FROM sharing_contexts) AS shared_contexts
  FROM sharing_contexts sc;
