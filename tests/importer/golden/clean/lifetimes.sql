-- How each object ended: every handle released by the client, every QTEE object released to the
-- TEE with result 0 and freed; both listeners (callback objects) released by the TEE and freed;
-- the driver's own objects (primordial, FeatureVersions) outlive the trace.
SELECT kind, class, end_kind, COUNT(*) AS objects,
       SUM(release_result = 0) AS released_ok, SUM(freed_ts IS NOT NULL) AS freed,
       SUM(unexported_ts IS NOT NULL) AS unexported, SUM(context_id IS NULL) AS driver_internal
  FROM objects GROUP BY kind, class, end_kind ORDER BY kind, class, end_kind;
