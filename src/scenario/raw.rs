//! The raw serde mirror of a scenario file: every field optional, unknown fields rejected.
//! Defaults are filled and values checked in `validate`, never here.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A whole scenario file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Built-in base (`malmo`, `reference`) or path of a file this one refines.
    pub extends: Option<String>,
    /// Scenario name.
    pub name: Option<String>,
    /// Free-text description.
    pub description: Option<String>,
    /// Simulated period.
    pub calendar: Option<RawCalendar>,
    /// Teams.
    pub teams: Option<RawTeams>,
    /// Vacancy dynamics and effects per team role.
    pub staffing: Option<RawStaffing>,
    /// Shared support staff by role.
    pub support: Option<IndexMap<String, RawSupport>>,
    /// Participant groups by identifier.
    pub groups: Option<IndexMap<String, RawGroup>>,
    /// Intake.
    pub intake: Option<RawIntake>,
    /// Participants already enrolled at the start.
    pub initial: Option<Vec<RawInitial>>,
    /// Caseload pressure.
    pub pressure: Option<RawPressure>,
    /// Seasonal multipliers.
    pub seasonality: Option<RawSeasonality>,
    /// Shocks by name.
    pub shocks: Option<IndexMap<String, RawShock>>,
    /// Participant attributes by identifier.
    pub attributes: Option<IndexMap<String, RawAttribute>>,
    /// Target-group definitions by name.
    pub definitions: Option<IndexMap<String, RawDefinition>>,
    /// The target-group definition applied (a name from `definitions`).
    pub definition: Option<String>,
    /// Parameter uncertainty switch.
    pub uncertainty: Option<RawUncertainty>,
    /// Targets.
    pub targets: Option<Vec<RawTarget>>,
    /// Escalating goals.
    pub escalating_goals: Option<RawEscalating>,
    /// Cost rates.
    pub costs: Option<RawCosts>,
    /// The previous phase whose simulated end state this scenario starts from.
    pub carry_over: Option<RawCarryOver>,
    /// The calibration's posterior draws.
    pub calibration: Option<RawCalibration>,
}

/// `[calendar]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// `YYYY-MM`.
    pub start: Option<String>,
    /// Reported months.
    pub horizon_months: Option<i64>,
    /// Unreported months simulated before the start.
    pub warmup_months: Option<i64>,
}

/// A value for each hazard cause.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCauses {
    /// Work.
    pub work: Option<f64>,
    /// Studies.
    pub studies: Option<f64>,
    /// AF/FK rehabilitation collaboration.
    pub fk_samverkan: Option<f64>,
    /// Other.
    pub other: Option<f64>,
}

/// A value for each team role.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoles {
    /// AF employment officer.
    pub employment_officer: Option<f64>,
    /// Social secretary.
    pub social_secretary: Option<f64>,
    /// Labour-market secretary.
    pub labour_market_secretary: Option<f64>,
    /// FK insurance investigator.
    pub insurance_investigator: Option<f64>,
}

/// A linear effectiveness ramp.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRamp {
    /// Effectiveness in the first month.
    pub start: Option<f64>,
    /// Months to reach 1.
    pub months: Option<i64>,
}

/// `[teams]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeams {
    /// Teams already working at the start.
    pub count: Option<i64>,
    /// Standard posts per team.
    pub roles: Option<RawRoles>,
    /// Month the existing teams stop taking intake.
    pub stop: Option<String>,
    /// A restart ramp applied to every team from the start month.
    pub restart_ramp: Option<RawRamp>,
    /// Posts withdrawn (not funded), counted per role, taken from the last teams first.
    pub withdrawn: Option<RawRoles>,
    /// Cohorts of teams added at given months, by name.
    pub added: Option<IndexMap<String, RawCohort>>,
}

/// `[teams.added.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCohort {
    /// Number of teams.
    pub count: Option<i64>,
    /// First month (`YYYY-MM`).
    pub start: Option<String>,
    /// Month they stop taking intake.
    pub stop: Option<String>,
    /// Standard posts (default: `teams.roles`).
    pub roles: Option<RawRoles>,
    /// Ramp-up from `start`.
    pub ramp: Option<RawRamp>,
}

/// `[staffing]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaffing {
    /// AF employment officer.
    pub employment_officer: Option<RawRoleDynamics>,
    /// Social secretary.
    pub social_secretary: Option<RawRoleDynamics>,
    /// Labour-market secretary.
    pub labour_market_secretary: Option<RawRoleDynamics>,
    /// FK insurance investigator.
    pub insurance_investigator: Option<RawRoleDynamics>,
}

/// `[staffing.ROLE]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoleDynamics {
    /// Monthly probability a filled post falls vacant.
    pub vacancy_probability: Option<f64>,
    /// Months until a vacant post is refilled.
    pub refill_months: Option<i64>,
    /// Months of onboarding.
    pub onboarding_months: Option<i64>,
    /// Productivity while onboarding.
    pub onboarding_productivity: Option<f64>,
    /// Hazard loss per cause when the post is entirely missing.
    pub effect: Option<RawCauses>,
}

/// `[support.ROLE]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSupport {
    /// FTE.
    pub fte: Option<f64>,
    /// Causes supported.
    pub causes: Option<Vec<String>>,
    /// Groups served (default all).
    pub groups: Option<Vec<String>>,
    /// Largest relative increase.
    pub max_effect: Option<f64>,
    /// Half-saturation capacity, FTE per 100 participants.
    pub half_saturation: Option<f64>,
    /// Capacity at which the multiplier is 1, FTE per 100 participants.
    pub reference: Option<f64>,
}

/// `[groups.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    /// Share of women among entrants.
    pub share_women: Option<f64>,
    /// Monthly hazards.
    pub hazards: Option<RawCauses>,
    /// Multipliers for women.
    pub women: Option<RawCauses>,
    /// Multipliers for men.
    pub men: Option<RawCauses>,
    /// Piecewise multipliers by months in programme.
    pub profile: Option<Vec<RawProfileBand>>,
    /// The time limit in months.
    pub max_duration_months: Option<i64>,
    /// What happens at the time limit: extension probability and second limit.
    pub extension: Option<RawExtension>,
    /// Relative standard deviation of each hazard.
    pub uncertainty: Option<RawCauses>,
}

/// `[calibration]`: draws from a fit's posterior.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalibration {
    /// Where the draws come from (free text, shown in reports).
    pub source: Option<String>,
    /// The parameters each draw gives values of.
    pub parameters: Option<Vec<String>>,
    /// The structural readings: identifier → what it says.
    pub readings: Option<IndexMap<String, String>>,
    /// One row per draw: the reading's index, then one value per parameter.
    pub draws: Option<Vec<Vec<f64>>>,
}

/// `[carry_over]`: start from the simulated end state of another scenario.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCarryOver {
    /// The previous phase: a built-in name or a path relative to the file naming it.
    pub from: Option<String>,
    /// Whether the scenario starts from the previous phase (default true; a variant that
    /// starts on its own says false).
    pub enabled: Option<bool>,
}

/// `groups.NAME.extension`: the time limit as a policy.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    /// Probability that a participant reaching the time limit is extended.
    pub probability: Option<f64>,
    /// The second limit, months in programme.
    pub until_months: Option<i64>,
}

/// One band of a group's profile.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfileBand {
    /// `women` or `men`: the band applies to one gender only (default both).
    pub gender: Option<String>,
    /// First month in programme (0 = month of entry).
    pub from: Option<i64>,
    /// Last month, inclusive (default open-ended).
    pub to: Option<i64>,
    /// Work multiplier.
    pub work: Option<f64>,
    /// Studies multiplier.
    pub studies: Option<f64>,
    /// fk_samverkan multiplier.
    pub fk_samverkan: Option<f64>,
    /// Other multiplier.
    pub other: Option<f64>,
}

/// `[intake]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntake {
    /// `every`, `rotating` or `months`.
    pub schedule: Option<String>,
    /// Interval for `every`.
    pub every_months: Option<i64>,
    /// First intake month for `every`.
    pub first_month: Option<String>,
    /// Number of blocks for `rotating`.
    pub blocks: Option<i64>,
    /// Intake months for `months`.
    pub months: Option<Vec<String>>,
    /// Participants per receiving team.
    pub per_team: Option<i64>,
    /// Group shares.
    pub mix: Option<IndexMap<String, f64>>,
    /// Pauses.
    pub pauses: Option<Vec<RawPause>>,
    /// Caseload cap.
    pub cap: Option<RawCap>,
    /// Continuous intake by group.
    pub continuous: Option<IndexMap<String, RawContinuous>>,
}

/// An intake pause.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPause {
    /// First paused month.
    pub from: Option<String>,
    /// Last paused month, inclusive.
    pub to: Option<String>,
}

/// `[intake.cap]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCap {
    /// Most active participants per team.
    pub per_team: Option<i64>,
    /// `wait` or `decline`.
    pub overflow: Option<String>,
}

/// `[intake.continuous.GROUP]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawContinuous {
    /// Mean entrants per month.
    pub per_month: Option<f64>,
}

/// `[[initial]]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawInitial {
    /// Group.
    pub group: Option<String>,
    /// Number of participants.
    pub count: Option<i64>,
    /// Inclusive range of months already spent.
    pub months_spent: Option<Vec<i64>>,
}

/// `[pressure]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPressure {
    /// Participants per team FTE where pressure starts.
    pub reference_per_fte: Option<f64>,
    /// Elasticity.
    pub exponent: Option<f64>,
    /// Causes affected.
    pub causes: Option<Vec<String>>,
}

/// `[seasonality]`: 12 monthly multipliers per cause.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeasonality {
    /// Work.
    pub work: Option<Vec<f64>>,
    /// Studies.
    pub studies: Option<Vec<f64>>,
    /// fk_samverkan.
    pub fk_samverkan: Option<Vec<f64>>,
    /// Other.
    pub other: Option<Vec<f64>>,
}

/// `[shocks.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    /// Whether the shock is applied.
    pub enabled: Option<bool>,
    /// First month.
    pub from: Option<String>,
    /// Last month, inclusive.
    pub to: Option<String>,
    /// Groups hit (default all).
    pub groups: Option<Vec<String>>,
    /// Multipliers per cause.
    pub factors: Option<RawCauses>,
    /// No intake (scheduled or continuous) during the shock.
    pub intake_pause: Option<bool>,
    /// Multipliers of each role's monthly vacancy probability during the shock.
    pub vacancy_factor: Option<RawRoles>,
    /// The group mix of scheduled intakes during the shock.
    pub mix: Option<IndexMap<String, f64>>,
}

/// `[attributes.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttribute {
    /// Category identifiers.
    pub categories: Option<Vec<String>>,
    /// Intake distribution over the categories for every group.
    pub distribution: Option<IndexMap<String, f64>>,
    /// Intake distributions of particular groups.
    pub by_group: Option<IndexMap<String, IndexMap<String, f64>>>,
    /// Hazard multipliers per category.
    pub multipliers: Option<IndexMap<String, RawCauses>>,
    /// The intake the groups' hazards were calibrated on, where it differs from the
    /// intake simulated (set by kraftsim when a variant or `--set` changes the intake).
    pub calibrated_on: Option<RawCalibratedOn>,
}

/// `attributes.NAME.calibrated_on`: an intake distribution, for every group and per group.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalibratedOn {
    /// For every group.
    pub distribution: Option<IndexMap<String, f64>>,
    /// For particular groups.
    pub by_group: Option<IndexMap<String, IndexMap<String, f64>>>,
}

/// `[definitions.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefinition {
    /// What the definition means, in words.
    pub description: Option<String>,
    /// Categories that may not enter, per attribute.
    pub exclude: Option<IndexMap<String, Vec<String>>>,
    /// The only categories that may enter, per attribute.
    pub only: Option<IndexMap<String, Vec<String>>>,
    /// The group mix of scheduled intakes.
    pub mix: Option<IndexMap<String, f64>>,
    /// Attribute shares among entrants: one category's overall share, or a whole
    /// distribution.
    pub share: Option<IndexMap<String, IndexMap<String, f64>>>,
    /// `refill` or `shrink`.
    pub ineligible: Option<String>,
}

/// `[uncertainty]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawUncertainty {
    /// Whether replications draw their own hazards.
    pub enabled: Option<bool>,
}

/// `[[targets]]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    /// Metric identifier.
    pub metric: Option<String>,
    /// One year.
    pub year: Option<i64>,
    /// Several years (cumulative).
    pub years: Option<Vec<i64>>,
    /// Floor.
    pub at_least: Option<f64>,
    /// Ceiling.
    pub at_most: Option<f64>,
    /// `women` or `men`.
    pub gender: Option<String>,
    /// Label.
    pub label: Option<String>,
}

/// `[escalating_goals]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEscalating {
    /// Whether the goals are tested (default true).
    pub enabled: Option<bool>,
    /// First goal year.
    pub first_year: Option<i64>,
    /// Goal share in the first year.
    pub first_share: Option<f64>,
    /// `[min, max]` yearly step.
    pub step: Option<Vec<f64>>,
    /// Which share the goals are about: `all_closures` or `excluding_time_limit`.
    pub share: Option<String>,
}

/// `[costs]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// SEK per FTE-year by role.
    pub per_fte: Option<IndexMap<String, f64>>,
    /// Fixed SEK per year.
    pub overhead_per_year: Option<f64>,
}
