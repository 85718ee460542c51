// Package synth is roster's deterministic synthetic population: a seeded, provider-neutral
// directory of people and its day-to-day mutations (hires, departures, returns,
// deactivations, role, group, team, email, phone, title and presence changes). Every
// provider's fake server (extract/<provider>/fake) renders the same population in its own
// wire format, so tests, benchmarks, `roster fakes` and `roster demo` all see one
// consistent, reproducible world.
//
// # Determinism
//
// A Population is a pure function of its Config: the same Seed, Size and Start give
// byte-identical snapshots for every day, on every machine and Go version (the package
// uses its own splitmix64 generator, never math/rand). Day d is day 0 plus d days of
// mutations; Day computes incrementally from the last day it computed and recomputes
// from day 0 when asked for an earlier day.
//
// # Guarantees (tested for every seed with Size >= 20)
//
//   - Every transition d-1 -> d contains at least one Hire, Depart, Return, RoleChange,
//     GroupChange, EmailChange, PhoneChange and StatusOnly change. Deactivate, Reactivate,
//     TeamChange and TitleChange each happen on about a third of the days of a small
//     population and every day once Size >= 1400.
//   - A person has at most one change per day. A StatusOnly change touches only Status,
//     SubStatus and OnCall; every other kind moves UpdatedAt.
//   - At least half of the people listed on day d have no change at all on day d.
//   - IDs are stable and never reused: hires get IDs above every ID ever issued; a Return
//     brings back a departed person with the same ID, email and attributes.
//   - Exactly one person has Role "owner" (OwnerID); the owner never departs, is never
//     deactivated and never changes role or title.
//   - Churn is about 1% of the listed people per day plus about 4% StatusOnly changes;
//     hires plus returns balance departures, so the directory size stays near Size.
//
// # Deliberate data quirks (deterministic, for the normalizers)
//
//   - Names: about 20% of people are Russian (Cyrillic first/last names, a patronymic in
//     MiddleName for most of them); French and German names carry accents. About 5% of
//     people have a quirk: leading/trailing or doubled spaces, or accents in Unicode NFD
//     (decomposed) form.
//   - Emails are unique per person (the local part carries the person ID) except: about 4%
//     are mixed case, about 2% have surrounding spaces, about 0.7% use a shared
//     department mailbox such as "sales@northwind.example" (so duplicates exist in larger
//     populations) and about 0.5% are invalid ("anna.smith17@" or a missing "@").
//     An EmailChange always yields a different address; a shared or invalid one becomes
//     the person's own, valid address.
//   - Phones: 0 to 4 per person (about 15% have none) in local formats of the person's
//     country ("+1 415-555-0132", "(415) 555-0199", "8 (495) 123-45-67", "74955140578",
//     "+44 20 7946 0958 ext. 12", ...) and about 4% junk values ("n/a", "12", "-", "TBD").
//   - Extension: about 35% have a short internal extension; it is 4 digits and unique
//     while IDs stay below 9000.
//   - RoleChange always changes the role Close sees (one of its four predefined roles, or
//     a custom role): guest and readonly, which Close merges, never trade places.
//
// # Cost
//
// Between snapshots a Population keeps about 50 bytes per person ever issued; a
// materialized snapshot costs about 250 bytes per listed person (about 250 MB and 1.5 s
// of CPU for a million people). Only the last snapshot is cached.
//
// Snapshots and their slices are shared and must be treated as read-only.
//
// synth imports only the standard library; it knows nothing of HTTP or of any provider.
package synth
