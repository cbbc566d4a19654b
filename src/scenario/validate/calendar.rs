//! When: `[calendar]`, read first because months elsewhere are checked against it.

use super::super::raw::RawCalendar;
use super::{Checker, MAX_MONTHS};
use crate::model::*;

/// Checks `[calendar]`; a missing or bad start falls back to 2025-01 so later months can
/// still be checked.
pub(super) fn calendar(c: &mut Checker, raw: &Option<RawCalendar>) -> Calendar {
    let rc = raw.clone().unwrap_or_default();
    let start_text = c.required("calendar.start", &rc.start);
    let start = start_text.as_deref().and_then(|t| {
        let ym = YearMonth::parse(t);
        if ym.is_none() {
            c.problem(
                "calendar.start",
                format!("\"{t}\" is not a month: write YYYY-MM, e.g. 2025-01"),
            );
        }
        ym
    });
    let horizon = c.required("calendar.horizon_months", &rc.horizon_months);
    let horizon = c.integer("calendar.horizon_months", horizon, 12, 1, MAX_MONTHS) as u32;
    let warmup = c.integer("calendar.warmup_months", rc.warmup_months, 0, 0, MAX_MONTHS) as u32;
    Calendar {
        start: start.unwrap_or(YearMonth {
            year: 2025,
            month: 1,
        }),
        horizon,
        warmup,
    }
}
