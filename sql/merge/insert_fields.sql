-- The fields the run saw ($1 run_id, $2 source), for the next run's drift checks.
INSERT INTO source_fields SELECT $1, $2, field, known, users FROM stage_fields;
