//! "Find me": every photo containing the person in one or more reference
//! faces, best match first.
//!
//! Several references are combined the way grouping combines faces: a face's
//! distance to the reference set is its mean distance to each reference, so a
//! second selfie in other light pulls true matches closer and look-alikes of
//! one reference further away (taking the minimum would let any one
//! reference's look-alikes in).

use crate::face::embedding::Embedding;
use crate::people::book::FaceKey;

/// Similarity shown to people: 1 − distance, so 1 is identical and dlib's
/// same-person boundary (distance 0.6) is 0.4.
pub fn similarity(distance: f32) -> f32 {
    1.0 - distance
}

/// The default minimum similarity, chosen on both labelled sets with
/// `scripts/find-threshold.py` (each single-face photo in turn the reference,
/// then pairs; precision / recall of the photos shown). A wrong photo costs
/// more than a missed one (a guest handed a stranger's photos), so the
/// minimum maximises F0.5 averaged over both sets and both reference counts
/// (0.887 here, 0.858 at 0.50):
///
/// | set, references | 0.42 (before) | 0.52 |
/// |---|---|---|
/// | dev, 1 | 0.893 / 0.983 | 1.000 / 0.798 |
/// | dev, 2 | 0.924 / 0.984 | 1.000 / 0.830 |
/// | lfw-tune, 1 | 0.106 / 0.968 | 0.769 / 0.743 |
/// | lfw-tune, 2 | 0.144 / 0.984 | 0.894 / 0.790 |
///
/// dlib's pair threshold (0.40) holds for one pair; searched against a
/// library of 1,191 people (lfw-tune), 0.42 showed wrong photos in 99% of
/// searches, nine for each right one. The slider lowers it for more.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.52;

/// dlib's boundary between one person and two, as a distance.
pub const SAME_PERSON_DISTANCE: f32 = 0.6;

/// Whether some two of the references look like different people (further
/// apart than dlib's boundary). Their mean then finds few photos or none,
/// and the user is better told. On pairs of single-face photos, this says
/// so of 1.2% (dev) and 2.2% (lfw-tune) of pairs of one person, and misses
/// 0.4% and 1.3% of pairs of two people.
pub fn references_disagree(references: &[&Embedding]) -> bool {
    references.iter().enumerate().any(|(i, a)| {
        references[i + 1..]
            .iter()
            .any(|b| a.distance(b) > SAME_PERSON_DISTANCE)
    })
}

/// A photo's best-matching face.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    pub face: FaceKey,
    pub similarity: f32,
}

/// Mean distance from `face` to the references.
pub fn distance_to(references: &[&Embedding], face: &Embedding) -> f32 {
    face.mean_distance(references.iter().copied())
}

/// The best face of every photo, most similar first (ties: earlier photo
/// first). Empty without references.
pub fn rank<'a>(
    references: &[&Embedding],
    faces: impl IntoIterator<Item = (FaceKey, &'a Embedding)>,
) -> Vec<Match> {
    if references.is_empty() {
        return Vec::new();
    }
    let mut best: std::collections::HashMap<crate::people::cluster::PhotoId, Match> =
        std::collections::HashMap::new();
    for (face, embedding) in faces {
        let similarity = similarity(distance_to(references, embedding));
        let m = best.entry(face.photo).or_insert(Match { face, similarity });
        if m.similarity < similarity {
            *m = Match { face, similarity };
        }
    }
    let mut best: Vec<Match> = best.into_values().collect();
    best.sort_by(|a, b| {
        b.similarity
            .total_cmp(&a.similarity)
            .then(a.face.cmp(&b.face))
    });
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(v: &[f32]) -> Embedding {
        Embedding::new(v.to_vec())
    }

    #[test]
    fn references_far_apart_are_said_to_disagree() {
        let (a, near, far) = (e(&[0.0, 0.0]), e(&[0.5, 0.0]), e(&[0.7, 0.0]));
        assert!(!references_disagree(&[&a]));
        assert!(!references_disagree(&[&a, &near]));
        assert!(references_disagree(&[&a, &far]));
        assert!(references_disagree(&[&near, &a, &far]));
    }

    #[test]
    fn best_face_per_photo_most_similar_first() {
        let me = e(&[0.0, 0.0]);
        let faces = [
            (FaceKey::new(1, 0), e(&[0.9, 0.0])),
            (FaceKey::new(2, 0), e(&[0.5, 0.0])),
            (FaceKey::new(2, 1), e(&[0.1, 0.0])),
            (FaceKey::new(3, 0), e(&[0.3, 0.0])),
        ];
        let ranked = rank(&[&me], faces.iter().map(|(k, e)| (*k, e)));
        let order: Vec<(FaceKey, f32)> = ranked
            .iter()
            .map(|m| (m.face, (m.similarity * 100.0).round() / 100.0))
            .collect();
        assert_eq!(
            order,
            vec![
                (FaceKey::new(2, 1), 0.9),
                (FaceKey::new(3, 0), 0.7),
                (FaceKey::new(1, 0), 0.1)
            ]
        );
        assert!(rank(&[], faces.iter().map(|(k, e)| (*k, e))).is_empty());
    }

    #[test]
    fn references_are_averaged_not_the_first_taken() {
        let (a, b) = (e(&[0.0, 0.0]), e(&[1.0, 0.0]));
        // Close to the first reference only, versus between both.
        let near_a = e(&[0.05, 0.3]);
        let between = e(&[0.5, 0.0]);
        let faces = [(FaceKey::new(1, 0), near_a), (FaceKey::new(2, 0), between)];
        let one = rank(&[&a], faces.iter().map(|(k, e)| (*k, e)));
        assert_eq!(one[0].face.photo.0, 1);
        let both = rank(&[&a, &b], faces.iter().map(|(k, e)| (*k, e)));
        assert_eq!(
            both[0].face.photo.0, 2,
            "the face like both references wins"
        );
        assert!((both[0].similarity - 0.5).abs() < 1e-6);
    }
}
