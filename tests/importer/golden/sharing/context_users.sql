-- Who called through which context, and how: the fork child and the receiver are children of the
-- opener (proc_fork), use the opener's context and open none of their own.
SELECT c.serial AS context, CASE WHEN c.process_id = p.id THEN 'opener' ELSE 'user' END AS role,
       p.name, p.parent_id = c.process_id AS child_of_opener, cu.calls,
       (SELECT COUNT(*) FROM contexts c2 WHERE c2.process_id = p.id) AS contexts_opened
  FROM context_users cu JOIN contexts c ON c.id = cu.context_id JOIN processes p ON p.id = cu.process_id
 ORDER BY c.serial, cu.first_ts;
