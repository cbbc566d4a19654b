//! Validated, immutable domain types: the only input the engine accepts.
//!
//! A [`Programme`] is what a scenario file becomes after parsing and validation
//! (`crate::scenario`). Every rate is per month, every duration in months, every month a
//! month index relative to the scenario's start month (see [`calendar`]).

pub mod calendar;
pub mod calibration;

pub use calendar::{Calendar, ReportYear, YearMonth};
pub use calibration::Calibration;

/// Number of exit causes that have a hazard (all but `time_limit`).
pub const HAZARD_CAUSES: usize = 4;
/// Number of exit causes including `time_limit`.
pub const EXIT_CAUSES: usize = 5;

/// Why a participant left the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExitCause {
    /// Employment, including subsidised employment.
    Work = 0,
    /// Regular studies (CSN-eligible or with kept activity support).
    Studies = 1,
    /// FK participants moving into the AF/FK joint rehabilitation collaboration.
    FkSamverkan = 2,
    /// Everything else: dropped out, moved, sick, back to ordinary services, unknown.
    Other = 3,
    /// Closed at the group's time limit (not extended, or at the end of an extension).
    TimeLimit = 4,
}

impl ExitCause {
    /// All causes, in index order.
    pub const ALL: [ExitCause; EXIT_CAUSES] = [
        ExitCause::Work,
        ExitCause::Studies,
        ExitCause::FkSamverkan,
        ExitCause::Other,
        ExitCause::TimeLimit,
    ];
    /// The causes that have a monthly hazard, in index order.
    pub const HAZARD: [ExitCause; HAZARD_CAUSES] = [
        ExitCause::Work,
        ExitCause::Studies,
        ExitCause::FkSamverkan,
        ExitCause::Other,
    ];

    /// The identifier used in scenario files and outputs.
    pub fn id(self) -> &'static str {
        match self {
            ExitCause::Work => "work",
            ExitCause::Studies => "studies",
            ExitCause::FkSamverkan => "fk_samverkan",
            ExitCause::Other => "other",
            ExitCause::TimeLimit => "time_limit",
        }
    }

    /// Looks a hazard cause up by identifier.
    pub fn hazard_from_id(id: &str) -> Option<ExitCause> {
        Self::HAZARD.into_iter().find(|c| c.id() == id)
    }

    /// Whether the cause counts as a positive outcome that the caseload and staffing act on
    /// (work, studies and fk_samverkan).
    pub fn is_supported_outcome(self) -> bool {
        matches!(
            self,
            ExitCause::Work | ExitCause::Studies | ExitCause::FkSamverkan
        )
    }
}

/// A participant's gender as recorded at intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Woman.
    Woman = 0,
    /// Man.
    Man = 1,
}

impl Gender {
    /// Both genders, in index order.
    pub const ALL: [Gender; 2] = [Gender::Woman, Gender::Man];

    /// The identifier used in outputs (`women`, `men`).
    pub fn plural_id(self) -> &'static str {
        match self {
            Gender::Woman => "women",
            Gender::Man => "men",
        }
    }
}

/// A multiplier for each hazard cause, in [`ExitCause::HAZARD`] order.
pub type CauseFactors = [f64; HAZARD_CAUSES];

/// Multipliers of 1 for every cause.
pub const NEUTRAL: CauseFactors = [1.0; HAZARD_CAUSES];

/// A piece of the hazard profile by months already spent in the programme.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileBand {
    /// The gender the band applies to (`None` = both).
    pub gender: Option<Gender>,
    /// First month in programme (0 = the month of entry) the band covers.
    pub from: u32,
    /// Last month in programme it covers, inclusive; `None` = open-ended.
    pub to: Option<u32>,
    /// Hazard multipliers during the band.
    pub factors: CauseFactors,
}

/// A participant group (referral route) with its exit hazards.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Identifier, e.g. `af_job`.
    pub name: String,
    /// Probability that an entrant of this group is a woman.
    pub share_women: f64,
    /// Baseline monthly hazard of each cause.
    pub hazards: CauseFactors,
    /// Hazard multipliers for women.
    pub women: CauseFactors,
    /// Hazard multipliers for men.
    pub men: CauseFactors,
    /// Multipliers by months in programme; months not covered use 1.
    pub profile: Vec<ProfileBand>,
    /// The time limit: months after which a participant still enrolled is closed with
    /// `time_limit`, unless extended.
    pub max_duration: u32,
    /// What happens at the time limit (`None`: everyone still enrolled is closed).
    pub extension: Option<Extension>,
    /// Relative standard deviation of each hazard (parameter uncertainty; 0 = known).
    pub uncertainty: CauseFactors,
}

/// The time limit as a policy: at the limit a participant still enrolled is extended with
/// `probability` (else closed with `time_limit`); an extended participant is closed with
/// `time_limit` at the end of month `until` in the programme, if still enrolled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extension {
    /// Probability of being extended at the time limit.
    pub probability: f64,
    /// The second limit in months in the programme (above the time limit).
    pub until: u32,
}

impl Group {
    /// The longest a participant of the group can stay, in months: the second limit where
    /// participants can be extended, else the time limit.
    pub fn longest_stay(&self) -> u32 {
        self.extension
            .filter(|e| e.probability > 0.0)
            .map_or(self.max_duration, |e| e.until)
    }

    /// The profile multipliers for a participant of gender `s` in month `d` of the
    /// programme (0-based).
    pub fn profile_at(&self, d: u32, s: Gender) -> CauseFactors {
        self.profile
            .iter()
            .find(|b| d >= b.from && b.to.is_none_or(|t| d <= t) && b.gender.is_none_or(|g| g == s))
            .map_or(NEUTRAL, |b| b.factors)
    }

    /// The gender multipliers.
    pub fn gender_factors(&self, g: Gender) -> CauseFactors {
        match g {
            Gender::Woman => self.women,
            Gender::Man => self.men,
        }
    }
}

/// A post in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeamRole {
    /// AF employment officer (arbetsförmedlare), the hub of the team.
    EmploymentOfficer = 0,
    /// Social secretary (socialsekreterare).
    SocialSecretary = 1,
    /// City labour-market secretary (arbetsmarknadssekreterare).
    LabourMarketSecretary = 2,
    /// FK insurance investigator (försäkringsutredare) in the team.
    InsuranceInvestigator = 3,
}

/// Number of team roles.
pub const TEAM_ROLES: usize = 4;

impl TeamRole {
    /// All team roles, in index order.
    pub const ALL: [TeamRole; TEAM_ROLES] = [
        TeamRole::EmploymentOfficer,
        TeamRole::SocialSecretary,
        TeamRole::LabourMarketSecretary,
        TeamRole::InsuranceInvestigator,
    ];

    /// The identifier used in scenario files.
    pub fn id(self) -> &'static str {
        match self {
            TeamRole::EmploymentOfficer => "employment_officer",
            TeamRole::SocialSecretary => "social_secretary",
            TeamRole::LabourMarketSecretary => "labour_market_secretary",
            TeamRole::InsuranceInvestigator => "insurance_investigator",
        }
    }
}

/// FTE of each team role, in [`TeamRole::ALL`] order.
pub type RoleFte = [f64; TEAM_ROLES];

/// A linear ramp of a team's effectiveness from `start` up to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    /// Effectiveness multiplier in the ramp's first month.
    pub start: f64,
    /// Months until full effectiveness.
    pub months: u32,
}

impl Ramp {
    /// Effectiveness `k` months after the ramp began (k = 0 is the first month).
    pub fn factor(&self, k: i32) -> f64 {
        if k < 0 || self.months == 0 || k >= self.months as i32 {
            return 1.0;
        }
        self.start + (1.0 - self.start) * k as f64 / self.months as f64
    }
}

/// One team, fully resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// Name of the cohort the team belongs to (`existing`, or an added cohort's name).
    pub cohort: String,
    /// The standard posts of the team (what availability is measured against).
    pub standard: RoleFte,
    /// The posts actually funded (standard minus withdrawn posts).
    pub posts: RoleFte,
    /// First month the team works; `None` = already working before the horizon (and warm-up).
    pub start: Option<i32>,
    /// First month the team takes no intake; it winds down its caseload after that.
    pub stop: Option<i32>,
    /// Effectiveness ramp from `ramp_from`.
    pub ramp: Option<Ramp>,
    /// Month the ramp begins.
    pub ramp_from: i32,
}

impl Team {
    /// Whether the team takes intake in month `m`.
    pub fn takes_intake(&self, m: i32) -> bool {
        self.start.is_none_or(|s| m >= s) && self.stop.is_none_or(|s| m < s)
    }

    /// Whether the team exists (works and costs) in month `m`, given its caseload.
    pub fn exists(&self, m: i32, caseload: usize) -> bool {
        self.start.is_none_or(|s| m >= s) && (self.stop.is_none_or(|s| m < s) || caseload > 0)
    }

    /// Total funded FTE of the team's posts.
    pub fn fte(&self) -> f64 {
        self.posts.iter().sum()
    }
}

/// Vacancy and onboarding dynamics of one team role, and what a missing post does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoleDynamics {
    /// Monthly probability that a filled post falls vacant.
    pub vacancy_probability: f64,
    /// Months a vacated post stays empty before a new person starts.
    pub refill_months: u32,
    /// Months a new person works at reduced productivity.
    pub onboarding_months: u32,
    /// Productivity while onboarding (0..1).
    pub onboarding_productivity: f64,
    /// Loss of each cause's hazard when the role is entirely missing (0 = no effect,
    /// 1 = that cause stops); scaled linearly by the missing share of the post.
    pub effect: CauseFactors,
}

impl RoleDynamics {
    /// A role that never falls vacant and has no effect on hazards.
    pub const INERT: RoleDynamics = RoleDynamics {
        vacancy_probability: 0.0,
        refill_months: 0,
        onboarding_months: 0,
        onboarding_productivity: 1.0,
        effect: [0.0; HAZARD_CAUSES],
    };
}

/// Shared support staff serving all teams (career counsellors, care coordinators, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct SupportStaff {
    /// Role identifier (used for costs), e.g. `career_counsellor`.
    pub role: String,
    /// FTE.
    pub fte: f64,
    /// Causes whose hazards the capacity supports.
    pub causes: [bool; HAZARD_CAUSES],
    /// Groups it serves (by group index); capacity is shared among their participants.
    pub groups: Vec<bool>,
    /// Largest relative increase of the supported hazards at unlimited capacity.
    pub max_effect: f64,
    /// Capacity (FTE per 100 served participants) at which half the effect is reached.
    pub half_saturation: f64,
    /// Capacity at which the multiplier is exactly 1 (the level the hazards were estimated at).
    pub reference: f64,
}

impl SupportStaff {
    /// The hazard multiplier at `served` active participants:
    /// `(1 + a·c/(c+k)) / (1 + a·c_ref/(c_ref+k))` with `c = 100·fte/served`.
    pub fn multiplier(&self, served: usize) -> f64 {
        let sat = |c: f64| 1.0 + self.max_effect * c / (c + self.half_saturation);
        let c = if served == 0 {
            f64::INFINITY
        } else {
            100.0 * self.fte / served as f64
        };
        let at_c = if c.is_infinite() {
            1.0 + self.max_effect
        } else {
            sat(c)
        };
        at_c / sat(self.reference)
    }
}

/// When scheduled intakes happen.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// All teams every `months` months, first at month `offset`.
    Every {
        /// Interval in months.
        months: u32,
        /// Month index of the first intake (mod `months`).
        offset: u32,
    },
    /// Teams split into `blocks` consecutive blocks; block `b` takes intake in months where
    /// `m mod blocks == b` (R1: 3 blocks of 4 teams).
    Rotating {
        /// Number of blocks.
        blocks: u32,
    },
    /// All teams in the listed month indices.
    Months(Vec<i32>),
}

/// What happens to referrals that would lift a team above its caseload cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// They wait for the team's next intake.
    Wait,
    /// They are declined.
    Decline,
}

/// A cap on a team's active caseload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaseloadCap {
    /// Most active participants a team takes on.
    pub per_team: u32,
    /// What happens to the overflow.
    pub overflow: Overflow,
}

/// A group entering continuously (not at scheduled intakes), e.g. FK.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousIntake {
    /// Group index.
    pub group: usize,
    /// Mean entrants per month, programme-wide (Poisson).
    pub per_month: f64,
}

/// Intake of new participants.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    /// When scheduled intakes happen.
    pub schedule: Schedule,
    /// Participants assigned to each receiving team at a scheduled intake.
    pub per_team: u32,
    /// Group shares of a scheduled intake, by group index (sums to 1).
    pub mix: Vec<f64>,
    /// Month ranges (inclusive) without any intake.
    pub pauses: Vec<(i32, i32)>,
    /// Optional caseload cap.
    pub cap: Option<CaseloadCap>,
    /// Continuous intake streams.
    pub continuous: Vec<ContinuousIntake>,
}

impl Intake {
    /// Whether month `m` lies in an intake pause.
    pub fn paused(&self, m: i32) -> bool {
        self.pauses.iter().any(|&(a, b)| m >= a && m <= b)
    }

    /// Whether team `team` of `teams` takes a scheduled intake in month `m` (pauses aside).
    pub fn scheduled(&self, m: i32, team: usize, teams: usize) -> bool {
        self.scheduled_teams(m, teams).contains(&team)
    }

    /// The teams (indices among `teams`) taking a scheduled intake in month `m` (pauses
    /// aside): all, none, or one block of a rotation.
    pub fn scheduled_teams(&self, m: i32, teams: usize) -> std::ops::Range<usize> {
        let due = match &self.schedule {
            Schedule::Every { months, offset } => {
                (m - *offset as i32).rem_euclid(*months as i32) == 0
            }
            Schedule::Rotating { blocks } => {
                let blocks = *blocks as usize;
                let size = teams.div_ceil(blocks).max(1);
                let first = m.rem_euclid(blocks as i32) as usize * size;
                return first.min(teams)..(first + size).min(teams);
            }
            Schedule::Months(list) => list.contains(&m),
        };
        if due {
            0..teams
        } else {
            0..0
        }
    }
}

/// A known state to continue from (a nowcast): the simulation starts at `month` with
/// the observed caseload instead of the initial cohorts, and the observed counts of the
/// months before it are added to every replication's records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resume {
    /// First simulated month (index from the calendar start).
    pub month: i32,
    /// Participants enrolled at the start of `month`.
    pub caseload: Vec<Enrolled>,
    /// Observed exits before `month`: (month index, group, gender, cause, count).
    pub exits: Vec<(usize, usize, Gender, ExitCause, u32)>,
    /// Observed entrants before `month`: (month index, group, gender, count).
    pub entrants: Vec<(usize, usize, Gender, u32)>,
}

/// One participant of an observed caseload.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    /// Team index, if known (otherwise spread round-robin over the working teams).
    pub team: Option<usize>,
    /// Group index.
    pub group: usize,
    /// Gender.
    pub gender: Gender,
    /// Month of entry (index from the calendar start; negative = before it).
    pub entry: i32,
    /// Category of each attribute, if known (otherwise drawn from the group's intake).
    pub categories: Option<Vec<u16>>,
}

/// Participants already enrolled when the simulation begins.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialCohort {
    /// Group index.
    pub group: usize,
    /// Number of participants, spread evenly over the teams working at the start.
    pub count: u32,
    /// Months already spent: drawn uniformly from this inclusive range.
    pub months_spent: (u32, u32),
}

/// How the caseload of a team lowers its participants' positive-exit hazards.
#[derive(Debug, Clone, PartialEq)]
pub struct Pressure {
    /// Active participants per funded team FTE at which pressure starts.
    pub reference_per_fte: f64,
    /// Elasticity: the multiplier is `min(1, (reference / load)^exponent)`.
    pub exponent: f64,
    /// Causes the pressure acts on.
    pub causes: [bool; HAZARD_CAUSES],
}

impl Pressure {
    /// The multiplier for `active` participants in a team with `fte` funded FTE.
    pub fn multiplier(&self, active: usize, fte: f64) -> f64 {
        if active == 0 || self.exponent == 0.0 {
            return 1.0;
        }
        let load = active as f64 / fte.max(1e-9);
        (self.reference_per_fte / load).powf(self.exponent).min(1.0)
    }
}

/// A temporary multiplier on hazards of some groups (e.g. a cut in subsidised jobs).
#[derive(Debug, Clone, PartialEq)]
pub struct Shock {
    /// Name of the shock.
    pub name: String,
    /// First month, inclusive.
    pub from: i32,
    /// Last month, inclusive.
    pub to: i32,
    /// Groups hit, by index.
    pub groups: Vec<bool>,
    /// Multipliers per cause.
    pub factors: CauseFactors,
    /// Multipliers of each role's monthly vacancy probability.
    pub vacancy_factors: RoleFte,
    /// Group shares of scheduled intakes during the shock, by group index.
    pub mix: Option<Vec<f64>>,
}

impl Shock {
    /// Whether the shock is on in month `m`.
    pub fn active(&self, m: i32) -> bool {
        m >= self.from && m <= self.to
    }
}

/// A participant attribute beyond group and gender (age band, education, years on public
/// support, ...): its categories, who has them at intake and what they do to the hazards.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Identifier (`age`, `education`, ...).
    pub id: String,
    /// Category identifiers, in output order.
    pub categories: Vec<String>,
    /// Intake distribution per group, `[group][category]`, each summing to 1.
    pub distribution: Vec<Vec<f64>>,
    /// The intake distribution per group the groups' hazards were calibrated on: the
    /// multipliers are relative to its mean (the scenario's own distribution unless a
    /// variant or `--set` changed it).
    pub calibrated_on: Vec<Vec<f64>>,
    /// Hazard multipliers per category and cause (relative to the group's hazards).
    pub multipliers: Vec<CauseFactors>,
}

impl Attribute {
    /// The mean multiplier per cause over group `g`'s intake distribution the hazards
    /// were calibrated on (exactly 1 for multipliers of 1, whatever rounding the shares
    /// carry).
    pub fn mean_multiplier(&self, g: usize) -> CauseFactors {
        let d = &self.calibrated_on[g];
        let total: f64 = d.iter().sum();
        std::array::from_fn(|k| {
            let sum: f64 = d.iter().zip(&self.multipliers).map(|(p, m)| p * m[k]).sum();
            if total > 0.0 {
                sum / total
            } else {
                1.0
            }
        })
    }

    /// Whether every multiplier is 1, so the attribute changes no hazard.
    pub fn is_neutral(&self) -> bool {
        self.multipliers.iter().all(|m| *m == NEUTRAL)
    }
}

/// What happens to a referral outside the target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    /// The place goes to someone from the eligible population: intake volumes stay.
    Refill,
    /// The referral is turned away: intake shrinks.
    Shrink,
}

impl Ineligible {
    /// Identifier in scenario files.
    pub fn id(self) -> &'static str {
        match self {
            Ineligible::Refill => "refill",
            Ineligible::Shrink => "shrink",
        }
    }
}

/// The target-group definition in force: which attribute categories may enter.
#[derive(Debug, Clone, PartialEq)]
pub struct Eligibility {
    /// `[attribute][category]`: whether people in the category may enter.
    pub allowed: Vec<Vec<bool>>,
    /// Refill or shrink.
    pub ineligible: Ineligible,
}

impl Eligibility {
    /// Probability that an entrant of a group drawn from `attributes` is eligible.
    pub fn eligible_share(&self, attributes: &[Attribute], group: usize) -> f64 {
        attributes
            .iter()
            .zip(&self.allowed)
            .map(|(a, allowed)| {
                a.distribution[group]
                    .iter()
                    .zip(allowed)
                    .filter(|(_, ok)| **ok)
                    .map(|(p, _)| p)
                    .sum::<f64>()
            })
            .product()
    }
}

/// A quantity reported per replication and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Exits to work or studies.
    PositiveExits,
    /// positive_exits / exits.
    PositiveShare,
    /// Exits to work.
    WorkExits,
    /// Exits to studies.
    StudiesExits,
    /// Exits to the AF/FK rehabilitation collaboration.
    FkSamverkan,
    /// Exits for other reasons.
    OtherExits,
    /// Closures at the time limit.
    TimeLimitExits,
    /// All exits.
    Exits,
    /// Participants who entered.
    Entrants,
    /// Person-years (årsplatser) of participation.
    PersonYears,
    /// Cost of posts and overhead, SEK.
    BudgetSek,
    /// budget / positive exits, SEK.
    CostPerPositiveExit,
    /// positive_exits / (exits − time_limit_exits): the share among closures other than
    /// those at the time limit.
    PositiveShareExcludingTimeLimit,
    /// Mean months in the programme of those closed.
    MeanMonthsClosed,
    /// Median months in the programme of those closed (one year at a time).
    MedianMonthsClosed,
    /// Mean monthly active caseload (after intake).
    CaseloadMean,
    /// Lowest monthly active caseload.
    CaseloadMin,
    /// Highest monthly active caseload.
    CaseloadMax,
    /// Different participants enrolled at some time in the period: those enrolled at its
    /// start plus its entrants.
    Participants,
    /// FK cases (groups with an fk_samverkan hazard) closed, every cause.
    FkClosed,
    /// FK cases closed to work.
    FkWorkExits,
}

impl Metric {
    /// All metrics, in reporting order.
    pub const ALL: [Metric; 21] = [
        Metric::PositiveExits,
        Metric::PositiveShare,
        Metric::PositiveShareExcludingTimeLimit,
        Metric::WorkExits,
        Metric::StudiesExits,
        Metric::FkSamverkan,
        Metric::OtherExits,
        Metric::TimeLimitExits,
        Metric::Exits,
        Metric::Entrants,
        Metric::PersonYears,
        Metric::BudgetSek,
        Metric::CostPerPositiveExit,
        Metric::MeanMonthsClosed,
        Metric::MedianMonthsClosed,
        Metric::CaseloadMean,
        Metric::CaseloadMin,
        Metric::CaseloadMax,
        Metric::Participants,
        Metric::FkClosed,
        Metric::FkWorkExits,
    ];

    /// The identifier used in scenario files and outputs.
    pub fn id(self) -> &'static str {
        match self {
            Metric::PositiveExits => "positive_exits",
            Metric::PositiveShare => "positive_share",
            Metric::WorkExits => "work_exits",
            Metric::StudiesExits => "studies_exits",
            Metric::FkSamverkan => "fk_samverkan",
            Metric::OtherExits => "other_exits",
            Metric::TimeLimitExits => "time_limit_exits",
            Metric::Exits => "exits",
            Metric::Entrants => "entrants",
            Metric::PersonYears => "person_years",
            Metric::BudgetSek => "budget_sek",
            Metric::CostPerPositiveExit => "cost_per_positive_exit",
            Metric::PositiveShareExcludingTimeLimit => "positive_share_excluding_time_limit",
            Metric::MeanMonthsClosed => "mean_months_closed",
            Metric::MedianMonthsClosed => "median_months_closed",
            Metric::CaseloadMean => "caseload_mean",
            Metric::CaseloadMin => "caseload_min",
            Metric::CaseloadMax => "caseload_max",
            Metric::Participants => "participants",
            Metric::FkClosed => "fk_closed",
            Metric::FkWorkExits => "fk_work_exits",
        }
    }

    /// Looks a metric up by identifier (`max_duration_exits`, the name before the time
    /// limit became a policy, is read as `time_limit_exits`).
    pub fn from_id(id: &str) -> Option<Metric> {
        if id == "max_duration_exits" {
            return Some(Metric::TimeLimitExits);
        }
        Self::ALL.into_iter().find(|m| m.id() == id)
    }

    /// Whether the metric is a ratio or an average (its cumulative value is not a sum
    /// over years).
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Metric::PositiveShare
                | Metric::CostPerPositiveExit
                | Metric::PositiveShareExcludingTimeLimit
                | Metric::MeanMonthsClosed
                | Metric::MedianMonthsClosed
                | Metric::CaseloadMean
                | Metric::CaseloadMin
                | Metric::CaseloadMax
        )
    }
}

/// Whether a target is a floor or a ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Met when the value is at least the threshold.
    AtLeast,
    /// Met when the value is at most the threshold.
    AtMost,
}

/// A goal whose probability the run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The metric.
    pub metric: Metric,
    /// Calendar years; more than one makes the target cumulative over them.
    pub years: Vec<i32>,
    /// Threshold value.
    pub threshold: f64,
    /// Floor or ceiling.
    pub direction: Direction,
    /// Restrict to one gender (`None` = everyone).
    pub gender: Option<Gender>,
    /// Free-text label from the scenario.
    pub label: String,
}

impl Target {
    /// The target as a command-line expression, e.g. `positive_exits>=450@2027` or
    /// `positive_exits:women>=600@2025-2027`: a short, unambiguous name for columns.
    pub fn expression(&self) -> String {
        let op = match self.direction {
            Direction::AtLeast => ">=",
            Direction::AtMost => "<=",
        };
        let gender = self
            .gender
            .map(|g| format!(":{}", g.plural_id()))
            .unwrap_or_default();
        let contiguous = self.years.windows(2).all(|w| w[1] == w[0] + 1);
        let years = match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a != b && contiguous => format!("{a}-{b}"),
            _ => self
                .years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(","),
        };
        format!("{}{gender}{op}{}@{years}", self.metric.id(), self.threshold)
    }
}

/// How the escalating goals' yearly step is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepReading {
    /// The share rises by the step in percentage points each year.
    PercentagePoints,
    /// The share rises by the step in percent of itself each year.
    RelativePercent,
}

impl StepReading {
    /// Both readings.
    pub const BOTH: [StepReading; 2] =
        [StepReading::PercentagePoints, StepReading::RelativePercent];

    /// The identifier used in outputs.
    pub fn id(self) -> &'static str {
        match self {
            StepReading::PercentagePoints => "percentage_points",
            StepReading::RelativePercent => "relative_percent",
        }
    }
}

/// Which closures the share of exits to work or studies is taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareBasis {
    /// Every closure (the 2018–2019 register's 46 % was computed so).
    AllClosures,
    /// Closures other than those at the time limit.
    ExcludingTimeLimit,
}

impl ShareBasis {
    /// The metric of the share on this basis.
    pub fn metric(self) -> Metric {
        match self {
            ShareBasis::AllClosures => Metric::PositiveShare,
            ShareBasis::ExcludingTimeLimit => Metric::PositiveShareExcludingTimeLimit,
        }
    }

    /// The identifier in scenario files and outputs.
    pub fn id(self) -> &'static str {
        match self {
            ShareBasis::AllClosures => "all_closures",
            ShareBasis::ExcludingTimeLimit => "excluding_time_limit",
        }
    }
}

/// The escalating goals (stegrande mål) for the share of exits to work or studies.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalatingGoals {
    /// First goal year.
    pub first_year: i32,
    /// Goal share in the first year (0.40).
    pub first_share: f64,
    /// Smallest yearly step (3).
    pub step_min: f64,
    /// Largest yearly step (5).
    pub step_max: f64,
    /// Which closures the share is taken of.
    pub share: ShareBasis,
}

impl EscalatingGoals {
    /// The goal share in `year` for a yearly `step` under `reading`.
    pub fn goal(&self, year: i32, step: f64, reading: StepReading) -> f64 {
        let k = (year - self.first_year).max(0);
        match reading {
            StepReading::PercentagePoints => self.first_share + k as f64 * step / 100.0,
            StepReading::RelativePercent => self.first_share * (1.0 + step / 100.0).powi(k),
        }
    }
}

/// Cost rates.
#[derive(Debug, Clone, PartialEq)]
pub struct Costs {
    /// SEK per FTE and year for each team role.
    pub team_roles: RoleFte,
    /// SEK per FTE and year for each support role, by role name.
    pub support_roles: Vec<(String, f64)>,
    /// Fixed overhead in SEK per year (premises, management not modelled as posts).
    pub overhead_per_year: f64,
}

impl Costs {
    /// The yearly rate of a support role (0 if absent).
    pub fn support_rate(&self, role: &str) -> f64 {
        self.support_roles
            .iter()
            .find(|(r, _)| r == role)
            .map_or(0.0, |(_, c)| *c)
    }
}

/// A fully validated programme: everything one replication needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Programme {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// The simulated period.
    pub calendar: Calendar,
    /// Participant groups.
    pub groups: Vec<Group>,
    /// Teams, one entry per team.
    pub teams: Vec<Team>,
    /// Team role dynamics, in [`TeamRole::ALL`] order.
    pub roles: [RoleDynamics; TEAM_ROLES],
    /// Shared support staff.
    pub support: Vec<SupportStaff>,
    /// Intake.
    pub intake: Intake,
    /// Participants enrolled before the first simulated month.
    pub initial: Vec<InitialCohort>,
    /// Caseload pressure (`None` = off).
    pub pressure: Option<Pressure>,
    /// Seasonal multipliers per calendar month (index 0 = January) and cause.
    pub seasonality: [CauseFactors; 12],
    /// Shocks.
    pub shocks: Vec<Shock>,
    /// Participant attributes beyond group and gender.
    pub attributes: Vec<Attribute>,
    /// Per group and cause, the mean attribute multiplier over the scenario's own intake
    /// distributions (before any definition): group hazards are divided by it, so they stay
    /// the hazards of the group's average referral, as calibrated.
    pub attribute_norm: Vec<CauseFactors>,
    /// The target-group definition applied, by name, if any.
    pub definition: Option<String>,
    /// Eligibility filters of that definition (`None` = everyone referred may enter).
    pub eligibility: Option<Eligibility>,
    /// Whether each replication draws its own hazards from their uncertainty.
    pub parameter_uncertainty: bool,
    /// Targets.
    pub targets: Vec<Target>,
    /// Escalating goals, if set.
    pub escalating_goals: Option<EscalatingGoals>,
    /// Cost rates.
    pub costs: Costs,
    /// A known state to continue from instead of simulating from the start.
    pub resume: Option<Resume>,
    /// The previous phase: simulated first in every replication, its participants still
    /// enrolled at its end are this programme's caseload at the start.
    pub carry_over: Option<Box<Programme>>,
    /// The calibration's posterior draws (each replication runs with one, when parameter
    /// uncertainty is on).
    pub calibration: Option<Calibration>,
}

impl Programme {
    /// Index of a group by name.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.name == name)
    }

    /// The calibration whose draws a run uses: one with draws, with parameter uncertainty on.
    pub fn active_calibration(&self) -> Option<&calibration::Calibration> {
        self.calibration
            .as_ref()
            .filter(|c| self.parameter_uncertainty && !c.draws.is_empty())
    }

    /// Whether a run draws parameter uncertainty (a calibration's draws or a group's own).
    pub fn draws_uncertainty(&self) -> bool {
        self.active_calibration().is_some()
            || self.parameter_uncertainty
                && self
                    .groups
                    .iter()
                    .any(|g| g.uncertainty.iter().any(|&u| u > 0.0))
    }

    /// The longest stay over all groups (second limits included, also those a
    /// calibration's draws set).
    pub fn longest_stay(&self) -> u32 {
        let drawn = self.calibration.as_ref().map_or(0, |c| {
            let extends = self.groups.iter().any(|g| g.extension.is_some());
            c.parameters
                .iter()
                .position(|&p| p == calibration::Parameter::SecondLimit)
                .filter(|_| extends)
                .map_or(0, |i| {
                    c.draws
                        .iter()
                        .map(|d| d.values[i].round() as u32)
                        .max()
                        .unwrap_or(0)
                })
        });
        self.groups
            .iter()
            .map(Group::longest_stay)
            .max()
            .unwrap_or(1)
            .max(drawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_linear_then_one() {
        let r = Ramp {
            start: 0.5,
            months: 4,
        };
        let f: Vec<f64> = (-1..6).map(|k| r.factor(k)).collect();
        assert_eq!(f, vec![1.0, 0.5, 0.625, 0.75, 0.875, 1.0, 1.0]);
    }

    #[test]
    fn rotating_schedule_matches_r1() {
        let intake = Intake {
            schedule: Schedule::Rotating { blocks: 3 },
            per_team: 30,
            mix: vec![1.0],
            pauses: vec![],
            cap: None,
            continuous: vec![],
        };
        for m in 0..6 {
            let receiving: Vec<usize> = (0..12).filter(|&t| intake.scheduled(m, t, 12)).collect();
            let first = 4 * (m as usize % 3);
            assert_eq!(receiving, (first..first + 4).collect::<Vec<_>>());
        }
    }

    #[test]
    fn pressure_matches_r1_form() {
        let p = Pressure {
            reference_per_fte: 20.0,
            exponent: 0.5,
            causes: [true, true, true, false],
        };
        assert_eq!(p.multiplier(50, 3.0), 1.0);
        assert!((p.multiplier(120, 3.0) - (60.0f64 / 120.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn support_multiplier_is_one_at_reference_and_saturates() {
        let s = SupportStaff {
            role: "career_counsellor".into(),
            fte: 2.0,
            causes: [false, true, false, false],
            groups: vec![true],
            max_effect: 0.5,
            half_saturation: 0.2,
            reference: 0.2,
        };
        assert!((s.multiplier(1000) - 1.0).abs() < 1e-12);
        assert!(s.multiplier(500) > 1.0 && s.multiplier(2000) < 1.0);
        assert!(s.multiplier(0) <= 1.5 / 1.25 + 1e-12);
    }

    #[test]
    fn escalating_goal_readings() {
        let g = EscalatingGoals {
            first_year: 2025,
            first_share: 0.40,
            step_min: 3.0,
            step_max: 5.0,
            share: ShareBasis::AllClosures,
        };
        assert!((g.goal(2027, 5.0, StepReading::PercentagePoints) - 0.50).abs() < 1e-12);
        assert!((g.goal(2027, 5.0, StepReading::RelativePercent) - 0.441).abs() < 1e-12);
        assert_eq!(g.goal(2025, 3.0, StepReading::RelativePercent), 0.40);
    }
}
