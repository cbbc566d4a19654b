//! Individual participation records (CSV, one row per participation): dates, reading with
//! row-level errors, and the synthetic records `kraftsim synth` writes.
//!
//! Records are personal data. They are read locally, and nothing taken from a row is
//! copied into a result file: calibration, backtests and nowcasts report aggregates only
//! (error messages on the terminal quote the offending value so it can be found and fixed).
//!
//! Columns: `id` (optional, pseudonymous), `entry` (YYYY-MM-DD), `exit` (empty while
//! enrolled), `cause` (work, studies, fk_samverkan, other, max_duration; empty while
//! enrolled), `group`, `gender` (women/men), `team` (optional, 1-based); any other column
//! is an attribute (its values are attribute categories).

use std::fmt;
use std::path::Path;

use rand::Rng;

use crate::engine::rng::{stream, Purpose};
use crate::engine::{Engine, Participation};
use crate::model::calendar::YearMonth;
use crate::model::{Enrolled, ExitCause, Gender, Programme, Resume};

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Calendar year.
    pub year: i32,
    /// Month of the year, 1..=12.
    pub month: u32,
    /// Day of the month, 1-based.
    pub day: u32,
}

/// Days in a month of a year (Gregorian).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The years a participation's dates may fall in: a date outside them is a placeholder or a
/// typo, and would stretch the observation window (and divide every rate) silently.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

impl Date {
    /// Parses `YYYY-MM-DD` (ASCII digits); `None` for anything else, including days that
    /// do not exist.
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10
            || b[4] != b'-'
            || b[7] != b'-'
            || !digits(0..4)
            || !digits(5..7)
            || !digits(8..10)
        {
            return None;
        }
        let ym = YearMonth::parse(&text[..7])?;
        let day: u32 = text[8..].parse().ok()?;
        (1..=days_in_month(ym.year, ym.month))
            .contains(&day)
            .then_some(Date {
                year: ym.year,
                month: ym.month,
                day,
            })
    }

    /// The first day of a month.
    pub fn first_of(ym: YearMonth) -> Date {
        Date {
            year: ym.year,
            month: ym.month,
            day: 1,
        }
    }

    /// The last day of a month.
    pub fn last_of(ym: YearMonth) -> Date {
        Date {
            year: ym.year,
            month: ym.month,
            day: days_in_month(ym.year, ym.month),
        }
    }

    /// The calendar month of the day.
    pub fn year_month(self) -> YearMonth {
        YearMonth {
            year: self.year,
            month: self.month,
        }
    }

    /// Time in months (since year 0) at the start of the day: each calendar month counts
    /// as one, its days as equal fractions, as the engine's monthly hazards count time.
    pub fn start(self) -> f64 {
        let dim = days_in_month(self.year, self.month) as f64;
        (self.year as f64 * 12.0 + (self.month - 1) as f64) + (self.day - 1) as f64 / dim
    }

    /// Time in months at the middle of the day, where an exit on that day is placed.
    pub fn middle(self) -> f64 {
        self.start() + 0.5 / days_in_month(self.year, self.month) as f64
    }

    /// Time in months at the end of the day.
    pub fn end(self) -> f64 {
        self.start() + 1.0 / days_in_month(self.year, self.month) as f64
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One participation as read from a records file.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Line of the file the row was on (1 = header).
    pub line: u64,
    /// Day of entry.
    pub entry: Date,
    /// Day and cause of the exit; `None` while enrolled.
    pub exit: Option<(Date, ExitCause)>,
    /// Group identifier.
    pub group: String,
    /// Gender.
    pub gender: Gender,
    /// Team index (0-based), if given.
    pub team: Option<usize>,
    /// Attribute values, in the order of [`Records::attributes`] (empty = not given).
    pub attributes: Vec<String>,
}

/// What was wrong with one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The file.
    pub origin: String,
    /// Line in the file.
    pub line: u64,
    /// Column name.
    pub column: String,
    /// The value found.
    pub value: String,
    /// What is wrong and what is allowed.
    pub problem: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: column {} = \"{}\": {}",
            self.origin, self.line, self.column, self.value, self.problem
        )
    }
}

/// Why a records file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The header lacks a required column or repeats one.
    #[error("{origin}:1: {problem}")]
    Header {
        /// The file.
        origin: String,
        /// What is wrong.
        problem: String,
    },
    /// A row is not valid CSV (e.g. a different number of fields).
    #[error("{origin}:{line}: {problem}")]
    Csv {
        /// The file.
        origin: String,
        /// Line.
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// The header cannot be read as CSV (the message names file and line).
    #[error("{0}")]
    Unreadable(String),
    /// A row has a bad value (and bad rows are not skipped).
    #[error("{0} (use --skip-bad-rows to leave such rows out and count them)")]
    Row(RowError),
}

/// The rows of a records file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    /// Valid rows.
    pub rows: Vec<Record>,
    /// Names of the attribute columns.
    pub attributes: Vec<String>,
    /// Rows left out because of a bad value (only with skipping on).
    pub skipped: Vec<RowError>,
    /// Whether the file has a team column.
    pub has_team: bool,
}

impl Records {
    /// The latest day named anywhere in the records (entries and exits).
    pub fn latest(&self) -> Option<Date> {
        self.rows
            .iter()
            .flat_map(|r| std::iter::once(r.entry).chain(r.exit.map(|e| e.0)))
            .max()
    }

    /// A summary of skipped rows for the terminal: how many, and the first of them.
    pub fn skipped_note(&self) -> Option<String> {
        let first = self.skipped.first()?;
        Some(format!(
            "{} bad row(s) left out; the first: {first}",
            self.skipped.len()
        ))
    }
}

/// Reads a records file.
pub fn read(path: &Path, skip_bad_rows: bool) -> Result<Records, RecordsError> {
    let text = std::fs::read_to_string(path).map_err(|e| RecordsError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    parse(&text, &path.display().to_string(), skip_bad_rows)
}

/// Parses records text; `origin` names it in messages.
pub fn parse(text: &str, origin: &str, skip_bad_rows: bool) -> Result<Records, RecordsError> {
    let (mut reader, header) = csv_reader(text, origin).map_err(RecordsError::Unreadable)?;
    let column = |name: &str| header.iter().position(|h| h == name);
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(RecordsError::Header {
                origin: origin.to_string(),
                problem: format!("column {h} appears twice"),
            });
        }
    }
    let mut required = [0usize; 5];
    for (slot, name) in required
        .iter_mut()
        .zip(["entry", "exit", "cause", "group", "gender"])
    {
        *slot = column(name).ok_or_else(|| RecordsError::Header {
            origin: origin.to_string(),
            problem: format!(
                "no {name} column: the header must name id (optional), entry, exit, cause, \
                 group, gender, team (optional) and any attribute columns"
            ),
        })?;
    }
    let [c_entry, c_exit, c_cause, c_group, c_gender] = required;
    let c_team = column("team");
    let known = ["id", "entry", "exit", "cause", "group", "gender", "team"];
    let attribute_columns: Vec<usize> = (0..header.len())
        .filter(|&i| !known.contains(&header[i].as_str()))
        .collect();
    let mut records = Records {
        attributes: attribute_columns
            .iter()
            .map(|&i| header[i].clone())
            .collect(),
        has_team: c_team.is_some(),
        ..Records::default()
    };
    for row in reader.records() {
        let row = row.map_err(|e| RecordsError::Csv {
            origin: origin.to_string(),
            line: e.position().map_or(0, |p| p.line()),
            problem: e.to_string(),
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let bad = |c: usize, problem: String| RowError {
            origin: origin.to_string(),
            line,
            column: header[c].clone(),
            value: field(c).to_string(),
            problem,
        };
        let result = (|| {
            let date = |c: usize, t: &str| {
                let d =
                    Date::parse(t).ok_or_else(|| bad(c, "not a date: use YYYY-MM-DD".into()))?;
                if !(PLAUSIBLE_YEARS).contains(&d.year) {
                    return Err(bad(
                        c,
                        format!(
                            "outside {}–{}: a placeholder such as 9999-12-31 or 0001-01-01? \
                             Leave exit and cause empty while a participant is enrolled",
                            PLAUSIBLE_YEARS.start(),
                            PLAUSIBLE_YEARS.end()
                        ),
                    ));
                }
                Ok(d)
            };
            let entry = date(c_entry, field(c_entry))?;
            let exit = match field(c_exit) {
                "" => None,
                t => Some(date(c_exit, t)?),
            };
            let cause = match field(c_cause) {
                "" => None,
                t => Some(parse_cause(t).ok_or_else(|| {
                    bad(
                        c_cause,
                        "unknown exit cause: use work, studies, fk_samverkan, other or \
                         max_duration"
                            .into(),
                    )
                })?),
            };
            let exit = match (exit, cause) {
                (None, None) => None,
                (Some(d), Some(c)) => {
                    if d < entry {
                        return Err(bad(c_exit, format!("before the entry date {entry}")));
                    }
                    Some((d, c))
                }
                (Some(_), None) => {
                    return Err(bad(
                        c_cause,
                        "empty although the row has an exit date: give the cause".into(),
                    ))
                }
                (None, Some(_)) => {
                    return Err(bad(
                        c_exit,
                        "empty although the row has an exit cause: give the date".into(),
                    ))
                }
            };
            let group = field(c_group).to_string();
            if group.is_empty() {
                return Err(bad(c_group, "empty: every row needs its group".into()));
            }
            let gender = parse_gender(field(c_gender))
                .ok_or_else(|| bad(c_gender, "unknown gender: use women or men".into()))?;
            let team = match c_team.map(field) {
                None | Some("") => None,
                Some(t) => Some(
                    t.parse::<usize>().ok().filter(|&n| n >= 1).ok_or_else(|| {
                        bad(c_team.unwrap_or(0), "not a team number (1, 2, …)".into())
                    })? - 1,
                ),
            };
            Ok(Record {
                line,
                entry,
                exit,
                group,
                gender,
                team,
                attributes: attribute_columns
                    .iter()
                    .map(|&i| field(i).to_string())
                    .collect(),
            })
        })();
        match result {
            Ok(r) => records.rows.push(r),
            Err(e) if skip_bad_rows => records.skipped.push(e),
            Err(e) => return Err(RecordsError::Row(e)),
        }
    }
    Ok(records)
}

/// A CSV reader over `text` (fields trimmed) and its header, lower-cased and without a
/// byte-order mark, as every input file of kraftsim is read.
pub fn csv_reader<'a>(
    text: &'a str,
    origin: &str,
) -> Result<(csv::Reader<&'a [u8]>, Vec<String>), String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("{origin}:1: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    Ok((reader, header))
}

/// The message for a group name the scenario does not have, listing those it has.
pub fn unknown_group(name: &str, groups: &[&str]) -> String {
    format!(
        "group \"{name}\" is not a group of the scenario (its groups: {})",
        groups.join(", ")
    )
}

/// An exit cause from its identifier (case-insensitive; `max_duration`, the name before
/// the time limit became a policy, is read as `time_limit`).
pub fn parse_cause(text: &str) -> Option<ExitCause> {
    let t = text.trim().to_lowercase();
    if t == "max_duration" {
        return Some(ExitCause::TimeLimit);
    }
    ExitCause::ALL.into_iter().find(|c| c.id() == t)
}

/// A gender from `women`/`men` and their usual spellings (woman, female, f, k, kvinna;
/// man, male, m).
pub fn parse_gender(text: &str) -> Option<Gender> {
    match text.trim().to_lowercase().as_str() {
        "women" | "woman" | "female" | "f" | "w" | "k" | "kvinna" => Some(Gender::Woman),
        "men" | "man" | "male" | "m" => Some(Gender::Man),
        _ => None,
    }
}

/// Synthetic records of one replication's participations, as CSV: entries on the first
/// day of their month, exits on a uniformly drawn day of their month (the last day for
/// `max_duration`), the order by entry, team, group and gender, ids `S000001`, ….
/// Participations that began before the first simulated month (an initial caseload) are
/// written with their nominal entry date; the engine did not simulate those months.
pub fn synthetic_csv(
    engine: &Engine,
    log: &[Participation],
    seed: u64,
    replication: u64,
) -> Vec<u8> {
    let p = engine.programme();
    let mut rows: Vec<&Participation> = log.iter().collect();
    rows.sort_by_key(|r| (r.entry, r.team, r.group, r.gender as u8));
    let mut rng = stream(seed, replication, Purpose::Records, 0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["id", "entry", "exit", "cause", "group", "gender", "team"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(p.attributes.iter().map(|a| a.id.clone()));
    w.write_record(&header).expect("writing to memory");
    for (i, r) in rows.iter().enumerate() {
        let entry = Date::first_of(p.calendar.month(r.entry));
        let (exit, cause) = match r.exit {
            None => (String::new(), String::new()),
            Some((m, c)) => {
                let ym = p.calendar.month(m);
                let day = if c == ExitCause::TimeLimit {
                    days_in_month(ym.year, ym.month)
                } else {
                    rng.random_range(1..=days_in_month(ym.year, ym.month))
                };
                (
                    Date {
                        year: ym.year,
                        month: ym.month,
                        day,
                    }
                    .to_string(),
                    c.id().to_string(),
                )
            }
        };
        let mut row = vec![
            format!("S{:06}", i + 1),
            entry.to_string(),
            exit,
            cause,
            p.groups[r.group as usize].name.clone(),
            r.gender.plural_id().to_string(),
            (r.team + 1).to_string(),
        ];
        let cats = engine.profile_categories(r.profile);
        row.extend(
            p.attributes
                .iter()
                .zip(&cats)
                .map(|(a, &k)| a.categories[k as usize].clone()),
        );
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The state of a programme at the end of month `as_of`, from its records: the caseload
/// then enrolled (group, gender, entry month, team and attribute categories where the
/// records give them) and the exits and entrants observed from the start of that year
/// (or of the calendar, if later) through `as_of`. The simulation resumes the month after.
pub fn state(records: &Records, p: &Programme, as_of: YearMonth) -> Result<Resume, String> {
    let start = p.calendar.start;
    let m_asof = as_of.months_since(start);
    if m_asof < 0 || m_asof + 1 >= p.calendar.horizon as i32 {
        return Err(format!(
            "--as-of {as_of} is outside the scenario's horizon: give a month from {start} to \
             {} (at least one month must remain to simulate)",
            p.calendar.month(p.calendar.horizon as i32 - 2)
        ));
    }
    let end = Date::last_of(as_of);
    let year_start = YearMonth {
        year: as_of.year,
        month: 1,
    }
    .max(start);
    // Attribute columns named like the scenario's attributes give participants' categories.
    let columns: Option<Vec<usize>> = p
        .attributes
        .iter()
        .map(|a| records.attributes.iter().position(|c| *c == a.id))
        .collect();
    let group_of = |r: &Record| {
        p.group_index(&r.group).ok_or_else(|| {
            let names: Vec<&str> = p.groups.iter().map(|g| g.name.as_str()).collect();
            format!("line {}: {}", r.line, unknown_group(&r.group, &names))
        })
    };
    let mut resume = Resume {
        month: m_asof + 1,
        ..Resume::default()
    };
    for r in &records.rows {
        if r.entry > end {
            continue;
        }
        let group = group_of(r)?;
        let entry = r.entry.year_month().months_since(start);
        if r.entry.year_month() >= year_start {
            resume.entrants.push(((entry) as usize, group, r.gender, 1));
        }
        match r.exit {
            Some((d, cause)) if d <= end => {
                if d.year_month() >= year_start {
                    let m = d.year_month().months_since(start) as usize;
                    resume.exits.push((m, group, r.gender, cause, 1));
                }
            }
            _ => {
                let categories = match &columns {
                    Some(cols) if !p.attributes.is_empty() => {
                        let mut cats = Vec::with_capacity(cols.len());
                        for (a, &c) in p.attributes.iter().zip(cols) {
                            let v = &r.attributes[c];
                            let k = a.categories.iter().position(|x| x == v).ok_or_else(|| {
                                format!(
                                    "line {}: column {} = \"{v}\": not a category of attribute \
                                     {} (its categories: {})",
                                    r.line,
                                    a.id,
                                    a.id,
                                    a.categories.join(", ")
                                )
                            })?;
                            cats.push(k as u16);
                        }
                        Some(cats)
                    }
                    _ => None,
                };
                resume.caseload.push(Enrolled {
                    team: r.team.filter(|&t| t < p.teams.len()),
                    group,
                    gender: r.gender,
                    entry,
                    categories,
                });
            }
        }
    }
    Ok(resume)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_measure_months() {
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        assert_eq!(Date::parse("2025-02-29"), None);
        assert_eq!(Date::parse("2025-13-01"), None);
        assert_eq!(Date::parse("2025-1-01"), None);
        // Multi-byte characters, signs and spaces are not digits (and never split a char).
        assert_eq!(Date::parse("2025-0é-1"), None);
        assert_eq!(Date::parse("+999-01-01"), None);
        assert_eq!(Date::parse("2025-+1-01"), None);
        assert_eq!(Date::parse("2025-01- 1"), None);
        let a = Date::parse("2025-01-01").unwrap();
        let b = Date::parse("2025-03-01").unwrap();
        assert!((b.start() - a.start() - 2.0).abs() < 1e-12);
        let end = Date::parse("2025-01-31").unwrap();
        assert!((end.end() - a.start() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_rows_name_line_column_and_value() {
        let text = "id,entry,exit,cause,group,gender\n\
                    1,2025-01-01,,,af_job,women\n\
                    2,2025-01-01,2024-12-01,work,af_job,men\n\
                    3,2025-01-01,2025-02-03,job,af_job,men\n";
        let err = parse(text, "r.csv", false).unwrap_err().to_string();
        assert!(
            err.contains("r.csv:3: column exit = \"2024-12-01\""),
            "{err}"
        );
        let ok = parse(text, "r.csv", true).unwrap();
        assert_eq!(ok.rows.len(), 1);
        assert_eq!(ok.skipped.len(), 2);
        assert_eq!(ok.skipped[1].line, 4);
        assert_eq!(ok.skipped[1].column, "cause");
    }

    #[test]
    fn missing_columns_are_named() {
        let err = parse("entry,exit,group\n", "r.csv", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no cause column"), "{err}");
    }
}
