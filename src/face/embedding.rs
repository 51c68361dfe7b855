//! Face descriptors and the distance between them.

use serde::{Deserialize, Serialize};

/// A face descriptor from the embedder. Two faces of the same person lie close
/// in Euclidean distance (dlib's model: same person below about 0.6).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    /// Values in a descriptor of the embedder Facesort ships (dlib's ResNet).
    pub const LEN: usize = 128;

    pub fn new(values: Vec<f32>) -> Self {
        Self(values)
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether this is a descriptor of the shipped embedder: the right length
    /// and finite. Anything read back from storage is checked with this.
    pub fn is_valid(&self) -> bool {
        self.0.len() == Self::LEN && self.0.iter().all(|v| v.is_finite())
    }

    /// Euclidean distance. Descriptors of different lengths (another model, or
    /// a damaged record) are never comparable: infinitely far, never a panic.
    pub fn distance(&self, other: &Embedding) -> f32 {
        distance(&self.0, &other.0)
    }

    /// The point halfway between two descriptors (a face and its mirror image).
    pub fn midpoint(&self, other: &Embedding) -> Embedding {
        Embedding(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(a, b)| (a + b) / 2.0)
                .collect(),
        )
    }

    /// Mean distance to a set of faces: how grouping compares a face with a
    /// group (average linkage), and a search with several references.
    pub fn mean_distance<'a>(&self, set: impl ExactSizeIterator<Item = &'a Embedding>) -> f32 {
        let n = set.len() as f32;
        set.map(|e| self.distance(e)).sum::<f32>() / n
    }
}

/// [`Embedding::distance`] of descriptors as slices (a group's centre, a
/// library's descriptors laid end to end).
pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return f32::INFINITY;
    }
    squared_distance(a, b).sqrt()
}

/// Squared Euclidean distance of two equally long slices, summed in eight
/// lanes so the compiler can use vector instructions (grouping compares
/// millions of pairs).
fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let d = x[l] - y[l];
            lanes[l] += d * d;
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| (x - y) * (x - y)).sum();
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_euclidean_and_symmetric() {
        let a = Embedding::new(vec![0.0, 3.0]);
        let b = Embedding::new(vec![4.0, 0.0]);
        assert_eq!(a.distance(&b), 5.0);
        assert_eq!(b.distance(&a), 5.0);
        assert_eq!(a.distance(&a), 0.0);
    }

    #[test]
    fn mismatched_or_damaged_descriptors_are_far_and_invalid() {
        let a = Embedding::new(vec![0.0; Embedding::LEN]);
        let short = Embedding::new(vec![0.0; 3]);
        assert_eq!(a.distance(&short), f32::INFINITY);
        assert!(a.is_valid() && !short.is_valid());
        let mut nan = vec![0.0; Embedding::LEN];
        nan[5] = f32::NAN;
        assert!(!Embedding::new(nan).is_valid());
    }

    #[test]
    fn mean_distance_averages_over_the_set() {
        let me = Embedding::new(vec![0.0, 0.0]);
        let set = [
            Embedding::new(vec![3.0, 4.0]),
            Embedding::new(vec![1.0, 0.0]),
        ];
        assert_eq!(me.mean_distance(set.iter()), 3.0);
    }
}
