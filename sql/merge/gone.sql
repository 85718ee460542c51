-- Current, not yet deleted users of the source absent from its complete listing: each
-- gets a tombstone version. Only run for complete listings. merge_current holds their
-- current versions beside the staged users' (which the listing holds); those are taken
-- out here.
CREATE OR REPLACE TEMP TABLE merge_gone AS
FROM merge_current ANTI JOIN stage_users USING (user_key);
