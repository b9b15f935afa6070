//! Face gallery search at 1,000, 10,000 and 100,000 enrolled embeddings (issue 4: ≤ 5 ms at
//! 100,000 on 2 cores). Random unit vectors from a seeded generator, so every run searches the
//! same gallery; 5 embeddings per person. `gateward bench faces` prints the same figures with
//! the face models' stages; this is the statistically careful version.
//!
//! `cargo bench --bench gallery` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gateward::recognize::gallery::{MatchParams, RandomEmbeddings};
use gateward::vision::face_embed::Embedding;

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("gallery_search");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let params = MatchParams::default();
    for size in [1_000, 10_000, 100_000] {
        let mut rng = RandomEmbeddings::new(0x5EED_F00D_0000_0000 ^ size as u64);
        let g = rng.gallery(size, 5);
        let queries: Vec<Embedding> = (0..64).map(|_| rng.unit()).collect();
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &g, |b, g| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % queries.len();
                black_box(g.search(black_box(&queries[i]), &params))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
