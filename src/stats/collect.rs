//! Aggregating replications as they finish. Per replication only a few integer base
//! counts per year are kept (what exact quantiles and target probabilities need); monthly
//! series go into exact integer histograms and per-team sums, whose merging does not depend
//! on the order replications finish in. Memory is therefore
//! `replications × years × (ANNUAL_COLUMNS × 4 + 8)` bytes plus a fixed amount.

use crate::engine::{Trajectory, STAY_BANDS};
use crate::model::{ExitCause, ReportYear, EXIT_CAUSES};

use super::Histogram;

/// A base count stored per replication and year (gender-specific ones per gender).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnualColumn {
    /// Exits to work.
    Work = 0,
    /// Exits to studies.
    Studies = 1,
    /// Exits to the AF/FK collaboration.
    FkSamverkan = 2,
    /// Exits for other reasons.
    Other = 3,
    /// Closures at the time limit.
    TimeLimit = 4,
    /// Entrants.
    Entrants = 5,
    /// Person-years in units of 1/24.
    PersonYears24 = 6,
}

/// Gender-specific columns per gender.
pub const GENDER_COLUMNS: usize = 7;
/// Column of the first stay band (1–6 months); bands follow.
pub const STAY_COLUMN: usize = 2 * GENDER_COLUMNS;
/// Column of declined referrals.
pub const DECLINED_COLUMN: usize = STAY_COLUMN + STAY_BANDS;
/// Column of the waiting list at the end of the year.
pub const WAITING_COLUMN: usize = DECLINED_COLUMN + 1;
/// Column of referrals turned away by the target-group definition.
pub const INELIGIBLE_COLUMN: usize = WAITING_COLUMN + 1;
/// First of the caseload planner's gender-specific columns ([`PlannerColumn`]), women then
/// men.
pub const PLANNER_COLUMN: usize = INELIGIBLE_COLUMN + 1;
/// First of the columns that do not add up over genders ([`Spread`]), each for everyone,
/// women and men.
pub const SPREAD_COLUMN: usize = PLANNER_COLUMN + 2 * PLANNER_COLUMNS;
/// Columns per replication and year.
pub const ANNUAL_COLUMNS: usize = SPREAD_COLUMN + 3 * SPREADS;

/// A caseload planner's count stored per replication, year and gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannerColumn {
    /// Months in the programme of those closed, summed (with the closures, the mean).
    StayMonths = 0,
    /// Participants enrolled at the start of the year, before its first intake.
    StartCaseload = 1,
    /// Active participants after intake, summed over the year's months.
    CaseloadMonths = 2,
    /// Closures of FK cases (groups with an fk_samverkan hazard), every cause.
    FkClosed = 3,
    /// FK cases closed to work.
    FkWork = 4,
}

/// Planner columns per gender.
pub const PLANNER_COLUMNS: usize = 5;

/// A per-replication, per-year figure that does not add up over genders, stored for
/// everyone, women and men.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// The lowest monthly active caseload of the year.
    CaseloadMin = 0,
    /// The highest monthly active caseload of the year.
    CaseloadMax = 1,
    /// Twice the median months in the programme of those closed in the year (0 without
    /// closures).
    MedianStay2 = 2,
}

/// Spread columns per population (everyone, women, men).
pub const SPREADS: usize = 3;

/// Column of a planner count for gender index `s`.
pub fn planner(c: PlannerColumn, s: usize) -> usize {
    PLANNER_COLUMN + s * PLANNER_COLUMNS + c as usize
}

/// Column of a spread figure for everyone (`None`) or a gender.
pub fn spread(c: Spread, gender: Option<usize>) -> usize {
    SPREAD_COLUMN + 3 * c as usize + gender.map_or(0, |s| s + 1)
}

/// Column of a gender-specific count for gender index `s` (0 women, 1 men).
pub fn column(c: AnnualColumn, s: usize) -> usize {
    s * GENDER_COLUMNS + c as usize
}

/// A monthly series summarised with exact histograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Entrants, women.
    EntrantsWomen,
    /// Entrants, men.
    EntrantsMen,
    /// Entrants.
    Entrants,
    /// Active after intake, women.
    ActiveWomen,
    /// Active after intake, men.
    ActiveMen,
    /// Active after intake.
    Active,
    /// Exits to work or studies, women.
    PositiveWomen,
    /// Exits to work or studies, men.
    PositiveMen,
    /// Exits to work or studies.
    Positive,
    /// Exits to work.
    Work,
    /// Exits to studies.
    Studies,
    /// Exits to the AF/FK collaboration.
    FkSamverkan,
    /// Other exits.
    Other,
    /// Maximum-duration exits.
    TimeLimit,
    /// All exits.
    Exits,
    /// Person-years in units of 1/24.
    PersonYears24,
    /// Waiting list after intake.
    Waiting,
    /// Declined referrals.
    Declined,
    /// Cost in thousands of SEK.
    CostKsek,
    /// Largest team caseload.
    MaxTeamCaseload,
    /// Exits to work or studies so far in the calendar year (resets each January).
    PositiveYearToDate,
}

impl Series {
    /// Every series, in output order.
    pub const ALL: [Series; 21] = [
        Series::EntrantsWomen,
        Series::EntrantsMen,
        Series::Entrants,
        Series::ActiveWomen,
        Series::ActiveMen,
        Series::Active,
        Series::PositiveWomen,
        Series::PositiveMen,
        Series::Positive,
        Series::Work,
        Series::Studies,
        Series::FkSamverkan,
        Series::Other,
        Series::TimeLimit,
        Series::Exits,
        Series::PersonYears24,
        Series::Waiting,
        Series::Declined,
        Series::CostKsek,
        Series::MaxTeamCaseload,
        Series::PositiveYearToDate,
    ];

    /// Column name in the monthly CSV (person-years and cost are rescaled on output).
    pub fn id(self) -> &'static str {
        match self {
            Series::EntrantsWomen => "entrants_women",
            Series::EntrantsMen => "entrants_men",
            Series::Entrants => "entrants",
            Series::ActiveWomen => "active_women",
            Series::ActiveMen => "active_men",
            Series::Active => "active",
            Series::PositiveWomen => "positive_exits_women",
            Series::PositiveMen => "positive_exits_men",
            Series::Positive => "positive_exits",
            Series::Work => "work_exits",
            Series::Studies => "studies_exits",
            Series::FkSamverkan => "fk_samverkan",
            Series::Other => "other_exits",
            Series::TimeLimit => "time_limit_exits",
            Series::Exits => "exits",
            Series::PersonYears24 => "person_years",
            Series::Waiting => "waiting",
            Series::Declined => "declined",
            Series::CostKsek => "cost_sek",
            Series::MaxTeamCaseload => "max_team_caseload",
            Series::PositiveYearToDate => "positive_exits_year_to_date",
        }
    }

    /// Factor from the stored integer to the reported unit.
    pub fn scale(self) -> f64 {
        match self {
            Series::PersonYears24 => 1.0 / 24.0,
            Series::CostKsek => 1000.0,
            _ => 1.0,
        }
    }
}

/// Order-independent monthly aggregates of a set of replications.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthlyAggregate {
    /// `[month][series]` histograms.
    pub histograms: Vec<Histogram>,
    /// Sum of each team's caseload over replications, `[month][team]`.
    pub team_sums: Vec<u64>,
    /// Sums of the gender-specific annual columns, `[year][group][gender][column]`.
    pub group_sums: Vec<u64>,
    /// Sums of exits and entrants (the first six gender-specific columns) by attribute
    /// category, `[year][category][gender][column]`.
    pub category_sums: Vec<u64>,
    /// Monthly series values of replications not yet added to `histograms`,
    /// `[replication][month][series]`: added a batch at a time, histogram by histogram,
    /// so a replication does not touch every histogram's memory (hundreds of cache lines)
    /// between two runs of the engine.
    pending: Vec<i64>,
}

/// Replications whose monthly series wait in [`MonthlyAggregate::pending`].
const PENDING: usize = 16;

impl MonthlyAggregate {
    /// Adds another aggregate (integer sums: any grouping gives the same result).
    pub fn merge(mut self, mut other: MonthlyAggregate) -> MonthlyAggregate {
        self.flush();
        other.flush();
        if self.histograms.is_empty() {
            return other;
        }
        if other.histograms.is_empty() {
            return self;
        }
        for (a, b) in self.histograms.iter_mut().zip(&other.histograms) {
            a.merge(b);
        }
        for (a, b) in self.team_sums.iter_mut().zip(&other.team_sums) {
            *a += b;
        }
        for (a, b) in self.group_sums.iter_mut().zip(&other.group_sums) {
            *a += b;
        }
        for (a, b) in self.category_sums.iter_mut().zip(&other.category_sums) {
            *a += b;
        }
        self
    }

    /// Adds the pending replications' values to the histograms.
    pub fn flush(&mut self) {
        let width = self.histograms.len();
        if width == 0 || self.pending.is_empty() {
            return;
        }
        for (h, histogram) in self.histograms.iter_mut().enumerate() {
            for row in self.pending.chunks_exact(width) {
                histogram.add(row[h]);
            }
        }
        self.pending.clear();
    }
}

/// Everything kept of a run's replications.
#[derive(Debug, Clone)]
pub struct Collector {
    /// Reported years.
    pub years: Vec<ReportYear>,
    /// Number of groups.
    pub groups: usize,
    /// Number of teams.
    pub teams: usize,
    /// Reported months.
    pub months: usize,
    /// Attribute categories over all attributes.
    pub categories: usize,
    /// Whether each group's participants are FK cases (they have an fk_samverkan hazard).
    pub fk_groups: Vec<bool>,
    /// The structural readings of the calibration's draws (empty without draws).
    pub readings: Vec<String>,
    /// The reading of each draw; replication `i` ran draw `i mod len`.
    pub reading_of_draw: Vec<usize>,
    /// Base counts, `[replication][year][column]`.
    pub annual: Vec<u32>,
    /// Budget in SEK, `[replication][year]`.
    pub budget: Vec<i64>,
    /// Monthly aggregates.
    pub monthly: MonthlyAggregate,
}

impl Collector {
    /// Storage for `replications` replications.
    pub fn new(
        years: Vec<ReportYear>,
        groups: usize,
        teams: usize,
        months: usize,
        categories: usize,
        replications: usize,
    ) -> Collector {
        let y = years.len();
        Collector {
            annual: vec![0; replications * y * ANNUAL_COLUMNS],
            budget: vec![0; replications * y],
            years,
            groups,
            teams,
            months,
            categories,
            fk_groups: vec![false; groups],
            readings: Vec::new(),
            reading_of_draw: Vec::new(),
            monthly: MonthlyAggregate::default(),
        }
    }

    /// The reading of replication `rep`'s draw, where the run had a calibration's draws.
    pub fn reading_of(&self, rep: usize) -> Option<usize> {
        (!self.reading_of_draw.is_empty())
            .then(|| self.reading_of_draw[rep % self.reading_of_draw.len()])
    }

    /// Number of replications stored.
    pub fn replications(&self) -> usize {
        self.budget.len() / self.years.len().max(1)
    }

    /// Appends the replications of `later`, which must follow this collector's in
    /// replication order and come from the same programme.
    pub fn append(&mut self, later: Collector) {
        debug_assert_eq!(self.years, later.years);
        self.annual.extend_from_slice(&later.annual);
        self.budget.extend_from_slice(&later.budget);
        self.monthly = std::mem::take(&mut self.monthly).merge(later.monthly);
    }

    /// An empty monthly aggregate of the right shape.
    pub fn empty_aggregate(&self) -> MonthlyAggregate {
        MonthlyAggregate {
            histograms: vec![Histogram::default(); self.months * Series::ALL.len()],
            team_sums: vec![0; self.months * self.teams],
            group_sums: vec![0; self.years.len() * self.groups * 2 * GENDER_COLUMNS],
            category_sums: vec![0; self.years.len() * self.categories * 2 * GENDER_COLUMNS],
            pending: Vec::new(),
        }
    }

    /// A stored base count.
    pub fn value(&self, replication: usize, year: usize, column: usize) -> u32 {
        self.annual[(replication * self.years.len() + year) * ANNUAL_COLUMNS + column]
    }

    /// A stored budget.
    pub fn budget_of(&self, replication: usize, year: usize) -> i64 {
        self.budget[replication * self.years.len() + year]
    }

    /// Records one replication: its annual row(s) into `annual`/`budget` (the slices of
    /// this replication) and its monthly series into `acc`.
    pub fn record(
        (years, fk_groups): (&[ReportYear], &[bool]),
        t: &Trajectory,
        annual: &mut [u32],
        budget: &mut [i64],
        acc: &mut MonthlyAggregate,
    ) {
        let groups = t.groups;
        for (yi, y) in years.iter().enumerate() {
            let row = &mut annual[yi * ANNUAL_COLUMNS..(yi + 1) * ANNUAL_COLUMNS];
            row.fill(0);
            let mut cost = 0i64;
            for m in y.first_month as usize..(y.first_month + y.months) as usize {
                for g in 0..groups {
                    for s in 0..2 {
                        let cell = t.cell(m, g, s);
                        let mut add = [0u32; GENDER_COLUMNS];
                        for k in 0..EXIT_CAUSES {
                            add[k] = t.exits[cell * EXIT_CAUSES + k];
                        }
                        add[AnnualColumn::Entrants as usize] = t.entrants[cell];
                        add[AnnualColumn::PersonYears24 as usize] = t.person_years_24[cell];
                        let gs = ((yi * groups + g) * 2 + s) * GENDER_COLUMNS;
                        for c in 0..GENDER_COLUMNS {
                            row[s * GENDER_COLUMNS + c] += add[c];
                            acc.group_sums[gs + c] += add[c] as u64;
                        }
                    }
                }
                for b in 0..STAY_BANDS {
                    row[STAY_COLUMN + b] += t.stays[m * STAY_BANDS + b];
                }
                row[DECLINED_COLUMN] += t.declined[m];
                row[INELIGIBLE_COLUMN] += t.ineligible[m];
                // Rows `[category][gender]` of the month's counts and of the year's sums,
                // walked in step.
                let rows = t.categories * 2;
                let sums =
                    &mut acc.category_sums[yi * rows * GENDER_COLUMNS..][..rows * GENDER_COLUMNS];
                let exits = &t.category_exits[m * rows * EXIT_CAUSES..][..rows * EXIT_CAUSES];
                let entrants = &t.category_entrants[m * rows..][..rows];
                for ((sum, exits), &entered) in sums
                    .chunks_exact_mut(GENDER_COLUMNS)
                    .zip(exits.chunks_exact(EXIT_CAUSES))
                    .zip(entrants)
                {
                    for (sum, &n) in sum.iter_mut().zip(exits) {
                        *sum += n as u64;
                    }
                    sum[AnnualColumn::Entrants as usize] += entered as u64;
                }
                row[WAITING_COLUMN] = t.waiting[m];
                cost += t.cost_sek[m];
            }
            budget[yi] = cost;
            planner_columns(y, t, fk_groups, row);
        }
        let mut year_to_date = 0i64;
        for m in 0..t.months {
            let mut v = [0i64; Series::ALL.len()];
            for g in 0..groups {
                for s in 0..2 {
                    let cell = t.cell(m, g, s);
                    let e = &t.exits[cell * EXIT_CAUSES..(cell + 1) * EXIT_CAUSES];
                    let pos = (e[ExitCause::Work as usize] + e[ExitCause::Studies as usize]) as i64;
                    v[Series::EntrantsWomen as usize + s] += t.entrants[cell] as i64;
                    v[Series::ActiveWomen as usize + s] += t.active[cell] as i64;
                    v[Series::PositiveWomen as usize + s] += pos;
                    for k in 0..EXIT_CAUSES {
                        v[Series::Work as usize + k] += e[k] as i64;
                        v[Series::Exits as usize] += e[k] as i64;
                    }
                    v[Series::PersonYears24 as usize] += t.person_years_24[cell] as i64;
                }
            }
            v[Series::Entrants as usize] =
                v[Series::EntrantsWomen as usize] + v[Series::EntrantsMen as usize];
            v[Series::Active as usize] =
                v[Series::ActiveWomen as usize] + v[Series::ActiveMen as usize];
            v[Series::Positive as usize] =
                v[Series::PositiveWomen as usize] + v[Series::PositiveMen as usize];
            if years.iter().any(|y| y.first_month as usize == m) {
                year_to_date = 0;
            }
            year_to_date += v[Series::Positive as usize];
            v[Series::PositiveYearToDate as usize] = year_to_date;
            v[Series::Waiting as usize] = t.waiting[m] as i64;
            v[Series::Declined as usize] = t.declined[m] as i64;
            v[Series::CostKsek as usize] = (t.cost_sek[m] as f64 / 1000.0).round() as i64;
            let teams = &t.team_active[m * t.teams..(m + 1) * t.teams];
            v[Series::MaxTeamCaseload as usize] = teams.iter().copied().max().unwrap_or(0) as i64;
            acc.pending.extend_from_slice(&v);
            for (sum, &n) in acc.team_sums[m * t.teams..(m + 1) * t.teams]
                .iter_mut()
                .zip(teams)
            {
                *sum += n as u64;
            }
        }
        if acc.pending.len() >= PENDING * acc.histograms.len() {
            acc.flush();
        }
    }
}

/// The caseload planner's figures of year `y` into its row: months in the programme of
/// those closed, caseload at the start, per month and at its lowest and highest, FK cases
/// closed and to work, and the median stay.
fn planner_columns(y: &ReportYear, t: &Trajectory, fk_groups: &[bool], row: &mut [u32]) {
    let months = y.first_month as usize..(y.first_month + y.months) as usize;
    let mut stays = vec![0u32; 2 * t.longest];
    let (mut lowest, mut highest) = ([u32::MAX; 3], [0u32; 3]);
    for m in months.clone() {
        let mut active = [0u32; 2];
        for g in 0..t.groups {
            for s in 0..2 {
                let cell = t.cell(m, g, s);
                active[s] += t.active[cell];
                if fk_groups[g] {
                    let exits = &t.exits[cell * EXIT_CAUSES..(cell + 1) * EXIT_CAUSES];
                    row[planner(PlannerColumn::FkClosed, s)] += exits.iter().sum::<u32>();
                    row[planner(PlannerColumn::FkWork, s)] += exits[ExitCause::Work as usize];
                }
            }
        }
        for (s, &a) in active.iter().enumerate() {
            row[planner(PlannerColumn::CaseloadMonths, s)] += a;
        }
        for (i, a) in [active[0] + active[1], active[0], active[1]]
            .into_iter()
            .enumerate()
        {
            lowest[i] = lowest[i].min(a);
            highest[i] = highest[i].max(a);
        }
        let month = &t.stay_months[m * 2 * t.longest..(m + 1) * 2 * t.longest];
        for (sum, &n) in stays.iter_mut().zip(month) {
            *sum += n;
        }
    }
    let first = y.first_month as usize;
    for s in 0..2 {
        let (active, entered): (u32, u32) = (0..t.groups)
            .map(|g| {
                let cell = t.cell(first, g, s);
                (t.active[cell], t.entrants[cell])
            })
            .fold((0, 0), |(a, e), (x, y)| (a + x, e + y));
        row[planner(PlannerColumn::StartCaseload, s)] = active.saturating_sub(entered);
        let by_months = &stays[s * t.longest..(s + 1) * t.longest];
        row[planner(PlannerColumn::StayMonths, s)] = by_months
            .iter()
            .enumerate()
            .map(|(d, &n)| (d as u32 + 1) * n)
            .sum();
    }
    for i in 0..3 {
        row[spread(
            Spread::CaseloadMin,
            Some(i).filter(|&i| i > 0).map(|i| i - 1),
        )] = lowest[i];
        row[spread(
            Spread::CaseloadMax,
            Some(i).filter(|&i| i > 0).map(|i| i - 1),
        )] = highest[i];
    }
    let (women, men) = stays.split_at(t.longest);
    let both: Vec<u32> = women.iter().zip(men).map(|(a, b)| a + b).collect();
    row[spread(Spread::MedianStay2, None)] = twice_median(&both);
    row[spread(Spread::MedianStay2, Some(0))] = twice_median(women);
    row[spread(Spread::MedianStay2, Some(1))] = twice_median(men);
}

/// Twice the median of months `d + 1` weighted by `counts[d]` (the mean of the two middle
/// values for an even count), 0 without any count.
fn twice_median(counts: &[u32]) -> u32 {
    let n: u64 = counts.iter().map(|&c| c as u64).sum();
    if n == 0 {
        return 0;
    }
    // The k-th smallest value (1-based) in the weighted list of months.
    let kth = |k: u64| {
        let mut seen = 0;
        for (d, &c) in counts.iter().enumerate() {
            seen += c as u64;
            if seen >= k {
                return d as u32 + 1;
            }
        }
        counts.len() as u32
    };
    kth(n.div_ceil(2)) + kth(n / 2 + 1)
}
