//! The engine against closed forms. Each scenario switches off what the formula does not
//! cover (caseload pressure, gender effects, maximum duration) and runs long enough to reach
//! its steady state: with monthly exit probability p, the share of a cohort still enrolled
//! after the 120-month warm-up is (1 − p)^120 < 1e-5.

use kraftsim::model::Metric;
use kraftsim::stats::collect::{column, AnnualColumn};

use crate::common::{assert_within_4se, collect, mean_se, programme};

/// 12 teams × 10 entrants every month; hazards work 0.05, studies 0.02, other 0.03.
const STEADY: &str = r#"
extends = "reference"
targets = []
[calendar]
horizon_months = 12
warmup_months = 120
[intake]
schedule = "every"
every_months = 1
per_team = 10
mix = { af_job = 1.0, social_services = 0.0, ama = 0.0 }
[intake.continuous.fk]
per_month = 0.0
[pressure]
exponent = 0.0
[groups.af_job]
hazards = { work = 0.05, studies = 0.02, fk_samverkan = 0.0, other = 0.03 }
women = { work = 1.0, studies = 1.0 }
max_duration_months = 600
"#;

fn both(c: &kraftsim::stats::Collector, rep: usize, col: AnnualColumn) -> f64 {
    (c.value(rep, 0, column(col, 0)) + c.value(rep, 0, column(col, 1))) as f64
}

/// Little's law on a monthly grid: a participant is active for K months, K geometric with
/// success probability p = 1 − e^{−H}, so in steady state the caseload after intake is
/// A = λ·E[K] = λ/p, and a year's person-years (survivors 1/12, leavers 1/24 of a year
/// each month) are 12·((A − λ)/12 + λ/24) = A − λ/2.
#[test]
fn littles_law_caseload_and_person_years() {
    let p = programme(STEADY);
    let reps = 400;
    let c = collect(&p, reps, 11);
    let lambda = 120.0;
    let exit_p = 1.0 - (-0.10f64).exp();
    let caseload = lambda / exit_p;
    let py: Vec<f64> = (0..reps as usize)
        .map(|r| both(&c, r, AnnualColumn::PersonYears24) / 24.0)
        .collect();
    let (mean, se) = mean_se(&py);
    assert_within_4se("person-years", mean, caseload - lambda / 2.0, se);

    // The caseload of a month is a sum of independent Bernoulli indicators, so its
    // variance is below its mean: SE ≤ sqrt(A / n).
    let last = c.monthly.histograms.len() / kraftsim::stats::collect::Series::ALL.len() - 1;
    let h = &c.monthly.histograms[last * kraftsim::stats::collect::Series::ALL.len()
        + kraftsim::stats::collect::Series::Active as usize];
    assert_within_4se(
        "caseload in the last month",
        h.mean(),
        caseload,
        (caseload / reps as f64).sqrt(),
    );
}

/// Competing risks: given an exit, its cause is k with probability h_k / H, independently
/// across exits, so pooled cause counts are multinomial with those shares.
#[test]
fn exit_causes_follow_hazard_ratios() {
    let p = programme(STEADY);
    let reps = 200;
    let c = collect(&p, reps, 12);
    let total = |col| (0..reps as usize).map(|r| both(&c, r, col)).sum::<f64>();
    let exits =
        total(AnnualColumn::Work) + total(AnnualColumn::Studies) + total(AnnualColumn::Other);
    assert_eq!(
        total(AnnualColumn::FkSamverkan) + total(AnnualColumn::TimeLimit),
        0.0
    );
    for (col, share) in [
        (AnnualColumn::Work, 0.5),
        (AnnualColumn::Studies, 0.2),
        (AnnualColumn::Other, 0.3),
    ] {
        let observed = total(col) / exits;
        let se = (share * (1.0 - share) / exits).sqrt();
        assert_within_4se(&format!("share of {col:?}"), observed, share, se);
    }
    // In steady state as many leave as enter: 12 months × 120.
    let per_rep: Vec<f64> = (0..reps as usize)
        .map(|r| {
            both(&c, r, AnnualColumn::Work)
                + both(&c, r, AnnualColumn::Studies)
                + both(&c, r, AnnualColumn::Other)
        })
        .collect();
    let (mean, se) = mean_se(&per_rep);
    assert_within_4se("exits per year", mean, 1440.0, se);
}

/// With a maximum duration of D months, a participant reaches it with probability
/// (1 − p)^D; in steady state a year's max_duration exits are 12·λ·(1 − p)^D.
#[test]
fn maximum_duration_is_geometric_survival() {
    let text = STEADY.replace("max_duration_months = 600", "max_duration_months = 3");
    let p = programme(&text);
    let reps = 300;
    let c = collect(&p, reps, 13);
    let survive = (-0.10f64 * 3.0).exp();
    let v: Vec<f64> = (0..reps as usize)
        .map(|r| both(&c, r, AnnualColumn::TimeLimit))
        .collect();
    let (mean, se) = mean_se(&v);
    assert_within_4se("max_duration exits", mean, 1440.0 * survive, se);
}

/// The time limit as a policy: with limit D = 3, extension probability q = 0.6 up to
/// D₂ = 7 and total hazard h = 0.10, a participant reaches the limit with probability
/// S = e^{−3h}; those not extended are closed then, the extended are closed at D₂ if they
/// last the 4 more months: time-limit exits per year are 12·λ·S·((1 − q) + q·e^{−4h}), and
/// everyone extended who lasts to month 7 of their stay (e^{−3h} of them) leaves in it, the
/// only exits of 7–12 months: 12·λ·S·q·e^{−3h}.
#[test]
fn an_extension_at_the_time_limit_moves_closures_as_computed_by_hand() {
    let text = STEADY.replace(
        "max_duration_months = 600",
        "max_duration_months = 3\nextension = { probability = 0.6, until_months = 7 }",
    );
    let p = programme(&text);
    let reps = 300;
    let c = collect(&p, reps, 17);
    let (h, q, yearly) = (0.10f64, 0.6, 1440.0);
    let reach = (-3.0 * h).exp();
    let v: Vec<f64> = (0..reps as usize)
        .map(|r| both(&c, r, AnnualColumn::TimeLimit))
        .collect();
    let (mean, se) = mean_se(&v);
    let expected = yearly * reach * ((1.0 - q) + q * (-4.0 * h).exp());
    assert_within_4se("time-limit exits", mean, expected, se);
    let band: Vec<f64> = (0..reps as usize)
        .map(|r| c.value(r, 0, kraftsim::stats::collect::STAY_COLUMN + 1) as f64)
        .collect();
    let (mean, se) = mean_se(&band);
    assert_within_4se(
        "exits after 7-12 months",
        mean,
        yearly * reach * q * (-3.0 * h).exp(),
        se,
    );
}

/// Continuous intake is Poisson: a year's count has mean and variance 12·μ. The sample
/// variance of n values has standard error about σ²·sqrt(2/(n − 1)).
#[test]
fn continuous_intake_is_poisson() {
    let text = format!(
        "{}\n[intake.continuous.fk]\nper_month = 7.5\n",
        STEADY
            .replace("per_team = 10", "per_team = 0")
            .replace("[intake.continuous.fk]\nper_month = 0.0\n", "")
    );
    let p = programme(&text);
    let reps = 2000;
    let c = collect(&p, reps, 14);
    let v: Vec<f64> = (0..reps as usize)
        .map(|r| both(&c, r, AnnualColumn::Entrants))
        .collect();
    let (mean, se) = mean_se(&v);
    assert_within_4se("FK entrants per year", mean, 90.0, se);
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (reps as f64 - 1.0);
    assert_within_4se(
        "variance of FK entrants",
        var,
        90.0,
        90.0 * (2.0 / (reps as f64 - 1.0)).sqrt(),
    );
}

/// Gender multipliers: women enter at rate λ/2 and, in steady state, leave at the same
/// rate, a share h_work / H of them to work. With the women's work hazard halved
/// (H = 0.025 + 0.02 + 0.03), a year's work exits of women are 12·60·0.025/0.075 = 240.
#[test]
fn gender_multiplier_moves_work_exits() {
    let text = STEADY.replace(
        "women = { work = 1.0, studies = 1.0 }",
        "women = { work = 0.5, studies = 1.0 }",
    );
    let p = programme(&text);
    let reps = 300;
    let c = collect(&p, reps, 15);
    let women: Vec<f64> = (0..reps as usize)
        .map(|r| c.value(r, 0, column(AnnualColumn::Work, 0)) as f64)
        .collect();
    let (w, se) = mean_se(&women);
    assert_within_4se("women's work exits", w, 240.0, se);
}

/// The caseload planner's figures of a cohort nobody leaves before the time limit: 120
/// entrants in January, a limit of 4 months, everyone extended to 6 months in the second
/// variant. Every figure follows by hand: caseload 120 for 4 (or 6) months and 0 after,
/// so its mean over the year is 40 (60), lowest 0, highest 120; everyone is closed at the
/// limit after 4 (6) months, the mean and the median; 120 participants; person-years
/// 120 · 4/12 = 40 (60); no share can be taken of closures other than time-limit ones.
#[test]
fn the_caseload_planners_figures_of_a_cohort_that_stays_to_the_limit() {
    let base = r#"
extends = "reference"
targets = []
[calendar]
horizon_months = 12
[intake]
schedule = "months"
months = ["2025-01"]
per_team = 10
[intake.continuous.fk]
per_month = 0.0
[groups.af_job]
hazards = { work = 0.0, studies = 0.0, fk_samverkan = 0.0, other = 0.0 }
max_duration_months = 4
[groups.social_services]
hazards = { work = 0.0, studies = 0.0, fk_samverkan = 0.0, other = 0.0 }
max_duration_months = 4
[groups.ama]
hazards = { work = 0.0, studies = 0.0, fk_samverkan = 0.0, other = 0.0 }
max_duration_months = 4
"#;
    let extended = base.replace(
        "max_duration_months = 4\n",
        "max_duration_months = 4\nextension = { probability = 1.0, until_months = 6 }\n",
    );
    for (text, months) in [(base.to_string(), 4.0), (extended, 6.0)] {
        let p = programme(&text);
        let c = collect(&p, 20, 3);
        let value = |m: Metric| kraftsim::stats::replication_values(&c, &[0], None, m);
        let all = |m: Metric, want: f64| {
            for v in value(m) {
                assert!(
                    (v - want).abs() < 1e-9,
                    "{}: {v}, not {want} ({months} months)",
                    m.id()
                );
            }
        };
        all(Metric::CaseloadMean, 120.0 * months / 12.0);
        all(Metric::CaseloadMin, 0.0);
        all(Metric::CaseloadMax, 120.0);
        all(Metric::MeanMonthsClosed, months);
        all(Metric::MedianMonthsClosed, months);
        all(Metric::Participants, 120.0);
        all(Metric::TimeLimitExits, 120.0);
        all(Metric::PersonYears, 120.0 * months / 12.0);
        assert!(value(Metric::PositiveShareExcludingTimeLimit)
            .iter()
            .all(|v| v.is_nan()));
        // Women and men add up to everyone where the figure is a count.
        let women = kraftsim::stats::replication_values(&c, &[0], Some(0), Metric::Participants);
        let men = kraftsim::stats::replication_values(&c, &[0], Some(1), Metric::Participants);
        assert!(women.iter().zip(&men).all(|(w, m)| w + m == 120.0));
    }
}
