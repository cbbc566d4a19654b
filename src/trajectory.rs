//! What one replication records, month by month: counts by group and gender, exits by
//! cause, person-years, waiting list, cost and caseload per team. A buffer reused across
//! replications, so the replication loop does not allocate.

use crate::model::{Programme, EXIT_CAUSES};

/// Number of stay bands recorded for exits: 1–6, 7–12, 13–18 and 19+ months.
pub const STAY_BANDS: usize = 4;

/// One replication's monthly records over the reported horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Reported months.
    pub months: usize,
    /// Number of groups.
    pub groups: usize,
    /// Number of teams.
    pub teams: usize,
    /// Entrants, `[month][group][gender]`.
    pub entrants: Vec<u32>,
    /// Active participants after the month's intake, `[month][group][gender]`.
    pub active: Vec<u32>,
    /// Exits, `[month][group][gender][cause]` (causes in `ExitCause::ALL` order).
    pub exits: Vec<u32>,
    /// Person-years in units of 1/24, `[month][group][gender]`.
    pub person_years_24: Vec<u32>,
    /// Exits by months stayed (1–6, 7–12, 13–18, 19+), `[month][band]`.
    pub stays: Vec<u32>,
    /// Exits by cause and months stayed, `[month][cause][band]` (causes in
    /// `ExitCause::ALL` order, bands as in `stays`).
    pub cause_stays: Vec<u32>,
    /// The longest stay possible, in months (the length of a row of `stay_months`).
    pub longest: usize,
    /// Exits by months in the programme at exit (0 = the month of entry) and gender,
    /// `[month][gender][months − 1]`.
    pub stay_months: Vec<u32>,
    /// Referred participants waiting for a place at the end of the month's intake.
    pub waiting: Vec<u32>,
    /// Referrals declined during the month.
    pub declined: Vec<u32>,
    /// Cost of the month in SEK (rounded to whole kronor).
    pub cost_sek: Vec<i64>,
    /// Active participants per team after intake, `[month][team]`.
    pub team_active: Vec<u32>,
    /// Number of attribute categories over all attributes (0 without attributes).
    pub categories: usize,
    /// Entrants by attribute category, `[month][category][gender]`.
    pub category_entrants: Vec<u32>,
    /// Exits by attribute category, `[month][category][gender][cause]`.
    pub category_exits: Vec<u32>,
    /// Referrals turned away by the target-group definition (shrink, or refill where a
    /// group has no eligible people).
    pub ineligible: Vec<u32>,
}

impl Trajectory {
    /// An empty buffer for a programme's replications.
    pub fn of(p: &Programme) -> Trajectory {
        Trajectory::new(
            p.calendar.horizon as usize,
            p.groups.len(),
            p.teams.len(),
            p.attributes.iter().map(|a| a.categories.len()).sum(),
            p.longest_stay() as usize,
        )
    }

    /// An empty buffer for the given dimensions.
    pub fn new(
        months: usize,
        groups: usize,
        teams: usize,
        categories: usize,
        longest: usize,
    ) -> Trajectory {
        let cells = months * groups * 2;
        Trajectory {
            months,
            groups,
            teams,
            longest,
            stay_months: vec![0; months * 2 * longest],
            entrants: vec![0; cells],
            active: vec![0; cells],
            exits: vec![0; cells * EXIT_CAUSES],
            person_years_24: vec![0; cells],
            stays: vec![0; months * STAY_BANDS],
            cause_stays: vec![0; months * EXIT_CAUSES * STAY_BANDS],
            waiting: vec![0; months],
            declined: vec![0; months],
            cost_sek: vec![0; months],
            team_active: vec![0; months * teams],
            categories,
            category_entrants: vec![0; months * categories * 2],
            category_exits: vec![0; months * categories * 2 * EXIT_CAUSES],
            ineligible: vec![0; months],
        }
    }

    /// Sets every count back to zero.
    pub fn clear(&mut self) {
        for v in [
            &mut self.entrants,
            &mut self.active,
            &mut self.exits,
            &mut self.person_years_24,
            &mut self.stays,
            &mut self.cause_stays,
            &mut self.stay_months,
            &mut self.waiting,
            &mut self.declined,
            &mut self.team_active,
            &mut self.category_entrants,
            &mut self.category_exits,
            &mut self.ineligible,
        ] {
            v.fill(0);
        }
        self.cost_sek.fill(0);
    }

    /// Index of (month, group, gender) in the per-cell vectors.
    pub fn cell(&self, month: usize, group: usize, gender: usize) -> usize {
        (month * self.groups + group) * 2 + gender
    }

    /// Entrants of a group in a month, both genders.
    pub fn entrants_of(&self, month: usize, group: usize) -> u32 {
        self.entrants[self.cell(month, group, 0)] + self.entrants[self.cell(month, group, 1)]
    }

    /// Adds one exit of gender `gender` after `months` months in the programme (at least
    /// 1) in month `month`.
    pub fn add_stay(&mut self, month: usize, gender: usize, months: usize) {
        let d = months.clamp(1, self.longest) - 1;
        self.stay_months[(month * 2 + gender) * self.longest + d] += 1;
    }

    /// Exits of a cause in a cell.
    pub fn exits_of(&self, month: usize, group: usize, gender: usize, cause: usize) -> u32 {
        self.exits[self.cell(month, group, gender) * EXIT_CAUSES + cause]
    }
}
