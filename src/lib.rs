//! kraftsim: a Monte Carlo planning and simulation engine for Kraft programmes, co-located
//! multi-agency teams that help long-term unemployed people into work or studies.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`scenario`] (TOML → validated [`model::Programme`]) → [`engine`] (one replication) →
//! [`montecarlo`] (replications, seeding, parallelism) → [`stats`] (distributions, target
//! probabilities) → [`report`] (terminal table, CSV, JSON). [`commands`] orchestrates the
//! stages for each CLI subcommand; the binary only parses arguments and prints errors.

// Hazards, roles and causes are parallel fixed-size arrays indexed by the same cause or
// role number; an index loop states that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

pub mod calibrate;
pub mod commands;
pub mod engine;
pub mod model;
pub mod montecarlo;
pub mod output;
pub mod planning;
pub mod records;
pub mod reference;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod trajectory;
