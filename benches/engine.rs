//! Throughput of the engine: one replication of the reference workload R1 (with the vector
//! and the scalar participant loop) and of the
//! default Malmö scenario; a full run of 1,000 replications of each at 1 and 2 threads
//! (with aggregation); and one replication of R1 scaled in horizon (3, 10, 30 years) and in
//! size (12, 120, 1,200 teams), in participant-months per second, to show that cost grows
//! linearly in the work. Figures and the method are in docs/performance.md.

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use kraftsim::engine::{Engine, Workspace};
use kraftsim::model::Programme;
use kraftsim::montecarlo::{self, Plan};
use kraftsim::scenario::{load_builtin, load_text};

/// Participant-months of one replication (the unit of work).
fn participant_months(engine: &Engine) -> u64 {
    let mut ws = Workspace::default();
    let mut t = engine.trajectory();
    engine.run(1, 0, &mut ws, &mut t);
    t.active.iter().map(|&a| a as u64).sum()
}

/// Benchmarks one replication of `p` (successive replication indices), in
/// participant-months per second.
fn bench_replication(g: &mut BenchmarkGroup<'_, WallTime>, id: BenchmarkId, p: &Programme) {
    bench_engine(g, id, Engine::new(p));
}

/// Benchmarks one replication of an engine (successive replication indices).
fn bench_engine(g: &mut BenchmarkGroup<'_, WallTime>, id: BenchmarkId, engine: Engine) {
    g.throughput(Throughput::Elements(participant_months(&engine)));
    let mut ws = Workspace::default();
    let mut t = engine.trajectory();
    let mut rep = 0u64;
    g.bench_function(id, |b| {
        b.iter(|| {
            engine.run(1, rep, &mut ws, &mut t);
            rep += 1;
        })
    });
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("r1_scaling");
    g.sample_size(10);
    let variants = [
        ("horizon_3y", "[calendar]\nhorizon_months = 36\n"),
        ("horizon_10y", "[calendar]\nhorizon_months = 120\n"),
        ("horizon_30y", "[calendar]\nhorizon_months = 360\n"),
        ("teams_120", "[teams]\ncount = 120\n"),
        ("teams_1200", "[teams]\ncount = 1200\n"),
    ];
    for (name, change) in variants {
        let text = format!("extends = \"reference\"\n{change}");
        let p = load_text(&text, name, None).unwrap().programme;
        bench_replication(&mut g, BenchmarkId::from_parameter(name), &p);
    }
    g.finish();
}

fn one_replication(c: &mut Criterion) {
    let mut g = c.benchmark_group("one_replication");
    for name in ["reference", "malmo"] {
        let p = load_builtin(name).unwrap().unwrap().programme;
        bench_replication(&mut g, BenchmarkId::from_parameter(name), &p);
    }
    // The same R1 replications with the scalar participant loop (what a machine without
    // AVX2 runs): the vector loop's gain.
    let p = load_builtin("reference").unwrap().unwrap().programme;
    let id = BenchmarkId::from_parameter("reference_scalar_loop");
    bench_engine(&mut g, id, Engine::new(&p).scalar_only());
    g.finish();
}

fn full_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("run_1000_replications");
    g.sample_size(10);
    for name in ["reference", "malmo"] {
        let p = load_builtin(name).unwrap().unwrap().programme;
        for threads in [1usize, 2] {
            g.throughput(Throughput::Elements(1000));
            g.bench_function(BenchmarkId::new(name, format!("{threads}_threads")), |b| {
                b.iter(|| {
                    montecarlo::run(
                        &p,
                        &Plan {
                            replications: 1000,
                            seed: 1,
                            threads: Some(threads),
                            ..Plan::default()
                        },
                        &|_| {},
                    )
                    .unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, one_replication, full_run, scaling);
criterion_main!(benches);
