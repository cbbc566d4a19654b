//! Planning on top of the Monte Carlo layer: grids of alternatives (`sweep`) and the search
//! for the cheapest configuration that meets targets with a given confidence (`size`), and
//! one-at-a-time sensitivity of a measure to every parameter (`sensitivity`).
//! Every evaluation uses the same seed, so alternatives share their random numbers.

pub mod sensitivity;
pub mod size;
pub mod sweep;
