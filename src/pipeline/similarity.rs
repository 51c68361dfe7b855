//! Least-squares 2-D similarity transforms (rotation, uniform scale, translation),
//! used to map a face's landmarks onto the embedder's canonical face chip.

use crate::face::geometry::Point;

/// `p ↦ [a −b; b a]·p + t`: a rotation by `atan2(b, a)` with scale `hypot(a, b)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    pub const IDENTITY: Similarity = Similarity {
        a: 1.0,
        b: 0.0,
        tx: 0.0,
        ty: 0.0,
    };

    /// The similarity minimising the weighted squared error `Σ wᵢ·|T(fromᵢ) − toᵢ|²`
    /// (Umeyama's closed form, which in 2-D needs no SVD). Returns `None` when the
    /// source points coincide, since no scale can then be determined.
    pub fn fit(from: &[Point], to: &[Point], weights: &[f32]) -> Option<Similarity> {
        assert!(from.len() == to.len() && from.len() == weights.len());
        let wsum: f32 = weights.iter().sum();
        if wsum <= 0.0 {
            return None;
        }
        let mean = |pts: &[Point]| {
            let (x, y) = pts
                .iter()
                .zip(weights)
                .fold((0.0, 0.0), |(x, y), (p, w)| (x + w * p.x, y + w * p.y));
            Point::new(x / wsum, y / wsum)
        };
        let (mf, mt) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
        for ((f, t), w) in from.iter().zip(to).zip(weights) {
            let (fx, fy, tx, ty) = (f.x - mf.x, f.y - mf.y, t.x - mt.x, t.y - mt.y);
            dot += w * (fx * tx + fy * ty);
            cross += w * (fx * ty - fy * tx);
            norm += w * (fx * fx + fy * fy);
        }
        if norm <= f32::EPSILON {
            return None;
        }
        let (a, b) = (dot / norm, cross / norm);
        Some(Similarity {
            a,
            b,
            tx: mt.x - (a * mf.x - b * mf.y),
            ty: mt.y - (b * mf.x + a * mf.y),
        })
    }

    pub fn apply(&self, p: Point) -> Point {
        Point::new(
            self.a * p.x - self.b * p.y + self.tx,
            self.b * p.x + self.a * p.y + self.ty,
        )
    }

    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }

    pub fn inverse(&self) -> Similarity {
        let d = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / d, -self.b / d);
        Similarity {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(p: Point, q: Point) -> bool {
        (p.x - q.x).abs() < 1e-3 && (p.y - q.y).abs() < 1e-3
    }

    #[test]
    fn recovers_a_known_transform_exactly() {
        let truth = Similarity {
            a: 0.8,
            b: 0.6,
            tx: 12.0,
            ty: -3.0,
        };
        let from = [
            Point::new(0.0, 0.0),
            Point::new(10.0, 0.0),
            Point::new(3.0, 7.0),
            Point::new(-4.0, 2.0),
        ];
        let to: Vec<Point> = from.iter().map(|&p| truth.apply(p)).collect();
        let fit = Similarity::fit(&from, &to, &[1.0; 4]).unwrap();
        for &p in &from {
            assert!(close(fit.apply(p), truth.apply(p)));
        }
        assert!((fit.scale() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn inverse_undoes_the_transform() {
        let t = Similarity {
            a: 1.7,
            b: -0.4,
            tx: 5.0,
            ty: 9.0,
        };
        let p = Point::new(31.0, -8.0);
        assert!(close(t.inverse().apply(t.apply(p)), p));
    }

    #[test]
    fn zero_weight_points_are_ignored_and_degenerate_input_is_refused() {
        let from = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 0.0),
            Point::new(100.0, 100.0),
        ];
        let to = [
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(-50.0, 3.0),
        ];
        let fit = Similarity::fit(&from, &to, &[1.0, 1.0, 0.0]).unwrap();
        assert!(close(fit.apply(Point::new(1.0, 0.0)), Point::new(2.0, 0.0)));
        let same = [Point::new(2.0, 2.0); 3];
        assert!(Similarity::fit(&same, &to, &[1.0; 3]).is_none());
    }
}
