//! How a run groups faces while photos arrive. The page follows this policy,
//! and `facesort regroup --as-page` replays it natively to measure its cost
//! and check that it ends where grouping everything at once does.

/// Every `every` photos, new faces are *placed*: they join the people so far
/// (settled or made by this run) or make new ones, and nothing is formed
/// again, so the cost stays with the new photos. When the run's faces have
/// grown by `reform_growth` times since the last time, the run's people are
/// *re-formed* from all its faces, as grouping everything at once would; the
/// end of a run always re-forms. Re-forming at geometric steps bounds a run's
/// total grouping work by a small multiple of one grouping of all its faces
/// (re-forming every few photos made it grow with the cube of the run).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunPolicy {
    pub every: usize,
    pub reform_growth: f32,
    /// Faces that represent a known person when placing.
    pub per_person: usize,
    /// Known people each new face meets when placing (its nearest).
    pub nearest_people: usize,
}

impl RunPolicy {
    pub const PAGE: RunPolicy = RunPolicy {
        every: 25,
        reform_growth: 2.0,
        per_person: 8,
        nearest_people: 5,
    };

    /// Whether a grouping now should re-form the run's people, given how
    /// many of the run's faces the last re-forming saw and how many there are.
    pub fn reform(&self, faces_at_last: usize, faces_now: usize) -> bool {
        faces_at_last == 0 || faces_now as f32 >= faces_at_last as f32 * self.reform_growth
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

    #[test]
    fn re_forming_happens_at_geometric_steps() {
        let p = RunPolicy::PAGE;
        assert!(p.reform(0, 1));
        assert!(!p.reform(100, 199));
        assert!(p.reform(100, 200));
        // Over a run of 16,000 faces, re-formings are few and their sizes
        // add up to a small multiple of the last one.
        let (mut last, mut work, mut count) = (0usize, 0f64, 0);
        for now in (30..=16_000).step_by(30) {
            if p.reform(last, now) {
                work += (now as f64).powi(2);
                last = now;
                count += 1;
            }
        }
        assert!(count < 20, "{count} re-formings");
        assert!(work < 1.5 * 16_000f64.powi(2), "{work}");
    }
}
