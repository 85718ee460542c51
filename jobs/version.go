package jobs

// Version is roster's release version, recorded in sync_runs.roster_version.
const Version = "0.1.0"
