//! The face gallery: every enrolled person's face embeddings in one contiguous buffer, searched
//! by cosine similarity, with an explicit **unknown** when the best person is not similar
//! enough or is too close to the next person to tell apart. Pure: no I/O.
//!
//! A stranger named as a known person is the worst failure at the gate, so the gallery would
//! rather say "unknown" than guess. Guards' corrections ("this face is not that person") are kept
//! as exclusions and rule that person out for faces like the corrected one.
//!
//! Embeddings are L2-normalised ([`crate::vision::face_embed`]), so a dot product is their
//! cosine. They are stored row-major, [`EMBEDDING_DIM`] floats a row, and the dot products run in
//! lanes of 8 floats that LLVM turns into SIMD instructions; large galleries are split across
//! threads. 100,000 embeddings are searched in a few milliseconds (`cargo bench --bench gallery`).

use std::fmt;
use std::num::NonZeroUsize;

use crate::vision::face_embed::{EMBEDDING_DIM, Embedding, normalise};

/// A person's id in the gate records (`people.id`).
pub type PersonId = i64;

/// Floats summed side by side in a dot product: one AVX register, or two SSE ones.
const LANES: usize = 8;

/// Below this many embeddings a search runs on the calling thread; starting threads costs more
/// than it saves.
const PARALLEL_FROM: usize = 16_384;

/// Most threads one search uses.
const MAX_THREADS: usize = 8;

/// How a face is matched against the gallery. The defaults come from measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchParams {
    /// Least cosine similarity for a person to be named. The comparison of face embedders in
    /// `MODEL-SOURCES.md` (shared) measured the same-person and different-person pairs of this
    /// embedder separating at 0.66–0.72 (23 same-person, 4,344 different-person pairs). On the
    /// fixtures, through gateward's own chain: same person 0.685–0.920, any face against a
    /// portrait of someone else at most 0.313, two small Solvay faces of different people up to
    /// 0.650; see `models/MODELS.md`. Default 0.66.
    pub threshold: f32,
    /// Least lead the best person must have over the second-best person; closer than this the
    /// face is unknown rather than a coin toss between two people. Default 0.08.
    pub margin: f32,
    /// A face at least this similar to a face a guard said is *not* person P never matches P.
    /// Default 0.9: the same face seen again, not merely a similar one.
    pub exclusion_similarity: f32,
}

impl MatchParams {
    /// Default [`MatchParams::threshold`], measured (see its documentation).
    pub const DEFAULT_THRESHOLD: f32 = 0.66;
    /// Default [`MatchParams::margin`].
    pub const DEFAULT_MARGIN: f32 = 0.08;
    /// Default [`MatchParams::exclusion_similarity`].
    pub const DEFAULT_EXCLUSION_SIMILARITY: f32 = 0.9;
}

impl Default for MatchParams {
    fn default() -> MatchParams {
        MatchParams {
            threshold: MatchParams::DEFAULT_THRESHOLD,
            margin: MatchParams::DEFAULT_MARGIN,
            exclusion_similarity: MatchParams::DEFAULT_EXCLUSION_SIMILARITY,
        }
    }
}

/// The answer of a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Match {
    /// The face is this person.
    Known {
        person: PersonId,
        /// The person's score: the highest cosine similarity over their embeddings.
        similarity: f32,
        /// The second-best person and their score, if anyone else is enrolled.
        runner_up: Option<(PersonId, f32)>,
    },
    /// The face is nobody the gallery can name.
    Unknown {
        reason: UnknownReason,
        /// The best person found and their score, when there was one.
        best: Option<(PersonId, f32)>,
    },
}

impl Match {
    /// The person named, if any.
    pub fn person(&self) -> Option<PersonId> {
        match self {
            Match::Known { person, .. } => Some(*person),
            Match::Unknown { .. } => None,
        }
    }
}

/// Why a face is unknown. [`fmt::Display`] says it in words for the screen and the logs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnknownReason {
    /// Nobody is enrolled.
    EmptyGallery,
    /// Everyone enrolled was ruled out for this face by a guard's correction.
    AllExcluded,
    /// The query has no direction (all zero or not finite).
    InvalidQuery,
    /// The best person is less similar than the threshold.
    BelowThreshold { similarity: f32, threshold: f32 },
    /// The best and the second-best people are closer than the margin.
    TooClose {
        person: PersonId,
        similarity: f32,
        other: PersonId,
        other_similarity: f32,
        margin: f32,
    },
}

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownReason::EmptyGallery => f.write_str("nobody is enrolled"),
            UnknownReason::AllExcluded => {
                f.write_str("everyone enrolled was ruled out for this face by a correction")
            }
            UnknownReason::InvalidQuery => {
                f.write_str("the face embedding has no length (all zero or not finite)")
            }
            UnknownReason::BelowThreshold {
                similarity,
                threshold,
            } => write!(
                f,
                "best similarity {similarity:.3} is below the threshold {threshold:.3}"
            ),
            UnknownReason::TooClose {
                person,
                similarity,
                other,
                other_similarity,
                margin,
            } => write!(
                f,
                "person {person} ({similarity:.3}) is too close to person {other} \
                 ({other_similarity:.3}) to tell apart: less than the margin {margin:.3}"
            ),
        }
    }
}

/// An embedding that cannot be stored: wrong length, all zero or not finite.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a face embedding must be {EMBEDDING_DIM} finite numbers, not all zero; {detail}")]
pub struct InvalidEmbedding {
    pub detail: String,
}

/// Enrolled faces, several per person, and the corrections guards made.
#[derive(Debug, Clone, Default)]
pub struct Gallery {
    /// Row-major, [`EMBEDDING_DIM`] floats per embedding, each of unit length.
    data: Vec<f32>,
    /// The owner of each row of `data`.
    owners: Vec<PersonId>,
    /// Faces guards said are not a person: row-major like `data`.
    excluded: Vec<f32>,
    /// The person each row of `excluded` is not.
    excluded_owners: Vec<PersonId>,
    /// How many changes were made: an answer given before a change may be out of date.
    revision: u64,
}

impl Gallery {
    /// An empty gallery.
    pub fn new() -> Gallery {
        Gallery::default()
    }

    /// An empty gallery with room for `embeddings` embeddings.
    pub fn with_capacity(embeddings: usize) -> Gallery {
        Gallery {
            data: Vec::with_capacity(embeddings * EMBEDDING_DIM),
            owners: Vec::with_capacity(embeddings),
            ..Gallery::default()
        }
    }

    /// Adds one embedding of `person`, normalising it to unit length.
    pub fn add(&mut self, person: PersonId, embedding: &Embedding) -> Result<(), InvalidEmbedding> {
        let unit = unit(embedding)?;
        self.data.extend_from_slice(&unit);
        self.owners.push(person);
        self.revision += 1;
        Ok(())
    }

    /// Adds one embedding given as a slice, as the store keeps them
    /// (`store::people::FaceEmbedding::vector`).
    pub fn add_vector(&mut self, person: PersonId, vector: &[f32]) -> Result<(), InvalidEmbedding> {
        self.add(person, &to_array(vector)?)
    }

    /// Records that `embedding` is a face of someone who is not `person` (a guard's
    /// correction): later faces within [`MatchParams::exclusion_similarity`] of it never match
    /// `person`.
    pub fn exclude(
        &mut self,
        person: PersonId,
        embedding: &Embedding,
    ) -> Result<(), InvalidEmbedding> {
        let unit = unit(embedding)?;
        self.excluded.extend_from_slice(&unit);
        self.excluded_owners.push(person);
        self.revision += 1;
        Ok(())
    }

    /// [`Gallery::exclude`] for a vector given as a slice, as the store keeps corrections.
    pub fn exclude_vector(
        &mut self,
        person: PersonId,
        vector: &[f32],
    ) -> Result<(), InvalidEmbedding> {
        self.exclude(person, &to_array(vector)?)
    }

    /// Removes every embedding and correction of `person`; returns how many embeddings went.
    pub fn remove_person(&mut self, person: PersonId) -> usize {
        let before = (self.owners.len(), self.excluded_owners.len());
        retain_rows(&mut self.data, &mut self.owners, |p| p != person);
        retain_rows(&mut self.excluded, &mut self.excluded_owners, |p| {
            p != person
        });
        if before != (self.owners.len(), self.excluded_owners.len()) {
            self.revision += 1;
        }
        before.0 - self.owners.len()
    }

    /// Removes the embedding of `person` closest to `vector` when it is the same face (cosine
    /// similarity 0.999 or more: the one stored from it); returns whether one went.
    pub fn remove_vector(&mut self, person: PersonId, vector: &[f32]) -> bool {
        let Ok(query) = to_array(vector).and_then(|v| unit(&v)) else {
            return false;
        };
        let found = self.owners.iter().enumerate().find(|(i, p)| {
            **p == person
                && self.data[i * EMBEDDING_DIM..(i + 1) * EMBEDDING_DIM]
                    .iter()
                    .zip(&query)
                    .map(|(a, b)| a * b)
                    .sum::<f32>()
                    >= 0.999
        });
        let Some((row, _)) = found else {
            return false;
        };
        self.data
            .drain(row * EMBEDDING_DIM..(row + 1) * EMBEDDING_DIM);
        self.owners.remove(row);
        self.revision += 1;
        true
    }

    /// How many embeddings are enrolled.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether no embedding is enrolled.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// How many corrections are recorded.
    pub fn exclusions(&self) -> usize {
        self.excluded_owners.len()
    }

    /// Changes so far (faces added or removed, corrections made): a face searched for before
    /// the revision changed may have another answer now.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Finds who `query` is. A person's score is their best-matching embedding; the best person
    /// is named only when their score reaches `params.threshold` and leads the second-best person
    /// by at least `params.margin`. People a guard ruled out for a face like this one are
    /// skipped. The query need not be normalised.
    pub fn search(&self, query: &Embedding, params: &MatchParams) -> Match {
        let unknown = |reason| Match::Unknown { reason, best: None };
        if self.is_empty() {
            return unknown(UnknownReason::EmptyGallery);
        }
        let Ok(query) = unit(query) else {
            return unknown(UnknownReason::InvalidQuery);
        };
        let skip = self.ruled_out(&query, params.exclusion_similarity);
        let top = self.top_two(&query, &skip);
        let Some((person, similarity)) = top.best else {
            return unknown(UnknownReason::AllExcluded);
        };
        let best = Some((person, similarity));
        if similarity < params.threshold {
            return Match::Unknown {
                reason: UnknownReason::BelowThreshold {
                    similarity,
                    threshold: params.threshold,
                },
                best,
            };
        }
        if let Some((other, other_similarity)) = top.second
            && similarity - other_similarity < params.margin
        {
            return Match::Unknown {
                reason: UnknownReason::TooClose {
                    person,
                    similarity,
                    other,
                    other_similarity,
                    margin: params.margin,
                },
                best,
            };
        }
        Match::Known {
            person,
            similarity,
            runner_up: top.second,
        }
    }

    /// The people ruled out for `query` by corrections, sorted.
    fn ruled_out(&self, query: &Embedding, similarity: f32) -> Vec<PersonId> {
        let (rows, _) = self.excluded.as_chunks::<EMBEDDING_DIM>();
        let mut people: Vec<PersonId> = rows
            .iter()
            .zip(&self.excluded_owners)
            .filter(|(row, _)| dot(row, query) >= similarity)
            .map(|(_, p)| *p)
            .collect();
        people.sort_unstable();
        people.dedup();
        people
    }

    /// The best two people for `query`, split across threads for large galleries.
    fn top_two(&self, query: &Embedding, skip: &[PersonId]) -> TopTwo {
        let (rows, _) = self.data.as_chunks::<EMBEDDING_DIM>();
        let threads = if rows.len() < PARALLEL_FROM {
            1
        } else {
            std::thread::available_parallelism()
                .map_or(1, NonZeroUsize::get)
                .clamp(1, MAX_THREADS)
                .min(rows.len() / (PARALLEL_FROM / 2))
        };
        if threads <= 1 {
            return scan(rows, &self.owners, query, skip);
        }
        let per = rows.len().div_ceil(threads);
        let mut parts = rows.chunks(per).zip(self.owners.chunks(per));
        let first = parts.next();
        std::thread::scope(|s| {
            let spawned: Vec<_> = parts
                .map(|(r, o)| s.spawn(move || scan(r, o, query, skip)))
                .collect();
            // the calling thread takes the first part itself
            let first = first.map_or_else(TopTwo::default, |(r, o)| scan(r, o, query, skip));
            spawned.into_iter().fold(first, |acc, h| match h.join() {
                Ok(part) => acc.merge(part),
                Err(panic) => std::panic::resume_unwind(panic),
            })
        })
    }
}

/// The best person and the best of the others, each with their score.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct TopTwo {
    best: Option<(PersonId, f32)>,
    second: Option<(PersonId, f32)>,
}

impl TopTwo {
    /// Takes one embedding of `person` scoring `s` into account.
    #[inline]
    fn offer(&mut self, person: PersonId, s: f32) {
        match self.best {
            Some((p, b)) if p == person => {
                if s > b {
                    self.best = Some((p, s));
                }
            }
            Some((_, b)) if s <= b => match self.second {
                Some((q, c)) if q == person => {
                    if s > c {
                        self.second = Some((q, s));
                    }
                }
                Some((_, c)) if s <= c => {}
                _ => self.second = Some((person, s)),
            },
            // a new best person: the old best leads every other person
            _ => {
                self.second = self.best;
                self.best = Some((person, s));
            }
        }
    }

    /// Combines the results of two disjoint parts of the gallery. Each part's top two suffice:
    /// the best person other than the overall best is either part's best or, where that is the
    /// overall best person, that part's second.
    fn merge(mut self, other: TopTwo) -> TopTwo {
        for (p, s) in [other.best, other.second].into_iter().flatten() {
            self.offer(p, s);
        }
        self
    }
}

/// Scores every row against `query`, skipping the people in `skip` (sorted).
fn scan(
    rows: &[[f32; EMBEDDING_DIM]],
    owners: &[PersonId],
    query: &Embedding,
    skip: &[PersonId],
) -> TopTwo {
    let mut top = TopTwo::default();
    if skip.is_empty() {
        for (row, &person) in rows.iter().zip(owners) {
            top.offer(person, dot(row, query));
        }
    } else {
        for (row, &person) in rows.iter().zip(owners) {
            if skip.binary_search(&person).is_err() {
                top.offer(person, dot(row, query));
            }
        }
    }
    top
}

/// Dot product of two embeddings in lanes of [`LANES`] floats: the array accumulator keeps
/// the lanes independent, so LLVM vectorises the loop (floating-point addition is not
/// associative, so a plain running sum would stay scalar).
#[inline(always)]
fn dot(a: &[f32; EMBEDDING_DIM], b: &[f32; EMBEDDING_DIM]) -> f32 {
    let (a, _) = a.as_chunks::<LANES>();
    let (b, _) = b.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (x, y) in a.iter().zip(b) {
        for ((sum, x), y) in acc.iter_mut().zip(x).zip(y) {
            *sum += x * y;
        }
    }
    acc.iter().sum()
}

/// `embedding` scaled to unit length.
fn unit(embedding: &Embedding) -> Result<Embedding, InvalidEmbedding> {
    let mut e = *embedding;
    if e.iter().all(|x| x.is_finite()) && normalise(&mut e) {
        Ok(e)
    } else {
        Err(InvalidEmbedding {
            detail: "this one is all zero or not finite".to_owned(),
        })
    }
}

fn to_array(vector: &[f32]) -> Result<Embedding, InvalidEmbedding> {
    Embedding::try_from(vector).map_err(|_| InvalidEmbedding {
        detail: format!("this one has {} numbers", vector.len()),
    })
}

/// Keeps the rows (of [`EMBEDDING_DIM`] floats) whose owner passes `keep`, in order.
fn retain_rows(data: &mut Vec<f32>, owners: &mut Vec<PersonId>, keep: impl Fn(PersonId) -> bool) {
    let mut kept = 0;
    for i in 0..owners.len() {
        if keep(owners[i]) {
            if kept != i {
                data.copy_within(
                    i * EMBEDDING_DIM..(i + 1) * EMBEDDING_DIM,
                    kept * EMBEDDING_DIM,
                );
                owners[kept] = owners[i];
            }
            kept += 1;
        }
    }
    data.truncate(kept * EMBEDDING_DIM);
    owners.truncate(kept);
}

/// Random unit vectors from a seeded xorshift, for benchmarks: the same seed always gives the
/// same vectors, so every run searches the same gallery.
#[derive(Debug, Clone)]
pub struct RandomEmbeddings(u64);

impl RandomEmbeddings {
    /// A generator started from `seed` (any value; 0 is replaced, since xorshift sticks at 0).
    pub fn new(seed: u64) -> RandomEmbeddings {
        RandomEmbeddings(if seed == 0 { 0x5EED } else { seed })
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// The next random unit vector.
    pub fn unit(&mut self) -> Embedding {
        loop {
            let mut e = [0.0f32; EMBEDDING_DIM];
            for x in e.iter_mut() {
                *x = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            }
            if let Ok(u) = unit(&e) {
                return u;
            }
        }
    }

    /// A gallery of `size` random embeddings, `per_person` per person.
    pub fn gallery(&mut self, size: usize, per_person: usize) -> Gallery {
        let mut g = Gallery::with_capacity(size);
        for i in 0..size {
            let e = self.unit();
            g.data.extend_from_slice(&e);
            g.owners.push((i / per_person.max(1)) as PersonId);
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random unit vector.
    fn random_unit(seed: u64) -> Embedding {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut e = [0.0f32; EMBEDDING_DIM];
        for x in e.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *x = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        }
        assert!(normalise(&mut e));
        e
    }

    /// A unit vector with cosine exactly `c` to the unit vector `base` (`other` gives the
    /// direction of the rest).
    fn at_cosine(base: &Embedding, other: &Embedding, c: f32) -> Embedding {
        let d = dot(base, other);
        let mut ortho = [0.0f32; EMBEDDING_DIM];
        for ((o, b), x) in ortho.iter_mut().zip(base).zip(other) {
            *o = x - d * b;
        }
        assert!(normalise(&mut ortho));
        let s = (1.0 - c * c).sqrt();
        let mut e = [0.0f32; EMBEDDING_DIM];
        for ((e, b), o) in e.iter_mut().zip(base).zip(&ortho) {
            *e = c * b + s * o;
        }
        e
    }

    fn params() -> MatchParams {
        MatchParams::default()
    }

    #[test]
    fn defaults_are_the_measured_ones() {
        let p = MatchParams::default();
        assert_eq!(
            (p.threshold, p.margin, p.exclusion_similarity),
            (0.66, 0.08, 0.9)
        );
    }

    #[test]
    fn dot_of_unit_vectors_is_their_cosine() {
        let (a, b) = (random_unit(1), random_unit(2));
        let expected = crate::vision::face_embed::cosine(&a, &b);
        assert!((dot(&a, &b) - expected).abs() < 1e-5);
        assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
        let c = at_cosine(&a, &b, 0.7);
        assert!((dot(&a, &c) - 0.7).abs() < 1e-5);
    }

    #[test]
    fn empty_gallery_is_unknown() {
        let g = Gallery::new();
        assert!(g.is_empty());
        assert_eq!(
            g.search(&random_unit(1), &params()),
            Match::Unknown {
                reason: UnknownReason::EmptyGallery,
                best: None
            }
        );
    }

    #[test]
    fn a_known_person_is_matched() {
        let mut g = Gallery::new();
        for person in 1..=20 {
            g.add(person, &random_unit(person as u64)).unwrap();
        }
        let probe = at_cosine(&random_unit(7), &random_unit(1000), 0.8);
        match g.search(&probe, &params()) {
            Match::Known {
                person,
                similarity,
                runner_up,
            } => {
                assert_eq!(person, 7);
                assert!((similarity - 0.8).abs() < 1e-4, "{similarity}");
                let (other, s) = runner_up.unwrap();
                assert_ne!(other, 7);
                assert!(s < 0.5);
            }
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn below_threshold_is_unknown_with_the_best_guess() {
        let mut g = Gallery::new();
        g.add(1, &random_unit(1)).unwrap();
        g.add(2, &random_unit(2)).unwrap();
        let probe = at_cosine(&random_unit(1), &random_unit(99), 0.6);
        match g.search(&probe, &params()) {
            Match::Unknown {
                reason:
                    UnknownReason::BelowThreshold {
                        similarity,
                        threshold,
                    },
                best: Some((1, s)),
            } => {
                assert!((similarity - 0.6).abs() < 1e-4);
                assert_eq!(s, similarity);
                assert_eq!(threshold, 0.66);
            }
            m => panic!("{m:?}"),
        }
        // the same face is named under a laxer threshold
        let lax = MatchParams {
            threshold: 0.5,
            ..params()
        };
        assert_eq!(g.search(&probe, &lax).person(), Some(1));
    }

    #[test]
    fn two_people_too_close_is_unknown_naming_both() {
        let mut g = Gallery::new();
        let probe = random_unit(50);
        g.add(11, &at_cosine(&probe, &random_unit(1), 0.85))
            .unwrap();
        g.add(22, &at_cosine(&probe, &random_unit(2), 0.80))
            .unwrap();
        g.add(33, &random_unit(3)).unwrap();
        let m = g.search(&probe, &params());
        let Match::Unknown {
            reason,
            best: Some((11, _)),
        } = m
        else {
            panic!("{m:?}");
        };
        assert!(
            matches!(
                reason,
                UnknownReason::TooClose {
                    person: 11,
                    other: 22,
                    ..
                }
            ),
            "{reason:?}"
        );
        let text = reason.to_string();
        assert!(
            text.contains("person 11") && text.contains("too close to person 22"),
            "{text}"
        );
        // with a clear lead the same people are told apart
        g.remove_person(22);
        g.add(22, &at_cosine(&probe, &random_unit(2), 0.70))
            .unwrap();
        match g.search(&probe, &params()) {
            Match::Known {
                person: 11,
                runner_up: Some((22, s)),
                ..
            } => assert!((s - 0.70).abs() < 1e-4),
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn a_person_scores_their_best_embedding_and_is_not_their_own_runner_up() {
        let mut g = Gallery::new();
        let probe = random_unit(50);
        // person 5's far embeddings come before and after the near one
        g.add(5, &at_cosine(&probe, &random_unit(1), 0.2)).unwrap();
        g.add(6, &at_cosine(&probe, &random_unit(2), 0.5)).unwrap();
        g.add(5, &at_cosine(&probe, &random_unit(3), 0.9)).unwrap();
        g.add(5, &at_cosine(&probe, &random_unit(4), 0.86)).unwrap();
        g.add(7, &at_cosine(&probe, &random_unit(5), 0.3)).unwrap();
        match g.search(&probe, &params()) {
            Match::Known {
                person: 5,
                similarity,
                runner_up: Some((6, r)),
            } => {
                assert!((similarity - 0.9).abs() < 1e-4);
                assert!((r - 0.5).abs() < 1e-4);
            }
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn remove_person_drops_their_embeddings_and_keeps_the_others() {
        let mut g = Gallery::new();
        for i in 0..6 {
            g.add(i % 3, &random_unit(i as u64 + 1)).unwrap();
        }
        g.exclude(1, &random_unit(100)).unwrap();
        assert_eq!(g.remove_person(1), 2);
        assert_eq!(g.remove_person(1), 0);
        assert_eq!((g.len(), g.exclusions()), (4, 0));
        // the rows kept still belong to their people
        for i in [0u64, 2, 3, 5] {
            assert_eq!(
                g.search(&random_unit(i + 1), &params()).person(),
                Some(i as i64 % 3)
            );
        }
        assert_eq!(g.search(&random_unit(2), &params()).person(), None);
    }

    #[test]
    fn an_excluded_face_never_matches_that_person_again() {
        let mut g = Gallery::new();
        let face = random_unit(1);
        g.add(1, &at_cosine(&face, &random_unit(2), 0.8)).unwrap();
        g.add(2, &random_unit(3)).unwrap();
        assert_eq!(g.search(&face, &params()).person(), Some(1));
        // the guard says this face is not person 1
        g.exclude(1, &face).unwrap();
        let again = at_cosine(&face, &random_unit(4), 0.95);
        let m = g.search(&again, &params());
        assert_eq!(m.person(), None, "{m:?}");
        assert!(
            !matches!(
                m,
                Match::Unknown {
                    best: Some((1, _)),
                    ..
                }
            ),
            "{m:?}"
        );
        // a face merely like the excluded one (here person 1's own enrolled face, at 0.8) is
        // not ruled out
        let person1 = at_cosine(&face, &random_unit(2), 0.8);
        assert!(dot(&person1, &face) < 0.9);
        assert_eq!(g.search(&person1, &params()).person(), Some(1));
        // when everyone is ruled out the answer says so
        g.remove_person(2);
        assert_eq!(
            g.search(&face, &params()),
            Match::Unknown {
                reason: UnknownReason::AllExcluded,
                best: None
            }
        );
    }

    #[test]
    fn bad_vectors_are_refused() {
        let mut g = Gallery::new();
        assert!(g.add(1, &[0.0; EMBEDDING_DIM]).is_err());
        let mut nan = random_unit(1);
        nan[3] = f32::NAN;
        assert!(g.add(1, &nan).is_err());
        assert!(g.add_vector(1, &[1.0; 10]).is_err());
        assert!(g.add_vector(1, &random_unit(1)).is_ok());
        assert_eq!(g.len(), 1);
        assert_eq!(
            g.search(&[0.0; EMBEDDING_DIM], &params()),
            Match::Unknown {
                reason: UnknownReason::InvalidQuery,
                best: None
            }
        );
    }

    #[test]
    fn unnormalised_inputs_are_normalised() {
        let mut g = Gallery::new();
        let mut big = random_unit(1);
        big.iter_mut().for_each(|x| *x *= 37.0);
        g.add(1, &big).unwrap();
        match g.search(&big, &params()) {
            Match::Known { similarity, .. } => assert!((similarity - 1.0).abs() < 1e-4),
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn a_large_gallery_split_across_threads_agrees_with_one_scan() {
        let mut g = Gallery::with_capacity(40_000);
        for i in 0..40_000u64 {
            g.add((i % 9_973) as i64, &random_unit(i + 10)).unwrap();
        }
        let (rows, _) = g.data.as_chunks::<EMBEDDING_DIM>();
        for q in 0..5 {
            let query = if q == 0 {
                random_unit(12_345 + 10)
            } else {
                random_unit(1_000_000 + q)
            };
            let single = scan(rows, &g.owners, &query, &[]);
            assert_eq!(g.top_two(&query, &[]), single);
            let (p, _) = single.best.unwrap();
            let (r, _) = single.second.unwrap();
            assert_ne!(p, r);
        }
        assert_eq!(
            g.search(&random_unit(12_345 + 10), &params()).person(),
            Some(12_345 % 9_973)
        );
    }

    #[test]
    fn merging_parts_keeps_the_best_other_person() {
        let a = TopTwo {
            best: Some((1, 0.9)),
            second: Some((2, 0.5)),
        };
        let b = TopTwo {
            best: Some((1, 0.95)),
            second: Some((3, 0.7)),
        };
        assert_eq!(
            a.merge(b),
            TopTwo {
                best: Some((1, 0.95)),
                second: Some((3, 0.7))
            }
        );
        assert_eq!(b.merge(TopTwo::default()), b);
        assert_eq!(TopTwo::default().merge(a), a);
    }
}
