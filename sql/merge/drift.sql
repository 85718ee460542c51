-- Schema drift of a pending merge ($1 run_id, $2 observed time, $3 source): fields the
-- provider returned that its mapping does not know, and known fields that arrived in the
-- source's previous successful run but on no user in this one. stage_fields holds this
-- run's field counts.
INSERT INTO merge_quality
SELECT $1, $2::TIMESTAMPTZ, $3, 'unknown_field', field, users, []
FROM stage_fields WHERE NOT known
UNION ALL
SELECT $1, $2::TIMESTAMPTZ, $3, 'missing_field', p.field, (SELECT count(*) FROM stage_users), []
FROM source_fields p
WHERE p.source = $3 AND p.known AND p.users > 0
  AND p.run_id = (SELECT max_by(run_id, started_at) FROM source_runs WHERE source = $3 AND status = 'succeeded')
  AND NOT EXISTS (SELECT 1 FROM stage_fields s WHERE s.field = p.field AND s.users > 0);
