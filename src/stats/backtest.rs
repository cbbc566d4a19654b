//! Backtests: where each observed yearly figure falls in the simulated distribution of the
//! same figure.
//!
//! A model that describes the period well places observed figures uniformly over
//! percentiles: about half inside the central 50 % interval, nine in ten inside the 90 %.

use crate::model::{Gender, Metric};
use crate::stats::{quantile_sorted, replication_values, Collector};

/// One observed yearly figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Calendar year.
    pub year: i32,
    /// The metric.
    pub metric: Metric,
    /// One gender, or both.
    pub gender: Option<Gender>,
    /// The observed value.
    pub value: f64,
}

impl Observed {
    /// A short label, e.g. `2026 positive_exits women`.
    pub fn label(&self) -> String {
        let g = self
            .gender
            .map(|g| format!(" {}", g.plural_id()))
            .unwrap_or_default();
        format!("{} {}{g}", self.year, self.metric.id())
    }
}

/// Reads observed figures: columns `year`, `metric` (a metric identifier), `value` and an
/// optional `gender` (women, men or empty for both). `years` are the simulated years.
pub fn parse_observed(text: &str, origin: &str, years: &[i32]) -> Result<Vec<Observed>, String> {
    let (mut reader, header) = crate::records::csv_reader(text, origin)?;
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            format!("{origin}:1: no {name} column: the header must name year, metric, value and optionally gender")
        })
    };
    let (c_year, c_metric, c_value) = (col("year")?, col("metric")?, col("value")?);
    let c_gender = header.iter().position(|h| h == "gender");
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| format!("{origin}: {e}"))?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let bad = |i: usize, problem: String| {
            crate::records::RowError {
                origin: origin.to_string(),
                line,
                column: header[i].clone(),
                value: field(i).to_string(),
                problem,
            }
            .to_string()
        };
        let year: i32 = field(c_year)
            .parse()
            .map_err(|_| bad(c_year, "not a year".into()))?;
        if !years.contains(&year) {
            return Err(bad(
                c_year,
                format!(
                    "outside the simulated years ({}–{})",
                    years.first().copied().unwrap_or(0),
                    years.last().copied().unwrap_or(0)
                ),
            ));
        }
        let metric = Metric::from_id(field(c_metric)).ok_or_else(|| {
            let ids: Vec<&str> = Metric::ALL.iter().map(|m| m.id()).collect();
            bad(
                c_metric,
                format!("unknown metric: use one of {}", ids.join(", ")),
            )
        })?;
        let value: f64 = field(c_value)
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad(c_value, "not a number".into()))?;
        let gender = match c_gender.map(field) {
            None | Some("") => None,
            Some(g) => Some(crate::records::parse_gender(g).ok_or_else(|| {
                bad(
                    c_gender.unwrap_or(0),
                    "use women, men or leave empty".into(),
                )
            })?),
        };
        out.push(Observed {
            year,
            metric,
            gender,
            value,
        });
    }
    if out.is_empty() {
        return Err(format!(
            "{origin}: no observed figures: the file has only a header"
        ));
    }
    Ok(out)
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
        let (lo, hi) = if level <= 0.5 {
            (self.quantiles[1], self.quantiles[3])
        } else {
            (self.quantiles[0], self.quantiles[4])
        };
        lo <= self.observed.value && self.observed.value <= hi
    }
}

/// Places every observation in the simulated distribution of its figure.
pub fn place(c: &Collector, observed: &[Observed]) -> Vec<Placed> {
    observed
        .iter()
        .map(|o| {
            let y = c.years.iter().position(|r| r.year == o.year);
            let mut v: Vec<f64> = replication_values(
                c,
                &y.into_iter().collect::<Vec<_>>(),
                o.gender.map(|g| g as usize),
                o.metric,
            )
            .into_iter()
            .filter(|x| x.is_finite())
            .collect();
            v.sort_by(f64::total_cmp);
            if v.is_empty() {
                return Placed {
                    observed: o.clone(),
                    percentile: f64::NAN,
                    quantiles: [f64::NAN; 5],
                };
            }
            let below = v.partition_point(|&x| x < o.value);
            let equal = v[below..].partition_point(|&x| x <= o.value);
            Placed {
                observed: o.clone(),
                percentile: (below as f64 + 0.5 * equal as f64) / v.len() as f64,
                quantiles: [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| quantile_sorted(&v, q)),
            }
        })
        .collect()
}
