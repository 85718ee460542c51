// Package jobs owns a run of roster: it turns a loaded config into a plan of sources,
// builds each source's extractor, streams its pages through transform/ into on-disk
// staging, merges complete listings into the warehouse, records the run ledger and
// publishes the lake. It also hosts the demo.
//
// jobs sits between cmd/ and the extract/transform/load layers; nothing below it may
// import it.
package jobs
