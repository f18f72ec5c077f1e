-- Handle 0 of the context is bound twice: to the client env of registerAsClient, and after its
-- release to the client env of the supplicant's wake-up registration. Two bindings, two objects
-- with different secure-world ids, the second bound after the first was unbound.
SELECT h.handle, o.class, h.unbind_reason,
       ROW_NUMBER() OVER (PARTITION BY h.handle ORDER BY h.bind_ts) AS nth_binding,
       COUNT(*) OVER (PARTITION BY h.handle) AS bindings,
       h.bind_ts > LAG(h.unbind_ts) OVER (PARTITION BY h.handle ORDER BY h.bind_ts) AS after_previous_unbind,
       o.sw_id <> LAG(o.sw_id) OVER (PARTITION BY h.handle ORDER BY h.bind_ts) AS other_sw_object
  FROM handles h JOIN objects o ON o.id = h.object_id
 ORDER BY h.handle, h.bind_ts;
