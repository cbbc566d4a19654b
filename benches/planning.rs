//! Time of the planning commands on the default Malmö scenario: `size` (how many teams for
//! 600 exits to work or studies in 2027 at 80 % confidence, searching 1–40 teams) and
//! `compare` of the default against the two-posts-cut variant. Figures are in the README.

use criterion::{criterion_group, criterion_main, Criterion};
use kraftsim::commands::compare::{self, CompareOptions};
use kraftsim::commands::{Format, SimOptions};
use kraftsim::planning::size::{size, SizeSpec};
use kraftsim::planning::sweep::Dimension;
use kraftsim::scenario::{load_builtin, target_expr};

fn sim(replications: u64) -> SimOptions {
    SimOptions {
        replications,
        seed: 2025,
        threads: None,
        no_uncertainty: false,
        simulator: Default::default(),
    }
}

fn planning(c: &mut Criterion) {
    let mut g = c.benchmark_group("planning");
    g.sample_size(10);
    let malmo = load_builtin("malmo").unwrap().unwrap();
    let spec = SizeSpec {
        dims: vec![Dimension::parse("teams.count=1..40").unwrap()],
        targets: target_expr::resolve(&malmo, &["positive_exits>=600@2027".into()]).unwrap(),
        confidence: 0.8,
        budget_max: None,
        sim: sim(10_000),
    };
    g.bench_function("size_default_teams_1_to_40", |b| {
        b.iter(|| size(&malmo, &spec, &|_| {}).unwrap())
    });
    let opts = CompareOptions {
        scenarios: vec!["malmo".into(), "scenarios/malmo-two-posts-cut.toml".into()],
        variants: vec![],
        set: vec![],
        targets: vec![],
        sim: sim(1_000),
        out: None,
        format: Format::Table,
        csv_dialect: Default::default(),
    };
    g.bench_function("compare_default_vs_two_posts_cut_1000", |b| {
        b.iter(|| compare::compare(&opts, &|_| {}).unwrap())
    });
    g.finish();
}

criterion_group!(benches, planning);
criterion_main!(benches);
