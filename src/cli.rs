//! Command-line types (clap derive) and their one conversion into library options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use kraftsim::calibrate::{self, Band};
use kraftsim::commands::backtest::BacktestOptions;
use kraftsim::commands::calibrate::{CalibrateOptions, CountsOptions};
use kraftsim::commands::compare::CompareOptions;
use kraftsim::commands::fit::FitOptions;
use kraftsim::commands::nowcast::NowcastOptions;
use kraftsim::commands::run::RunOptions;
use kraftsim::commands::sensitivity::{parse_delta, SensitivityOptions};
use kraftsim::commands::size::SizeOptions;
use kraftsim::commands::stress::StressOptions;
use kraftsim::commands::sweep::SweepOptions;
use kraftsim::commands::synth::SynthOptions;
use kraftsim::commands::{Format, SimOptions};
use kraftsim::model::calendar::YearMonth;
use kraftsim::montecarlo::Simulator;
use kraftsim::records::Date;
use kraftsim::report::csv::CsvDialect;
use kraftsim::report::lang::Lang;

/// Monte Carlo planning and simulation for Kraft programmes.
#[derive(Debug, Parser)]
#[command(name = "kraftsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress bar (it is shown on a terminal for runs longer than about a second).
    #[arg(long, global = true)]
    pub quiet: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario: yearly figures by gender, target probabilities, escalating goals.
    Run(RunArgs),
    /// Check a scenario and print it resolved, or list every problem in it.
    Validate(ValidateArgs),
    /// Compare alternatives (scenario files or --variant overrides) on common random
    /// numbers, with paired differences against the first.
    Compare(CompareArgs),
    /// Run a full grid of varied values (e.g. teams × intake) on common random numbers;
    /// results CSV and heatmaps of a target's probability and of cost.
    Sweep(SweepArgs),
    /// Find the cheapest configuration (e.g. number of teams) that meets the target(s)
    /// with a given confidence.
    Size(SizeArgs),
    /// Which assumption matters most: move every numeric parameter (or --only some) by
    /// ±delta on common random numbers; ranked table, CSV and tornado chart.
    Sensitivity(SensitivityArgs),
    /// Stress-test target-group definitions: the scenario as it is against each
    /// [definitions.NAME] block on common random numbers (exits, shares, gender balance,
    /// person-years, entrants, cost per exit, target probabilities).
    Stress(StressArgs),
    /// Estimate exit hazards from the programme's own records (or aggregate counts with
    /// --counts) and write them as a scenario fragment with intervals and uncertainty.
    Calibrate(CalibrateArgs),
    /// Write synthetic individual records of one simulated replication (no real person).
    Synth(SynthArgs),
    /// Simulate a past period and place each observed yearly figure in its simulated
    /// distribution (percentiles, chart, coverage of the 50 % and 90 % intervals).
    Backtest(BacktestArgs),
    /// Fit the scenario's rates and time-limit policy jointly to every fact of a past
    /// period (simulated maximum likelihood under each reading the facts allow), show every
    /// fact against the fitted model, and write the fitted scenario with posterior draws.
    Fit(FitArgs),
}

/// Arguments of `fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Scenario of the past period (file or built-in name).
    pub scenario: String,
    /// The facts file (TOML; see docs/calibration.md).
    #[arg(long, value_name = "FACTS.toml")]
    pub facts: PathBuf,
    #[command(flatten)]
    pub set: SetArgs,
    /// Master seed of the simulations.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Replications per evaluation of the likelihood (default: the facts file's).
    #[arg(long, value_parser = clap::value_parser!(u64).range(50..=1_000_000))]
    pub reps: Option<u64>,
    /// Write the fitted scenario (extending SCENARIO) with its posterior draws here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl FitArgs {
    /// The library's options for `fit`.
    pub fn into_options(self) -> FitOptions {
        FitOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            facts: self.facts,
            seed: self.seed,
            threads: self.threads.map(|t| t as usize),
            replications: self.reps,
            out: self.out,
        }
    }
}

/// Replications, seed, threads and parameter uncertainty (every simulating command).
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Number of replications (simulated futures).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub reps: u64,
    /// Master seed: the same seed and scenario give identical results.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Switch parameter uncertainty off (chance variation only).
    #[arg(long)]
    pub no_uncertainty: bool,
    /// Which implementation of the model runs the replications: the fast engine, or the
    /// reference simulator (the model's plain statement, several times slower; its results
    /// agree with the engine's within Monte Carlo error, not draw by draw).
    #[arg(long, value_enum, default_value_t = SimulatorArg::Engine)]
    pub simulator: SimulatorArg,
}

/// The `--simulator` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulatorArg {
    /// The fast engine (the default).
    Engine,
    /// The reference simulator (src/reference/).
    Reference,
}

impl SimArgs {
    fn options(&self) -> SimOptions {
        SimOptions {
            replications: self.reps,
            seed: self.seed,
            threads: self.threads.map(|t| t as usize),
            no_uncertainty: self.no_uncertainty,
            simulator: match self.simulator {
                SimulatorArg::Engine => Simulator::Engine,
                SimulatorArg::Reference => Simulator::Reference,
            },
        }
    }
}

/// Result files and standard-output format (every simulating command).
#[derive(Debug, Args)]
pub struct OutArgs {
    /// Write the command's result files (CSV, JSON; charts where it draws them) into this
    /// folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Standard-output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// CSV dialect of the files written with --out.
    #[arg(long, value_enum, default_value_t = CsvDialectArg::Rfc4180)]
    pub csv_dialect: CsvDialectArg,
}

/// Overrides of scenario values (every command).
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Override a scenario value: dotted key path = TOML value, e.g. --set teams.count=10
    /// --set groups.fk.hazards.work=0.01. Repeatable; validated like the file.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Switch on a shock defined in the scenario's [shocks.NAME] block (e.g. subsidy_cut
    /// in the default scenario). Repeatable.
    #[arg(long = "shock", value_name = "NAME")]
    pub shocks: Vec<String>,
    /// Apply a target-group definition from the scenario's [definitions.NAME] block (e.g.
    /// no_60_plus in the default scenario).
    #[arg(long = "definition", value_name = "NAME")]
    pub definition: Option<String>,
}

impl SetArgs {
    /// The overrides, with each --shock NAME as shocks.NAME.enabled=true and --definition
    /// NAME as definition="NAME".
    pub fn overrides(&self) -> Vec<String> {
        let mut all = self.set.clone();
        all.extend(
            self.shocks
                .iter()
                .map(|name| format!("shocks.{name}.enabled=true")),
        );
        all.extend(
            self.definition
                .iter()
                .map(|name| format!("definition=\"{name}\"")),
        );
        all
    }
}

/// Report language.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// Swedish (svenska).
    Sv,
}

/// CSV dialect.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CsvDialectArg {
    /// RFC 4180: comma-separated, decimal point.
    Rfc4180,
    /// Swedish Excel: semicolon-separated, decimal comma, UTF-8 byte-order mark.
    ExcelSv,
}

impl CsvDialectArg {
    fn dialect(self) -> CsvDialect {
        match self {
            CsvDialectArg::Rfc4180 => CsvDialect::Rfc4180,
            CsvDialectArg::ExcelSv => CsvDialect::ExcelSv,
        }
    }
}

/// Output format on standard output.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Human-readable table.
    Table,
    /// JSON (see docs/output.md).
    Json,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file, or a built-in name (malmo, reference). Default: the embedded Malmö
    /// 2025–2027 scenario.
    pub scenario: Option<String>,
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// Keep adding replications (starting from --reps) until every target probability has
    /// a Monte Carlo standard error at most P, e.g. 0.005 for ±0.5 percentage points.
    #[arg(long, value_name = "P", value_parser = parse_precision)]
    pub precision: Option<f64>,
    /// Write a self-contained HTML report (charts, tables by gender, assumptions, method)
    /// to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Language of the report and charts.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,
    /// Write every chart as SVG and PNG into this folder.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// Nowcast: the last month observed (YYYY-MM); the run continues from the month after
    /// with the caseload and this year's exits from --state.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month, requires = "state")]
    pub as_of: Option<YearMonth>,
    /// Nowcast: the records (same columns as calibrate's) giving the actual caseload and
    /// the exits so far.
    #[arg(long, value_name = "STATE.csv", requires = "as_of")]
    pub state: Option<PathBuf>,
    /// Nowcast: leave bad rows of --state out (and count them) instead of stopping.
    #[arg(long, requires = "state")]
    pub skip_bad_rows: bool,
}

fn parse_month(text: &str) -> Result<YearMonth, String> {
    YearMonth::parse(text).ok_or_else(|| format!("\"{text}\" is not a month: use YYYY-MM"))
}

fn parse_precision(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("{text} is not a number"))?;
    if p > 0.0 && p < 0.5 {
        Ok(p)
    } else {
        Err(format!(
            "{text} is not allowed: give a standard error between 0 and 0.5, e.g. 0.005"
        ))
    }
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario file or built-in name.
    pub scenario: String,
    #[command(flatten)]
    pub set: SetArgs,
}

/// Arguments of `compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files or built-in names; the first is the baseline (default: malmo).
    pub scenarios: Vec<String>,
    /// An alternative built from the first scenario: 'LABEL: KEY=VALUE; KEY=VALUE',
    /// e.g. 'two posts cut: teams.withdrawn.social_secretary=2'. Repeatable.
    #[arg(long = "variant", value_name = "LABEL: KEY=VALUE; ...")]
    pub variants: Vec<String>,
    /// A target to compare, e.g. 'positive_exits>=400@2026' (repeatable; default: the
    /// first scenario's targets).
    #[arg(long = "target", value_name = "EXPR")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Arguments of `calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Individual records (CSV, one row per participation: id, entry, exit, cause, group,
    /// gender, optional team and attributes).
    #[arg(required_unless_present = "counts", conflicts_with = "counts")]
    pub records: Option<PathBuf>,
    /// Fit group rates to aggregate counts per period (CSV: period, entrants_GROUP…,
    /// exits_CAUSE…) instead of records; needs --extends for the scenario's structure.
    #[arg(long, value_name = "COUNTS.csv", requires = "extends")]
    pub counts: Option<PathBuf>,
    /// What rates are split by: group, or group,gender.
    #[arg(long, default_value = "group", value_parser = parse_by)]
    pub by: ByGender,
    /// Bands of months in the programme with their own rates, e.g. 0-1,2-5,6-11,12+
    /// (default: one rate over the whole stay).
    #[arg(long, value_name = "BANDS", value_parser = parse_bands)]
    pub bands: Option<Bands>,
    /// Start of observation (YYYY-MM-DD): exposure and exits before it are not counted.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<Date>,
    /// End of observation (YYYY-MM-DD; default: the last day of the month of the latest
    /// date in the records).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<Date>,
    /// Suppress cells based on fewer people than this.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_people: u32,
    /// Leave rows with bad values out (and count them) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// The scenario the fragment refines (file or built-in name): its groups are checked
    /// and the fragment becomes a runnable scenario.
    #[arg(long, value_name = "SCENARIO")]
    pub extends: Option<String>,
    /// The scenario fragment to write.
    #[arg(long, value_name = "FILE", default_value = "calibrated.toml")]
    pub out: PathBuf,
}

/// Bands of months in the programme (the value of --bands).
#[derive(Debug, Clone)]
pub struct Bands(pub Vec<Band>);

fn parse_bands(text: &str) -> Result<Bands, String> {
    calibrate::parse_bands(text).map(Bands)
}

/// Whether rates are split by gender (the value of --by).
#[derive(Debug, Clone, Copy)]
pub struct ByGender(pub bool);

fn parse_by(text: &str) -> Result<ByGender, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if !parts.contains(&"group") {
        return Err(format!(
            "\"{text}\": rates are always per group: use group or group,gender"
        ));
    }
    if let Some(other) = parts.iter().find(|p| !["group", "gender"].contains(p)) {
        return Err(format!(
            "\"{other}\" is not allowed: use group or group,gender"
        ));
    }
    Ok(ByGender(parts.contains(&"gender")))
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("\"{text}\" is not a date: use YYYY-MM-DD"))
}

impl CalibrateArgs {
    /// The library's options for `calibrate` from records.
    pub fn into_options(self) -> CalibrateOptions {
        CalibrateOptions {
            records: self.records.unwrap_or_default(),
            by_gender: self.by.0,
            bands: self
                .bands
                .map_or_else(|| vec![Band { from: 0, to: None }], |b| b.0),
            from: self.from,
            until: self.until,
            min_people: self.min_people,
            skip_bad_rows: self.skip_bad_rows,
            extends: self.extends,
            out: self.out,
        }
    }
}

impl CalibrateArgs {
    /// The library's options for `calibrate --counts`.
    pub fn counts_options(self, counts: PathBuf) -> CountsOptions {
        CountsOptions {
            counts,
            scenario: self.extends.unwrap_or_else(|| "malmo".into()),
            out: self.out,
        }
    }
}

/// Arguments of `backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Scenario of the past period (file or built-in name).
    pub scenario: Option<String>,
    /// Observed yearly figures (CSV: year, metric, value, optional gender).
    #[arg(long, value_name = "OBSERVED.csv")]
    pub observed: PathBuf,
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Write backtest.csv and the chart (SVG, PNG) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl BacktestArgs {
    /// The library's options for `backtest`.
    pub fn into_options(self) -> BacktestOptions {
        BacktestOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            observed: self.observed,
            sim: self.sim.options(),
            out: self.out,
        }
    }
}

/// Arguments of `synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Scenario file or built-in name (default: the embedded Malmö scenario).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub set: SetArgs,
    /// Master seed.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Which replication of that seed to write.
    #[arg(long, default_value_t = 0)]
    pub replication: u64,
    /// The records file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

impl SynthArgs {
    /// The library's options for `synth`.
    pub fn into_options(self) -> SynthOptions {
        SynthOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            seed: self.seed,
            replication: self.replication,
            out: self.out,
        }
    }
}

/// Arguments of `stress`.
#[derive(Debug, Args)]
pub struct StressArgs {
    /// Scenario file or built-in name (default: the embedded Malmö scenario).
    pub scenario: Option<String>,
    /// A target-group definition of the scenario to test (repeatable; default: every
    /// [definitions] block).
    #[arg(long = "definition", value_name = "NAME")]
    pub definitions: Vec<String>,
    /// A target to compare, e.g. 'positive_exits>=400@2026' (repeatable; default: the
    /// scenario's targets).
    #[arg(long = "target", value_name = "EXPR")]
    pub targets: Vec<String>,
    /// Override a scenario value for every alternative, e.g. --set
    /// definitions.no_60_plus.ineligible=shrink. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Switch on a shock for every alternative. Repeatable.
    #[arg(long = "shock", value_name = "NAME")]
    pub shocks: Vec<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

impl StressArgs {
    /// The library's options for `stress`.
    pub fn into_options(self) -> StressOptions {
        StressOptions {
            scenario: self.scenario,
            definitions: self.definitions,
            set: SetArgs {
                set: self.set,
                shocks: self.shocks,
                definition: None,
            }
            .overrides(),
            targets: self.targets,
            sim: self.sim.options(),
            out: self.output.out,
            format: self.output.format.format(),
            csv_dialect: self.output.csv_dialect.dialect(),
        }
    }
}

/// Arguments of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file or built-in name (default: the embedded Malmö scenario).
    pub scenario: Option<String>,
    /// A varied value: KEY=FROM..TO[:STEP] (inclusive) or KEY=V1,V2,... Repeatable; the
    /// grid is every combination.
    #[arg(long = "vary", value_name = "KEY=RANGE", required = true)]
    pub vary: Vec<String>,
    /// Target(s) to report, e.g. 'positive_exits>=450@2027' (default: the scenario's);
    /// the first is drawn in the heatmap.
    #[arg(long = "target", value_name = "EXPR")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

impl SweepArgs {
    /// The library's options for `sweep`.
    pub fn into_options(self) -> SweepOptions {
        SweepOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            vary: self.vary,
            targets: self.targets,
            sim: self.sim.options(),
            out: self.output.out,
            format: self.output.format.format(),
            csv_dialect: self.output.csv_dialect.dialect(),
        }
    }
}

/// Arguments of `size`.
#[derive(Debug, Args)]
pub struct SizeArgs {
    /// Scenario file or built-in name (default: the embedded Malmö scenario).
    pub scenario: Option<String>,
    /// Target that must be met, e.g. 'positive_exits>=450@2027'. Repeatable: all must be
    /// met in the same simulated future.
    #[arg(long = "target", value_name = "EXPR", required = true)]
    pub targets: Vec<String>,
    /// Probability with which the targets must be met.
    #[arg(long, default_value_t = 0.8, value_parser = parse_confidence)]
    pub confidence: f64,
    /// Keys to search: KEY (1 up to four times the scenario's value), KEY=FROM..TO[:STEP],
    /// or KEY,KEY. The first is searched by bisection (more must never be worse).
    #[arg(long = "over", value_name = "KEY[=RANGE]", required = true)]
    pub over: Vec<String>,
    /// Largest acceptable mean yearly budget in the targets' years, SEK.
    #[arg(long, value_name = "SEK")]
    pub budget_max: Option<f64>,
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

fn parse_confidence(text: &str) -> Result<f64, String> {
    let c: f64 = text
        .parse()
        .map_err(|_| format!("{text} is not a number"))?;
    if c > 0.0 && c < 1.0 {
        Ok(c)
    } else {
        Err(format!(
            "{text} is not allowed: give a probability strictly between 0 and 1, e.g. 0.8"
        ))
    }
}

impl SizeArgs {
    /// The library's options for `size`.
    pub fn into_options(self) -> SizeOptions {
        SizeOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            targets: self.targets,
            confidence: self.confidence,
            over: self.over,
            budget_max: self.budget_max,
            sim: self.sim.options(),
            out: self.output.out,
            format: self.output.format.format(),
            csv_dialect: self.output.csv_dialect.dialect(),
        }
    }
}

/// Arguments of `sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file or built-in name (default: the embedded Malmö scenario).
    pub scenario: Option<String>,
    /// The measure: a target's probability, 'P(positive_exits>=400@2026)', or a metric's
    /// mean, 'positive_exits@2026' (summed over years with @2025-2027).
    #[arg(long)]
    pub metric: String,
    /// Relative change down and up, e.g. 10% or 0.1.
    #[arg(long, default_value = "10%", value_parser = parse_delta)]
    pub delta: f64,
    /// Vary only these key paths (comma-separated or repeated), e.g.
    /// groups.af_job.hazards.work,teams.count.
    #[arg(long, value_name = "KEY", value_delimiter = ',')]
    pub only: Vec<String>,
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

impl SensitivityArgs {
    /// The library's options for `sensitivity`.
    pub fn into_options(self) -> SensitivityOptions {
        SensitivityOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            metric: self.metric,
            delta: self.delta,
            only: self.only,
            sim: self.sim.options(),
            out: self.output.out,
            format: self.output.format.format(),
            csv_dialect: self.output.csv_dialect.dialect(),
        }
    }
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
        }
    }
}

impl CompareArgs {
    /// The library's options for `compare`.
    pub fn into_options(self) -> CompareOptions {
        CompareOptions {
            scenarios: self.scenarios,
            variants: self.variants,
            set: self.set.overrides(),
            targets: self.targets,
            sim: self.sim.options(),
            out: self.output.out,
            format: self.output.format.format(),
            csv_dialect: self.output.csv_dialect.dialect(),
        }
    }
}

impl RunArgs {
    /// The library's options for a nowcast, if --as-of and --state are given.
    pub fn nowcast_options(&self) -> Option<NowcastOptions> {
        Some(NowcastOptions {
            scenario: self.scenario.clone(),
            set: self.set.overrides(),
            sim: self.sim.options(),
            as_of: self.as_of?,
            state: self.state.clone()?,
            skip_bad_rows: self.skip_bad_rows,
            out: self.output.out.clone(),
        })
    }

    /// The library's options for `run`.
    pub fn into_options(self) -> RunOptions {
        RunOptions {
            scenario: self.scenario,
            set: self.set.overrides(),
            sim: self.sim.options(),
            out: self.output.out,
            format: self.output.format.format(),
            csv_dialect: self.output.csv_dialect.dialect(),
            precision: self.precision,
            report: self.report,
            lang: match self.lang {
                LangArg::En => Lang::En,
                LangArg::Sv => Lang::Sv,
            },
            charts: self.charts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
