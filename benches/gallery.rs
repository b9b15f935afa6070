//! Face gallery search at 1,000, 10,000 and 100,000 enrolled embeddings (issue 4: ≤ 5 ms at
//! 100,000 on 2 cores). Random unit vectors from a seeded xorshift, so every run searches the
//! same gallery; 5 embeddings per person.
//!
//! `cargo bench --bench gallery` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gateward::recognize::gallery::{Gallery, MatchParams};
use gateward::vision::face_embed::{EMBEDDING_DIM, Embedding, normalise};

/// xorshift64: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A random unit vector.
    fn unit(&mut self) -> Embedding {
        let mut e = [0.0f32; EMBEDDING_DIM];
        for x in e.iter_mut() {
            *x = (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        }
        assert!(normalise(&mut e));
        e
    }
}

fn gallery(size: usize, rng: &mut XorShift) -> Gallery {
    let mut g = Gallery::with_capacity(size);
    for i in 0..size {
        g.add((i / 5) as i64, &rng.unit())
            .expect("random vectors are valid");
    }
    g
}

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("gallery_search");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let params = MatchParams::default();
    for size in [1_000, 10_000, 100_000] {
        let mut rng = XorShift(0x5EED_F00D_0000_0000 ^ size as u64);
        let g = gallery(size, &mut rng);
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
