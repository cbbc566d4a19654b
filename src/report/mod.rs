//! Outputs: each a pure function from a result (run summary, comparison, …) to text or bytes.
//! Files are written elsewhere ([`crate::output`]).

pub mod charts;
pub mod compare;
pub mod csv;
pub mod json;
pub mod size;
pub mod sweep;
pub mod table;
