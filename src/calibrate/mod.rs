//! Calibration: exit hazards estimated from the programme's own history.
//!
//! From individual records, piecewise-constant competing-risk hazards per group (and
//! gender, if asked) and band of months in the programme, by maximum likelihood: the rate
//! of a cause in a cell is its exits divided by the person-months spent in the cell, with
//! participants still enrolled counted until the end of the observation (right-censoring)
//! and, with a start of observation, only from then on (left truncation). [`counts`] fits
//! group rates to aggregate counts instead.

pub mod counts;
pub mod facts;
pub mod fit;
pub mod linalg;

use std::fmt::Write as _;

use crate::model::{ExitCause, Gender, HAZARD_CAUSES};
use crate::records::{unknown_group, Date, Records};

/// The two-sided 95 % normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A band of months in the programme, inclusive (`to = None`: open-ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// First month in the programme (0 = the month of entry).
    pub from: u32,
    /// Last month, inclusive.
    pub to: Option<u32>,
}

impl Band {
    /// The band as written on the command line (`2-5`, `12+`, `3`).
    pub fn label(&self) -> String {
        match self.to {
            None => format!("{}+", self.from),
            Some(t) if t == self.from => format!("{t}"),
            Some(t) => format!("{}-{t}", self.from),
        }
    }

    fn contains(&self, t: f64) -> bool {
        t >= self.from as f64 && self.to.is_none_or(|to| t < (to + 1) as f64)
    }

    fn overlap(&self, t0: f64, t1: f64) -> f64 {
        let hi = self.to.map_or(f64::INFINITY, |to| (to + 1) as f64);
        (t1.min(hi) - t0.max(self.from as f64)).max(0.0)
    }
}

/// The last month a closed band may end at (a century of months: far beyond any stay).
pub const MAX_BAND_MONTH: u32 = 1200;

/// Parses `0-1,2-5,6-11,12+`: contiguous bands from month 0, the last open-ended.
pub fn parse_bands(text: &str) -> Result<Vec<Band>, String> {
    let mut bands = Vec::new();
    let mut next = 0u32;
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    for (i, part) in parts.iter().enumerate() {
        let bad = || {
            format!(
                "--bands: \"{part}\" is not a band: write FROM-TO, N or FROM+ (months in the \
                 programme, 0 = the month of entry), e.g. 0-1,2-5,6-11,12+"
            )
        };
        let band = if let Some(from) = part.strip_suffix('+') {
            Band {
                from: from.parse().map_err(|_| bad())?,
                to: None,
            }
        } else if let Some((a, b)) = part.split_once('-') {
            Band {
                from: a.trim().parse().map_err(|_| bad())?,
                to: Some(b.trim().parse().map_err(|_| bad())?),
            }
        } else {
            let n = part.parse().map_err(|_| bad())?;
            Band {
                from: n,
                to: Some(n),
            }
        };
        if band.from != next {
            return Err(format!(
                "--bands: band {part} starts at month {} but should start at {next}: bands \
                 must follow each other from month 0 without gaps or overlaps",
                band.from
            ));
        }
        if band.to.is_some_and(|t| t < band.from) {
            return Err(format!("--bands: band {part} ends before it starts"));
        }
        if band.to.is_some_and(|t| t > MAX_BAND_MONTH) {
            return Err(format!(
                "--bands: band {part} ends after month {MAX_BAND_MONTH}: no stay is that long; \
                 end the bands with an open one such as 12+"
            ));
        }
        match band.to {
            Some(t) => next = t + 1,
            None if i + 1 < parts.len() => {
                return Err(format!(
                    "--bands: the open-ended band {part} must be the last"
                ))
            }
            None => {}
        }
        bands.push(band);
    }
    if bands.last().is_some_and(|b| b.to.is_some()) {
        bands.push(Band {
            from: next,
            to: None,
        });
    }
    Ok(bands)
}

/// How to estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Separate rates for women and men.
    pub by_gender: bool,
    /// Bands of months in the programme (one open band `0+` = constant hazards).
    pub bands: Vec<Band>,
    /// Start of observation: exposure and exits before it are not counted (for records of
    /// participants who were already enrolled when records began).
    pub from: Option<Date>,
    /// End of observation (default: the last day of the month of the latest date).
    pub until: Option<Date>,
    /// Cells based on fewer people than this are suppressed.
    pub min_people: u32,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            by_gender: false,
            bands: vec![Band { from: 0, to: None }],
            from: None,
            until: None,
            min_people: 5,
        }
    }
}

/// Exits and exposure of one cell (group, gender or both, band).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// `None` = both genders.
    pub gender: Option<Gender>,
    /// Band index (`None` = all months pooled).
    pub band: Option<usize>,
    /// People with exposure in the cell.
    pub people: u32,
    /// Person-months in the cell.
    pub exposure: f64,
    /// Exits per hazard cause.
    pub events: [u32; HAZARD_CAUSES],
}

impl Cell {
    fn empty(gender: Option<Gender>, band: Option<usize>) -> Cell {
        Cell {
            gender,
            band,
            people: 0,
            exposure: 0.0,
            events: [0; HAZARD_CAUSES],
        }
    }

    /// The maximum-likelihood rate of cause `k` (exits per person-month).
    pub fn rate(&self, k: usize) -> f64 {
        if self.exposure > 0.0 {
            self.events[k] as f64 / self.exposure
        } else {
            0.0
        }
    }

    /// The 95 % Poisson score interval of the rate of cause `k`: the rates λ with
    /// (k − λE)² ≤ z²·λE, which keeps its coverage for small counts and includes 0 events.
    pub fn interval(&self, k: usize) -> (f64, f64) {
        if self.exposure <= 0.0 {
            return (0.0, f64::INFINITY);
        }
        let n = self.events[k] as f64;
        let z2 = Z95 * Z95;
        let half = Z95 * (n + z2 / 4.0).sqrt();
        (
            ((n + z2 / 2.0 - half) / self.exposure).max(0.0),
            (n + z2 / 2.0 + half) / self.exposure,
        )
    }

    /// The relative standard error of the rate of cause `k`, 1/√events (0 without
    /// events).
    pub fn relative_se(&self, k: usize) -> f64 {
        match self.events[k] {
            0 => 0.0,
            n => 1.0 / (n as f64).sqrt(),
        }
    }

    /// Whether the cell rests on too few people to be shown.
    pub fn suppressed(&self, min_people: u32) -> bool {
        self.people < min_people
    }
}

/// The estimates of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFit {
    /// Group identifier.
    pub name: String,
    /// All of the group's months, both genders.
    pub pooled: Cell,
    /// Cells by gender (if asked) and band, gender-major.
    pub cells: Vec<Cell>,
}

/// A calibration from individual records.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Options used.
    pub options: FitOptions,
    /// End of observation.
    pub until: Date,
    /// Groups, in the order given (or of first appearance).
    pub groups: Vec<GroupFit>,
    /// Participations that contributed exposure.
    pub used: usize,
    /// Participations outside the observation (entered after its end or left before its
    /// start).
    pub outside: usize,
    /// Bad rows left out while reading.
    pub skipped: usize,
}

/// Estimates hazards from records. `groups` orders (and limits) the groups: a record of
/// any other group is an error naming it; `None` takes groups as they appear.
pub fn fit(
    records: &Records,
    options: &FitOptions,
    groups: Option<&[String]>,
) -> Result<Fit, String> {
    let latest = records
        .latest()
        .ok_or("the records file has no valid rows: nothing to calibrate")?;
    let until = options
        .until
        .unwrap_or_else(|| Date::last_of(latest.year_month()));
    if let (Some(f), u) = (options.from, until) {
        if f > u {
            return Err(format!("--from {f} is after the end of observation {u}"));
        }
    }
    let mut names: Vec<String> = groups.map(<[String]>::to_vec).unwrap_or_default();
    if groups.is_none() {
        for r in &records.rows {
            if !names.contains(&r.group) {
                names.push(r.group.clone());
            }
        }
    }
    let genders: Vec<Option<Gender>> = if options.by_gender {
        Gender::ALL.iter().map(|&g| Some(g)).collect()
    } else {
        vec![None]
    };
    let bands = &options.bands;
    let mut fits: Vec<GroupFit> = names
        .iter()
        .map(|n| GroupFit {
            name: n.clone(),
            pooled: Cell::empty(None, None),
            cells: genders
                .iter()
                .flat_map(|&s| (0..bands.len()).map(move |b| Cell::empty(s, Some(b))))
                .collect(),
        })
        .collect();
    let (mut used, mut outside) = (0, 0);
    for r in &records.rows {
        let Some(g) = names.iter().position(|n| *n == r.group) else {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            return Err(format!(
                "line {}: {}",
                r.line,
                unknown_group(&r.group, &names)
            ));
        };
        if r.entry > until {
            outside += 1;
            continue;
        }
        let e = r.entry.start();
        let start = options.from.map_or(e, |f| f.start().max(e));
        let (end, cause) = match r.exit {
            Some((d, c)) if d <= until => (d.middle(), (c != ExitCause::TimeLimit).then_some(c)),
            _ => (until.end(), None),
        };
        if end <= start {
            outside += 1;
            continue;
        }
        used += 1;
        let (t0, t1) = (start - e, end - e);
        let s = if options.by_gender {
            r.gender as usize
        } else {
            0
        };
        let fit = &mut fits[g];
        fit.pooled.people += 1;
        fit.pooled.exposure += t1 - t0;
        if let Some(c) = cause {
            fit.pooled.events[c as usize] += 1;
        }
        for (b, band) in bands.iter().enumerate() {
            let cell = &mut fit.cells[s * bands.len() + b];
            let x = band.overlap(t0, t1);
            if x > 0.0 {
                cell.people += 1;
                cell.exposure += x;
            }
            if let Some(c) = cause.filter(|_| band.contains(t1)) {
                cell.events[c as usize] += 1;
            }
        }
    }
    if used == 0 {
        return Err(format!(
            "no participation lies in the observed period (until {until}): nothing to \
             calibrate"
        ));
    }
    Ok(Fit {
        options: options.clone(),
        until,
        groups: fits,
        used,
        outside,
        skipped: records.skipped.len(),
    })
}

/// A rate with its interval, e.g. `0.05184 (0.04754–0.05651)`.
fn rate_text(cell: &Cell, k: usize) -> String {
    let (lo, hi) = cell.interval(k);
    format!("{:.5} ({lo:.5}-{hi:.5})", cell.rate(k))
}

/// Events and exposure of a cell for a comment line.
fn cell_comment(cell: &Cell) -> String {
    let mut s = format!(
        "{} people, {:.1} person-months; ",
        cell.people, cell.exposure
    );
    let parts: Vec<String> = ExitCause::HAZARD
        .iter()
        .enumerate()
        .map(|(k, c)| format!("{} {} = {}", c.id(), cell.events[k], rate_text(cell, k)))
        .collect();
    s.push_str(&parts.join(", "));
    s
}

fn causes_inline(values: impl Fn(usize) -> f64, digits: usize) -> String {
    let parts: Vec<String> = ExitCause::HAZARD
        .iter()
        .enumerate()
        .map(|(k, c)| format!("{} = {:.*}", c.id(), digits, values(k)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// The scenario fragment (TOML): per group, the rates as `hazards`, their relative
/// standard errors as `uncertainty`, gender and band differences as `women`/`men`
/// multipliers or a (gendered) `profile`, with the exits and exposure behind every rate in
/// comments. `extends` makes it a complete scenario refining that one.
pub fn fragment(fit: &Fit, source: &str, extends: Option<&str>) -> String {
    let o = &fit.options;
    let min = o.min_people;
    let mut t = String::new();
    let by = if o.by_gender {
        "group and gender"
    } else {
        "group"
    };
    let bands: Vec<String> = o.bands.iter().map(Band::label).collect();
    let _ = writeln!(
        t,
        "# Calibrated by kraftsim calibrate from individual records ({source}): {} \
         participations\n# observed until {}{}, by {by}, months in the programme {}.",
        fit.used,
        fit.until,
        o.from.map(|f| format!(" from {f}")).unwrap_or_default(),
        bands.join(", ")
    );
    if fit.skipped > 0 {
        let _ = writeln!(t, "# {} bad rows were left out.", fit.skipped);
    }
    let _ = writeln!(
        t,
        "# Rates are exits per person-month: maximum likelihood, exits / exposure, with \
         those\n# still enrolled counted until the end of observation. Intervals are 95 % \
         Poisson score\n# intervals. `uncertainty` is each group rate's relative standard \
         error (1/sqrt(exits)),\n# used when [uncertainty] enabled = true. Cells based on \
         fewer than {min} people are\n# suppressed and use their group's rate. The rates \
         include whatever caseload pressure,\n# staffing and season the observed period \
         had."
    );
    if let Some(base) = extends {
        let _ = writeln!(t, "\nextends = {}", toml_string(base));
    }
    for g in &fit.groups {
        let _ = writeln!(t, "\n[groups.{}]", g.name);
        let pooled = &g.pooled;
        if pooled.suppressed(min) {
            let _ = writeln!(
                t,
                "# Suppressed: fewer than {min} people in the records; the group keeps the \
                 base scenario's hazards."
            );
            continue;
        }
        let _ = writeln!(t, "# {}", cell_comment(pooled));
        let base = |k: usize| pooled.rate(k);
        let _ = writeln!(t, "hazards = {}", causes_inline(base, 6));
        let _ = writeln!(
            t,
            "uncertainty = {}",
            causes_inline(|k| pooled.relative_se(k).min(2.0), 4)
        );
        let relative = |cell: &Cell, k: usize| {
            if cell.suppressed(min) || base(k) <= 0.0 {
                1.0
            } else {
                cell.rate(k) / base(k)
            }
        };
        let single_band = o.bands.len() == 1;
        if o.by_gender && single_band {
            for cell in &g.cells {
                let s = cell.gender.unwrap_or(Gender::Woman);
                let _ = writeln!(t, "# {}: {}", s.plural_id(), cell_text(cell, min));
                let _ = writeln!(
                    t,
                    "{} = {}",
                    s.plural_id(),
                    causes_inline(|k| relative(cell, k), 4)
                );
            }
            let _ = writeln!(t, "profile = []");
            continue;
        }
        for s in Gender::ALL {
            let _ = writeln!(t, "{} = {}", s.plural_id(), causes_inline(|_| 1.0, 1));
        }
        if single_band {
            let _ = writeln!(t, "profile = []");
            continue;
        }
        let _ = writeln!(t, "profile = [");
        for cell in &g.cells {
            let band = o.bands[cell.band.unwrap_or(0)];
            let who = cell
                .gender
                .map(|s| format!("{}, ", s.plural_id()))
                .unwrap_or_default();
            let _ = writeln!(
                t,
                "    # {who}months {}: {}",
                band.label(),
                cell_text(cell, min)
            );
            let gender = cell
                .gender
                .map(|s| format!("gender = \"{}\", ", s.plural_id()))
                .unwrap_or_default();
            let to = band.to.map(|x| format!("to = {x}, ")).unwrap_or_default();
            let factors: Vec<String> = ExitCause::HAZARD
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{} = {:.4}", c.id(), relative(cell, k)))
                .collect();
            let _ = writeln!(
                t,
                "    {{ {gender}from = {}, {to}{} }},",
                band.from,
                factors.join(", ")
            );
        }
        let _ = writeln!(t, "]");
    }
    t
}

fn cell_text(cell: &Cell, min: u32) -> String {
    if cell.suppressed(min) {
        format!("suppressed (fewer than {min} people), the group's rate is used")
    } else {
        cell_comment(cell)
    }
}

/// A TOML basic string.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The terminal summary: each group's rates with intervals (cells of too few people
/// suppressed).
pub fn summary(fit: &Fit) -> String {
    let min = fit.options.min_people;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Calibrated from {} participations, observed until {}{}{}.",
        fit.used,
        fit.until,
        fit.options
            .from
            .map(|f| format!(" from {f}"))
            .unwrap_or_default(),
        if fit.outside > 0 {
            format!(" ({} outside the observed period)", fit.outside)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        t,
        "Exits per person-month with 95 % intervals; cells of fewer than {min} people are \
         suppressed.\n"
    );
    let _ = writeln!(
        t,
        "{:<26} {:>7} {:>10}  {:<26} {:<26} {:<26} {:<26}",
        "group / cell", "people", "pm", "work", "studies", "fk_samverkan", "other"
    );
    let row = |t: &mut String, label: String, cell: &Cell| {
        if cell.suppressed(min) {
            let _ = writeln!(t, "{label:<26} {:>7}  suppressed", format!("<{min}"));
            return;
        }
        let _ = write!(t, "{label:<26} {:>7} {:>10.1} ", cell.people, cell.exposure);
        for k in 0..HAZARD_CAUSES {
            let _ = write!(t, " {:<26}", rate_text(cell, k));
        }
        let _ = writeln!(t);
    };
    for g in &fit.groups {
        row(&mut t, g.name.clone(), &g.pooled);
        if g.pooled.suppressed(min) || (fit.options.bands.len() == 1 && !fit.options.by_gender) {
            continue;
        }
        for cell in &g.cells {
            let who = cell.gender.map(|s| s.plural_id()).unwrap_or("all");
            let band = fit.options.bands[cell.band.unwrap_or(0)].label();
            row(&mut t, format!("  {who}, months {band}"), cell);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_parse_and_must_be_contiguous() {
        let b = parse_bands("0-1,2-5,6-11,12+").unwrap();
        assert_eq!(b.len(), 4);
        assert_eq!(b[3], Band { from: 12, to: None });
        assert_eq!(parse_bands("0-5").unwrap().len(), 2);
        assert!(parse_bands("0-1,3-5")
            .unwrap_err()
            .contains("should start at 2"));
        assert!(parse_bands("0+,2-4")
            .unwrap_err()
            .contains("must be the last"));
        assert!(parse_bands("0-x").unwrap_err().contains("not a band"));
        // The largest month would overflow the next band's start.
        assert!(parse_bands("0-4294967295")
            .unwrap_err()
            .contains("ends after month 1200"));
        assert!(parse_bands("0-1200").is_ok());
    }

    #[test]
    fn score_interval_brackets_the_rate_and_handles_zero() {
        let cell = Cell {
            gender: None,
            band: None,
            people: 100,
            exposure: 1000.0,
            events: [50, 0, 5, 1000],
        };
        let (lo, hi) = cell.interval(0);
        assert!(lo < 0.05 && 0.05 < hi);
        // For large counts it approaches rate ± z·√n/E.
        let (lo, hi) = cell.interval(3);
        assert!((hi - lo - 2.0 * Z95 * 1000f64.sqrt() / 1000.0).abs() < 1e-3);
        let (lo, hi) = cell.interval(1);
        assert_eq!(lo, 0.0);
        assert!((hi - Z95 * Z95 / 1000.0).abs() < 1e-12);
    }
}
