//! Backtests: where each observed figure falls in the simulated distribution of the same
//! figure. A figure is a metric over a calendar year (from the yearly record) or over any
//! window of months, possibly for one gender or one group (measured on the replications'
//! participations, as a register counts them).
//!
//! A model that describes the period well places observed figures uniformly over
//! percentiles: about half inside the central 50 % interval, nine in ten inside the 90 %.

use crate::model::{Gender, Metric, Programme};
use crate::stats::observe::{Figure, Filter, Measure, MonthRange};
use crate::stats::{quantile_sorted, replication_values, Collector};

/// When an observed figure was measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Period {
    /// A calendar year of the simulation.
    Year(i32),
    /// Any window of simulated months (including the warm-up).
    Window(MonthRange),
}

/// One observed figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// When.
    pub period: Period,
    /// The metric.
    pub metric: Metric,
    /// One gender, or both.
    pub gender: Option<Gender>,
    /// One group (by index), or all.
    pub group: Option<usize>,
    /// The observed value.
    pub value: f64,
}

impl Observed {
    /// A short label, e.g. `2026 positive_exits women` or `2020-01..2021-06 exits af_job`.
    pub fn label(&self, p: &Programme) -> String {
        let when = match self.period {
            Period::Year(y) => y.to_string(),
            Period::Window(w) => w.display(&p.calendar),
        };
        let gender = self.gender.map(|g| format!(" {}", g.plural_id()));
        let group = self.group.map(|g| format!(" {}", p.groups[g].name));
        format!(
            "{when} {}{}{}",
            self.metric.id(),
            group.unwrap_or_default(),
            gender.unwrap_or_default()
        )
    }

    /// The figure to measure on participations, where the yearly record cannot give it (a
    /// window, or one group).
    pub fn figure(&self, p: &Programme) -> Option<Figure> {
        let window = match self.period {
            Period::Window(w) => w,
            Period::Year(_) if self.group.is_none() => return None,
            Period::Year(y) => {
                let year = p.calendar.years().into_iter().find(|r| r.year == y)?;
                MonthRange {
                    first: year.first_month as i32,
                    last: (year.first_month + year.months) as i32 - 1,
                }
            }
        };
        Some(Figure {
            measure: Measure::of_metric(self.metric)?,
            window,
            filter: Filter {
                cohort: None,
                gender: self.gender,
                group: self.group,
            },
        })
    }
}

/// Reads observed figures: columns `metric` (a metric identifier), `value`, and `year` or
/// `window` (`YYYY-MM..YYYY-MM`, `YYYY-MM` or `YYYY`: one of them per row), optionally
/// `gender` (women, men or empty for both) and `group` (a group of the scenario or empty).
pub fn parse_observed(text: &str, origin: &str, p: &Programme) -> Result<Vec<Observed>, String> {
    let (mut reader, header) = crate::records::csv_reader(text, origin)?;
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| {
            format!(
                "{origin}:1: no {name} column: the header must name metric, value, year or \
                 window, and optionally gender and group"
            )
        })
    };
    let (c_metric, c_value) = (need("metric")?, need("value")?);
    let (c_year, c_window) = (col("year"), col("window"));
    if c_year.is_none() && c_window.is_none() {
        return Err(format!(
            "{origin}:1: no year or window column: say when each figure was measured"
        ));
    }
    let (c_gender, c_group) = (col("gender"), col("group"));
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| format!("{origin}: {e}"))?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: Option<usize>| i.and_then(|i| row.get(i)).unwrap_or("").trim();
        let bad = |i: usize, problem: String| {
            crate::records::RowError {
                origin: origin.to_string(),
                line,
                column: header[i].clone(),
                value: row.get(i).unwrap_or("").to_string(),
                problem,
            }
            .to_string()
        };
        let period = period(p, (c_year, field(c_year)), (c_window, field(c_window))).map_err(
            |(i, problem)| match i {
                Some(i) => bad(i, problem),
                None => format!("{origin}:{line}: {problem}"),
            },
        )?;
        let metric = Metric::from_id(field(Some(c_metric))).ok_or_else(|| {
            let ids: Vec<&str> = Metric::ALL.iter().map(|m| m.id()).collect();
            bad(
                c_metric,
                format!("unknown metric: use one of {}", ids.join(", ")),
            )
        })?;
        let value: f64 = field(Some(c_value))
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad(c_value, "not a number".into()))?;
        let gender = match field(c_gender) {
            "" => None,
            g => Some(crate::records::parse_gender(g).ok_or_else(|| {
                bad(
                    c_gender.unwrap_or(0),
                    "use women, men or leave empty".into(),
                )
            })?),
        };
        let group = match field(c_group) {
            "" => None,
            g => Some(p.groups.iter().position(|x| x.name == g).ok_or_else(|| {
                let names: Vec<&str> = p.groups.iter().map(|x| x.name.as_str()).collect();
                bad(
                    c_group.unwrap_or(0),
                    format!(
                        "not a group of the scenario: use {} or leave empty",
                        names.join(", ")
                    ),
                )
            })?),
        };
        let o = Observed {
            period,
            metric,
            gender,
            group,
            value,
        };
        if !matches!(o.period, Period::Year(_) if o.group.is_none()) && o.figure(p).is_none() {
            return Err(bad(
                c_metric,
                "is not counted over a window or for one group (budget, cost per exit, the \
                 median stay and the FK figures come from the yearly record): give it for a \
                 year and every group"
                    .into(),
            ));
        }
        out.push(o);
    }
    if out.is_empty() {
        return Err(format!(
            "{origin}: no observed figures: the file has only a header"
        ));
    }
    Ok(out)
}

/// A row's period from its `year` or `window` field (exactly one of them), checked against
/// the simulated months; the error names the column at fault.
fn period(
    p: &Programme,
    (c_year, year): (Option<usize>, &str),
    (c_window, window): (Option<usize>, &str),
) -> Result<Period, (Option<usize>, String)> {
    let cal = &p.calendar;
    match (year, window) {
        ("", "") => Err((None, "give a year or a window".into())),
        (y, "") => {
            let years: Vec<i32> = cal.years().iter().map(|r| r.year).collect();
            let year: i32 = y.parse().map_err(|_| (c_year, "not a year".into()))?;
            if years.contains(&year) {
                Ok(Period::Year(year))
            } else {
                Err((
                    c_year,
                    format!(
                        "outside the simulated years ({}–{})",
                        years.first().copied().unwrap_or(0),
                        years.last().copied().unwrap_or(0)
                    ),
                ))
            }
        }
        ("", w) => {
            let range = MonthRange::parse(w, cal).map_err(|e| (c_window, e))?;
            let simulated = MonthRange {
                first: -(cal.warmup as i32),
                last: cal.horizon as i32 - 1,
            };
            if range.first < simulated.first || range.last > simulated.last {
                return Err((
                    c_window,
                    format!("outside the simulated months ({})", simulated.display(cal)),
                ));
            }
            Ok(Period::Window(range))
        }
        _ => Err((c_window, "give a year or a window, not both".into())),
    }
}

/// An observed figure against its simulated distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The observation.
    pub observed: Observed,
    /// Share of simulated values below the observed one (ties count half).
    pub percentile: f64,
    /// Simulated 5 %, 25 %, 50 %, 75 % and 95 % quantiles.
    pub quantiles: [f64; 5],
}

impl Placed {
    /// Whether the observation lies inside the central interval of `level` (0.5, 0.9).
    pub fn inside(&self, level: f64) -> bool {
        inside(self.observed.value, &self.quantiles, level)
    }
}

/// Whether `value` lies inside the central interval of `level` (0.5 or 0.9) of
/// `quantiles` (5 %, 25 %, 50 %, 75 %, 95 %).
pub fn inside(value: f64, quantiles: &[f64; 5], level: f64) -> bool {
    let (lo, hi) = if level <= 0.5 {
        (quantiles[1], quantiles[3])
    } else {
        (quantiles[0], quantiles[4])
    };
    lo <= value && value <= hi
}

/// The percentile of `value` among `simulated` (ties count half) and their 5 %, 25 %,
/// 50 %, 75 % and 95 % quantiles; non-finite values (a share without closures) are left
/// out, and NaN is returned where none is left.
pub fn placement(value: f64, simulated: &[f64]) -> (f64, [f64; 5]) {
    let mut v: Vec<f64> = simulated
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if v.is_empty() {
        return (f64::NAN, [f64::NAN; 5]);
    }
    v.sort_by(f64::total_cmp);
    let below = v.partition_point(|&x| x < value);
    let equal = v[below..].partition_point(|&x| x <= value);
    (
        (below as f64 + 0.5 * equal as f64) / v.len() as f64,
        [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| quantile_sorted(&v, q)),
    )
}

/// Places every yearly observation (all groups) in the simulated distribution of its figure
/// in the yearly record; `measured[i]` holds the simulated values of observation `i` where
/// it was measured on participations instead.
pub fn place(
    c: Option<&Collector>,
    observed: &[Observed],
    measured: &[Option<Vec<f64>>],
) -> Vec<Placed> {
    observed
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let values = match (measured.get(i).cloned().flatten(), o.period) {
                (Some(v), _) => v,
                (None, Period::Year(year)) => c.map_or_else(Vec::new, |c| {
                    let y: Vec<usize> = c
                        .years
                        .iter()
                        .position(|r| r.year == year)
                        .into_iter()
                        .collect();
                    replication_values(c, &y, o.gender.map(|g| g as usize), o.metric)
                }),
                (None, Period::Window(_)) => Vec::new(),
            };
            let (percentile, quantiles) = placement(o.value, &values);
            Placed {
                observed: o.clone(),
                percentile,
                quantiles,
            }
        })
        .collect()
}
