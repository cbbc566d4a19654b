//! Throughput of the engine: one replication of the reference workload R1 and of the
//! default Malmö scenario, and a full run of 1,000 replications of each (with aggregation).
//! Figures and the method are recorded in README.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kraftsim::engine::{Engine, Workspace};
use kraftsim::montecarlo::{self, Plan};
use kraftsim::scenario::load_builtin;

fn one_replication(c: &mut Criterion) {
    let mut g = c.benchmark_group("one_replication");
    for name in ["reference", "malmo"] {
        let p = load_builtin(name).unwrap().unwrap().programme;
        let engine = Engine::new(&p);
        let mut ws = Workspace::default();
        let mut t = engine.trajectory();
        let mut rep = 0u64;
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                engine.run(1, rep, &mut ws, &mut t);
                rep += 1;
            })
        });
    }
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

criterion_group!(benches, one_replication, full_run);
criterion_main!(benches);
