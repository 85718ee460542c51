-- A partial listing deletes nobody.
CREATE OR REPLACE TEMP TABLE merge_gone AS SELECT * FROM users_history WHERE false;
