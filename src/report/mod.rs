//! Outputs: each a pure function from a [`Summary`](crate::stats::Summary) to text or bytes.
//! Files are written elsewhere ([`crate::output`]).

pub mod csv;
pub mod json;
pub mod table;
