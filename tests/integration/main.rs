//! kraftsim's one integration-test binary. Where a new test goes:
//!
//! - `cli`: the `kraftsim` binary as a user runs it (exit codes, messages, files written).
//! - `closed_forms`: statistical checks of the engine against results derived by hand
//!   (Little's law, competing-risk shares, Poisson counts, geometric survival), with
//!   tolerances from the Monte Carlo standard error.
//! - `equivalence`: the fast engine against the reference simulator (the model's plain
//!   statement) on generated scenarios using every mechanism and on the bundled scenarios,
//!   every yearly mean and target probability within a family-wise Monte Carlo bound.
//! - `extremes`: extreme but valid scenarios (1 and 1,000 teams, 50 years, hazards all zero
//!   or all at the maximum).
//! - `fixtures`: the corpus of broken scenarios, each rejected with its key named.
//! - `invariants`: what holds in every replication for every seed (conservation of
//!   participants month by month, thread-count invariance, reproducibility).
//! - `mechanisms`: each model mechanism (ramp, posts, vacancies, shocks, seasons, cohorts,
//!   parameter uncertainty) has exactly the effect it should, where and when it should.
//! - `planning`: `--set` overrides, `compare` on common random numbers, `sweep`, `size`.
//! - `properties`: proptest over generated valid scenarios (the invariants hold) and over
//!   mutated scenario text (never a panic; the stable stand-in for a fuzz target).
//! - `report`: the HTML report, charts and Swedish CSV from the command line; the report
//!   rendered by headless Chromium (skipped without it unless CI requires it).
//! - `reference`: the reference workload R1 against an independent implementation.
//! - `calibration`: the default scenario against the 2018–2019 record.
//! - `scenarios`: every shipped scenario file validates and runs.
//! - `golden`: the summary JSON of every bundled scenario byte for byte against
//!   `tests/golden/` (`KRAFTSIM_BLESS=1` rewrites it when a change is meant to move results).
//! - `history`: calibration from synthetic records (round trip, interval widths, the
//!   fragment as a scenario, suppression, left truncation), the counts fit and its
//!   identification, backtest coverage and nowcasts against full-year outcomes.
//! - `population`: participant attributes and target-group definitions (neutral attributes
//!   change nothing, exclusions keep a category out, 2018–2019 relative rates come back).

mod calibration;
mod cli;
mod closed_forms;
mod common;
mod equivalence;
mod extremes;
mod fixtures;
mod golden;
mod history;
mod invariants;
mod mechanisms;
mod planning;
mod population;
mod properties;
mod reference;
mod report;
mod scenarios;
