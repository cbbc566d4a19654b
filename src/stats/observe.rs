//! Figures over any window of months, measured on a replication's participations the way a
//! programme's own register would count them: entrants, closures by cause, shares, the
//! caseload's lowest, highest and mean month, months in the programme, person-years, and
//! compositions of closures (by cause, months stayed or attribute category), each
//! optionally for one cohort of entrants, one gender or one group. `backtest` places
//! observed figures among them; `fit` fits the model to them.

use crate::engine::Participation;
use crate::model::{Calendar, ExitCause, Gender, Metric, YearMonth, EXIT_CAUSES};

/// A span of months, inclusive, in a programme's month indices (0 = its start month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRange {
    /// First month.
    pub first: i32,
    /// Last month.
    pub last: i32,
}

impl MonthRange {
    /// Parses `YYYY-MM..YYYY-MM`, `YYYY-MM` (one month) or `YYYY` (a calendar year),
    /// relative to `calendar`'s start.
    pub fn parse(text: &str, calendar: &Calendar) -> Result<MonthRange, String> {
        let month = |s: &str| {
            YearMonth::parse(s)
                .map(|ym| ym.months_since(calendar.start))
                .ok_or_else(|| format!("\"{s}\" is not a month: write YYYY-MM"))
        };
        let t = text.trim();
        let range = if let Some((a, b)) = t.split_once("..") {
            MonthRange {
                first: month(a)?,
                last: month(b)?,
            }
        } else if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
            let first = month(&format!("{t}-01"))?;
            MonthRange {
                first,
                last: first + 11,
            }
        } else {
            let m = month(t).map_err(|_| {
                format!("\"{t}\" is not a window: write YYYY, YYYY-MM or YYYY-MM..YYYY-MM")
            })?;
            MonthRange { first: m, last: m }
        };
        if range.last < range.first {
            return Err(format!("\"{t}\" ends before it starts"));
        }
        Ok(range)
    }

    /// Whether month `m` lies in the range.
    pub fn contains(self, m: i32) -> bool {
        (self.first..=self.last).contains(&m)
    }

    /// The range as text, e.g. `2020-01..2021-06`.
    pub fn display(self, calendar: &Calendar) -> String {
        let (a, b) = (calendar.month(self.first), calendar.month(self.last));
        if a == b {
            a.to_string()
        } else {
            format!("{a}..{b}")
        }
    }
}

/// A set of exit causes, by `ExitCause` index.
pub type Causes = [bool; EXIT_CAUSES];

/// Every cause.
pub const ALL_CAUSES: Causes = [true; EXIT_CAUSES];

/// The causes of one identifier (`work`), of `positive` (work and studies), or of `all`.
pub fn causes_of(id: &str) -> Option<Causes> {
    let mut c = [false; EXIT_CAUSES];
    match id {
        "all" => return Some(ALL_CAUSES),
        "positive" => {
            c[ExitCause::Work as usize] = true;
            c[ExitCause::Studies as usize] = true;
        }
        other => c[crate::records::parse_cause(other)? as usize] = true,
    }
    Some(c)
}

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Participations that started in the window.
    Entrants,
    /// Closures in the window for one of the causes.
    Exits(Causes),
    /// Closures for the first causes over closures for the second.
    Share(Causes, Causes),
    /// The lowest monthly active caseload in the window.
    CaseloadMin,
    /// The highest monthly active caseload.
    CaseloadMax,
    /// The mean monthly active caseload.
    CaseloadMean,
    /// Participants enrolled at some time in the window.
    Participants,
    /// Mean months in the programme of those closed in the window.
    MeanMonthsClosed,
    /// Person-years (årsplatser) in the window.
    PersonYears,
}

impl Measure {
    /// The measure of a yearly metric, where it can be measured on participations (budget
    /// and cost per exit cannot).
    pub fn of_metric(m: Metric) -> Option<Measure> {
        let c = |k: ExitCause| {
            let mut set = [false; EXIT_CAUSES];
            set[k as usize] = true;
            set
        };
        let positive = causes_of("positive").expect("known");
        let mut not_limit = ALL_CAUSES;
        not_limit[ExitCause::TimeLimit as usize] = false;
        Some(match m {
            Metric::PositiveExits => Measure::Exits(positive),
            Metric::PositiveShare => Measure::Share(positive, ALL_CAUSES),
            Metric::PositiveShareExcludingTimeLimit => Measure::Share(positive, not_limit),
            Metric::WorkExits => Measure::Exits(c(ExitCause::Work)),
            Metric::StudiesExits => Measure::Exits(c(ExitCause::Studies)),
            Metric::FkSamverkan => Measure::Exits(c(ExitCause::FkSamverkan)),
            Metric::OtherExits => Measure::Exits(c(ExitCause::Other)),
            Metric::TimeLimitExits => Measure::Exits(c(ExitCause::TimeLimit)),
            Metric::Exits => Measure::Exits(ALL_CAUSES),
            Metric::Entrants => Measure::Entrants,
            Metric::PersonYears => Measure::PersonYears,
            Metric::MeanMonthsClosed => Measure::MeanMonthsClosed,
            Metric::CaseloadMean => Measure::CaseloadMean,
            Metric::CaseloadMin => Measure::CaseloadMin,
            Metric::CaseloadMax => Measure::CaseloadMax,
            Metric::Participants => Measure::Participants,
            Metric::BudgetSek
            | Metric::CostPerPositiveExit
            | Metric::MedianMonthsClosed
            | Metric::FkClosed
            | Metric::FkWorkExits => return None,
        })
    }
}

/// Which participations a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Filter {
    /// Only those who entered in these months.
    pub cohort: Option<MonthRange>,
    /// Only one gender.
    pub gender: Option<Gender>,
    /// Only one group (by index).
    pub group: Option<usize>,
}

impl Filter {
    fn admits(&self, p: &Participation) -> bool {
        self.cohort.is_none_or(|c| c.contains(p.entry))
            && self.gender.is_none_or(|g| g == p.gender)
            && self.group.is_none_or(|g| g == p.group as usize)
    }
}

/// One figure: a measure over a window of months for the participations a filter admits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    /// What is measured.
    pub measure: Measure,
    /// The months.
    pub window: MonthRange,
    /// Whose participations.
    pub filter: Filter,
}

impl Figure {
    /// The figure in one replication's participations (NaN for a share without closures
    /// or a mean without months).
    pub fn value(&self, log: &[Participation]) -> f64 {
        let w = self.window;
        let admitted = log.iter().filter(|p| self.filter.admits(p));
        let closed_in = |p: &&Participation| p.exit.is_some_and(|(m, _)| w.contains(m));
        let cause_in = |p: &Participation, set: &Causes| {
            p.exit
                .is_some_and(|(m, c)| w.contains(m) && set[c as usize])
        };
        match self.measure {
            Measure::Entrants => admitted.filter(|p| w.contains(p.entry)).count() as f64,
            Measure::Exits(set) => admitted.filter(|p| cause_in(p, &set)).count() as f64,
            Measure::Share(of, among) => {
                let (mut hits, mut n) = (0usize, 0usize);
                for p in admitted {
                    hits += usize::from(cause_in(p, &of));
                    n += usize::from(cause_in(p, &among));
                }
                ratio(hits as f64, n as f64)
            }
            Measure::MeanMonthsClosed => {
                let (mut months, mut n) = (0.0, 0.0);
                for p in admitted.filter(closed_in) {
                    let (m, _) = p.exit.expect("closed");
                    months += (m - p.entry + 1) as f64;
                    n += 1.0;
                }
                ratio(months, n)
            }
            Measure::Participants => admitted
                .filter(|p| p.entry <= w.last && p.exit.is_none_or(|(m, _)| m >= w.first))
                .count() as f64,
            Measure::PersonYears => admitted.map(|p| person_years(p, w)).sum(),
            Measure::CaseloadMin | Measure::CaseloadMax | Measure::CaseloadMean => {
                let months = (w.last - w.first + 1) as usize;
                let mut active = vec![0u32; months];
                for p in admitted {
                    let from = p.entry.max(w.first);
                    let to = p.exit.map_or(w.last, |(m, _)| m.min(w.last));
                    for m in from..=to {
                        active[(m - w.first) as usize] += 1;
                    }
                }
                match self.measure {
                    Measure::CaseloadMin => active.iter().copied().min().unwrap_or(0) as f64,
                    Measure::CaseloadMax => active.iter().copied().max().unwrap_or(0) as f64,
                    _ => active.iter().map(|&a| a as f64).sum::<f64>() / months as f64,
                }
            }
        }
    }
}

/// A participation's person-years in window `w`: a twelfth for every month active at its
/// start and end, a twenty-fourth for the month it leaves in (a whole month where it is
/// closed at the time limit, at the month's end).
fn person_years(p: &Participation, w: MonthRange) -> f64 {
    let from = p.entry.max(w.first);
    let (last, half) = match p.exit {
        Some((m, cause)) => (m, cause != ExitCause::TimeLimit),
        None => (w.last, false),
    };
    let to = last.min(w.last);
    if to < from {
        return 0.0;
    }
    let whole = (to - from + 1) as f64 / 12.0;
    if half && last <= w.last {
        whole - 1.0 / 24.0
    } else {
        whole
    }
}

/// `a / b`, NaN when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// The categories a composition of closures is taken over.
#[derive(Debug, Clone, PartialEq)]
pub enum Categories {
    /// Exit causes, grouped: each group a set of causes (the last usually "the rest").
    Causes(Vec<Causes>),
    /// Months stayed: 1–6, 7–12, 13–18, 19 or more.
    Stays,
    /// The categories of one attribute (by index, with its number of categories).
    Attribute(usize, usize),
}

impl Categories {
    /// How many categories there are.
    pub fn len(&self) -> usize {
        match self {
            Categories::Causes(c) => c.len(),
            Categories::Stays => 4,
            Categories::Attribute(_, n) => *n,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A composition: the closures in a window (for some causes, some participations) counted
/// by category.
#[derive(Debug, Clone, PartialEq)]
pub struct Composition {
    /// The categories.
    pub by: Categories,
    /// Closures for these causes only (e.g. those closed to work).
    pub among: Causes,
    /// The months of the closures.
    pub window: MonthRange,
    /// Whose participations.
    pub filter: Filter,
}

impl Composition {
    /// The counts per category in one replication's participations; `categories` gives a
    /// participation's attribute categories from its profile.
    pub fn counts(&self, log: &[Participation], categories: &dyn Fn(u16) -> Vec<u16>) -> Vec<f64> {
        let mut counts = vec![0.0; self.by.len()];
        for p in log.iter().filter(|p| self.filter.admits(p)) {
            let Some((m, cause)) = p.exit else { continue };
            if !self.window.contains(m) || !self.among[cause as usize] {
                continue;
            }
            let k = match &self.by {
                Categories::Causes(groups) => groups.iter().position(|g| g[cause as usize]),
                Categories::Stays => Some((((m - p.entry) / 6) as usize).min(3)),
                Categories::Attribute(a, _) => Some(categories(p.profile)[*a] as usize),
            };
            if let Some(k) = k {
                counts[k] += 1.0;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        Calendar {
            start: YearMonth::parse("2018-02").unwrap(),
            horizon: 23,
            warmup: 0,
        }
    }

    fn closed(entry: i32, exit: i32, cause: ExitCause, gender: Gender) -> Participation {
        Participation {
            team: 0,
            group: 0,
            gender,
            profile: 0,
            entry,
            exit: Some((exit, cause)),
        }
    }

    #[test]
    fn windows_parse_in_the_calendars_months() {
        let c = calendar();
        let r = MonthRange::parse("2018-02..2019-12", &c).unwrap();
        assert_eq!((r.first, r.last), (0, 22));
        let y = MonthRange::parse("2019", &c).unwrap();
        assert_eq!((y.first, y.last), (11, 22));
        assert_eq!(
            MonthRange::parse("2018-03", &c).unwrap(),
            MonthRange { first: 1, last: 1 }
        );
        assert!(MonthRange::parse("2019-12..2019-01", &c).is_err());
        assert!(MonthRange::parse("last year", &c).is_err());
        assert_eq!(r.display(&c), "2018-02..2019-12");
    }

    /// Every measure on a hand-made register of four participations, computed by hand.
    #[test]
    fn figures_count_as_a_register_would() {
        let log = vec![
            closed(0, 2, ExitCause::Work, Gender::Woman),
            closed(1, 12, ExitCause::TimeLimit, Gender::Man),
            closed(3, 5, ExitCause::Other, Gender::Woman),
            Participation {
                exit: None,
                ..closed(4, 0, ExitCause::Other, Gender::Man)
            },
        ];
        let w = MonthRange { first: 0, last: 11 };
        let at = |measure| {
            Figure {
                measure,
                window: w,
                filter: Filter::default(),
            }
            .value(&log)
        };
        assert_eq!(at(Measure::Entrants), 4.0);
        assert_eq!(at(Measure::Exits(ALL_CAUSES)), 2.0);
        assert_eq!(
            at(Measure::Share(causes_of("positive").unwrap(), ALL_CAUSES)),
            0.5
        );
        // Months 0..11: active 1, 2, 2, 2, 3, 3, then 2 for six months.
        assert_eq!(at(Measure::CaseloadMin), 1.0);
        assert_eq!(at(Measure::CaseloadMax), 3.0);
        assert_eq!(at(Measure::CaseloadMean), 25.0 / 12.0);
        assert_eq!(at(Measure::Participants), 4.0);
        assert_eq!(at(Measure::MeanMonthsClosed), 3.0);
        // 3 months (−½), 11 months, 3 months (−½), 8 months: 24 months, in years.
        assert!((at(Measure::PersonYears) - 24.0 / 12.0).abs() < 1e-12);
        let women = Figure {
            measure: Measure::Entrants,
            window: w,
            filter: Filter {
                gender: Some(Gender::Woman),
                cohort: Some(MonthRange { first: 0, last: 0 }),
                ..Filter::default()
            },
        };
        assert_eq!(women.value(&log), 1.0);
        let stays = Composition {
            by: Categories::Stays,
            among: ALL_CAUSES,
            window: MonthRange { first: 0, last: 22 },
            filter: Filter::default(),
        };
        assert_eq!(stays.counts(&log, &|_| vec![]), vec![2.0, 1.0, 0.0, 0.0]);
    }
}
