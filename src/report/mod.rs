//! Outputs: each a pure function from a result (run summary, comparison, …) to text or bytes.
//! Files are written elsewhere ([`crate::output`]).

pub mod charts;
pub mod compare;
pub mod csv;
pub mod figures;
#[cfg(test)]
pub(crate) mod fixture;
pub mod html;
pub mod json;
pub mod lang;
pub mod sensitivity;
pub mod size;
pub mod sweep;
pub mod table;
