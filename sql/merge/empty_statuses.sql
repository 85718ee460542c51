-- A source without presence data.
CREATE OR REPLACE TEMP TABLE stage_statuses AS SELECT * FROM user_status WHERE false;
