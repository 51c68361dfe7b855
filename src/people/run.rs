//! How a run groups faces while photos arrive. The page follows this policy,
//! and `facesort regroup --as-page` replays it natively to measure its cost
//! and check that it ends where grouping everything at once does.

/// Every `every` photos, new faces are *placed*: they join the people so far
/// (settled or made by this run) or make new ones, and nothing is formed
/// again, so the cost stays with the new photos. Every `window / 2` faces
/// (and while the run is small, whenever its faces have grown `reform_growth`
/// times) the run's latest `window` faces are *re-formed* from single faces,
/// everyone with older faces being known; so a re-forming costs the same
/// at the 1,000th photo and the 13,000th. The end of a run *refines* its
/// people: each is split where its faces no longer hold together, and the
/// parts join as grouping everything at once would
/// ([`crate::people::cluster::cluster_from`]). Every grouping measures
/// shared neighbours in the whole library ([`crate::people::nearest`]),
/// which the page keeps up to date as faces arrive.
use crate::people::book::FaceKey;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunPolicy {
    pub every: usize,
    pub reform_growth: f32,
    /// Faces that represent a known person when placing.
    pub per_person: usize,
    /// Known people each new face meets when placing (its nearest).
    pub nearest_people: usize,
    /// A re-forming forms again only this many of the latest faces (0: all
    /// of the run's, as before windows).
    pub window: usize,
}

impl RunPolicy {
    pub const PAGE: RunPolicy = RunPolicy {
        every: 25,
        reform_growth: 2.0,
        per_person: 8,
        nearest_people: 5,
        window: 2_000,
    };

    /// Whether a grouping now should re-form, given how many of the run's
    /// faces there were at the last re-forming and how many there are.
    pub fn reform(&self, faces_at_last: usize, faces_now: usize) -> bool {
        faces_at_last == 0
            || faces_now as f32 >= faces_at_last as f32 * self.reform_growth
            || (self.window > 0 && faces_now.saturating_sub(faces_at_last) >= self.window / 2)
    }

    /// Where a re-forming of `faces` (in the order they arrived) begins: the
    /// latest `window` of them, moved back to a photo's first face so a
    /// photo is never split (0: all).
    pub fn window_start(&self, faces: &[FaceKey]) -> usize {
        if self.window == 0 || faces.len() <= self.window {
            return 0;
        }
        let mut start = faces.len() - self.window;
        while start > 0 && faces[start - 1].photo == faces[start].photo {
            start -= 1;
        }
        start
    }
}

impl Default for RunPolicy {
    fn default() -> Self {
        Self::PAGE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::cluster::PhotoId;

    #[test]
    fn re_formings_are_geometric_then_bounded_windows() {
        let p = RunPolicy::PAGE;
        assert!(p.reform(0, 1));
        assert!(!p.reform(100, 199));
        assert!(p.reform(100, 200));
        assert!(!p.reform(5_000, 5_999));
        assert!(p.reform(5_000, 6_000));
        // Over a run of 16,000 faces, each re-forming sees at most a window,
        // and their work grows with the run, not with its square.
        let (mut last, mut work, mut count) = (0usize, 0f64, 0);
        for now in (30..=16_000).step_by(30) {
            if p.reform(last, now) {
                work += (now.min(p.window) as f64).powi(2);
                last = now;
                count += 1;
            }
        }
        assert!(count < 30, "{count} re-formings");
        assert!(work < 20.0 * (p.window as f64).powi(2), "{work}");
    }

    #[test]
    fn a_window_never_splits_a_photo() {
        let key = |photo, index| FaceKey {
            photo: PhotoId(photo),
            index,
        };
        let faces = [key(0, 0), key(1, 0), key(1, 1), key(1, 2), key(2, 0)];
        let p = |window| RunPolicy {
            window,
            ..RunPolicy::PAGE
        };
        assert_eq!(p(0).window_start(&faces), 0);
        assert_eq!(p(9).window_start(&faces), 0);
        assert_eq!(p(1).window_start(&faces), 4);
        // The latest three faces begin inside photo 1: all of it comes.
        assert_eq!(p(3).window_start(&faces), 1);
    }
}
