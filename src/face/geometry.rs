//! Plain geometric types shared by every stage.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// An axis-aligned face rectangle in pixel coordinates (left/top inclusive,
/// right/bottom exclusive), as the evaluation format and the UI expect.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceBox {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl FaceBox {
    pub fn from_center(center: Point, width: f32, height: f32) -> Self {
        Self {
            left: center.x - width / 2.0,
            top: center.y - height / 2.0,
            right: center.x + width / 2.0,
            bottom: center.y + height / 2.0,
        }
    }

    pub fn width(&self) -> f32 {
        (self.right - self.left).max(0.0)
    }

    pub fn height(&self) -> f32 {
        (self.bottom - self.top).max(0.0)
    }

    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }

    pub fn center(&self) -> Point {
        Point::new(
            (self.left + self.right) / 2.0,
            (self.top + self.bottom) / 2.0,
        )
    }

    pub fn intersection(&self, other: &FaceBox) -> f32 {
        let w = (self.right.min(other.right) - self.left.max(other.left)).max(0.0);
        let h = (self.bottom.min(other.bottom) - self.top.max(other.top)).max(0.0);
        w * h
    }

    /// Intersection over union; 0 for two empty boxes.
    pub fn iou(&self, other: &FaceBox) -> f32 {
        let inter = self.intersection(other);
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    pub fn clamped(&self, width: f32, height: f32) -> FaceBox {
        FaceBox {
            left: self.left.clamp(0.0, width),
            top: self.top.clamp(0.0, height),
            right: self.right.clamp(0.0, width),
            bottom: self.bottom.clamp(0.0, height),
        }
    }

    /// Grows the box by `margin` of its size on every side, keeping its centre.
    pub fn expanded(&self, margin: f32) -> FaceBox {
        let dx = self.width() * margin;
        let dy = self.height() * margin;
        FaceBox {
            left: self.left - dx,
            top: self.top - dy,
            right: self.right + dx,
            bottom: self.bottom + dy,
        }
    }

    pub fn map(&self, f: impl Fn(Point) -> Point) -> FaceBox {
        let a = f(Point::new(self.left, self.top));
        let b = f(Point::new(self.right, self.bottom));
        FaceBox {
            left: a.x.min(b.x),
            top: a.y.min(b.y),
            right: a.x.max(b.x),
            bottom: a.y.max(b.y),
        }
    }
}

/// The five landmarks YuNet reports, in its order. "Right" is the subject's
/// right, which appears on the left of an unmirrored photo.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Landmarks(pub [Point; 5]);

impl Landmarks {
    pub fn right_eye(&self) -> Point {
        self.0[0]
    }
    pub fn left_eye(&self) -> Point {
        self.0[1]
    }
    pub fn nose(&self) -> Point {
        self.0[2]
    }
    pub fn right_mouth(&self) -> Point {
        self.0[3]
    }
    pub fn left_mouth(&self) -> Point {
        self.0[4]
    }

    pub fn map(&self, f: impl Fn(Point) -> Point) -> Landmarks {
        Landmarks(self.0.map(f))
    }
}

/// One face found by the detector, in the coordinates of the image it was run on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectedFace {
    pub bbox: FaceBox,
    pub landmarks: Landmarks,
    pub score: f32,
}

impl DetectedFace {
    pub fn map(&self, f: impl Fn(Point) -> Point + Copy) -> DetectedFace {
        DetectedFace {
            bbox: self.bbox.map(f),
            landmarks: self.landmarks.map(f),
            score: self.score,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        let a = FaceBox {
            left: 0.0,
            top: 0.0,
            right: 10.0,
            bottom: 10.0,
        };
        assert_eq!(a.iou(&a), 1.0);
        let far = FaceBox {
            left: 20.0,
            top: 20.0,
            right: 30.0,
            bottom: 30.0,
        };
        assert_eq!(a.iou(&far), 0.0);
        let half = FaceBox {
            left: 5.0,
            top: 0.0,
            right: 15.0,
            bottom: 10.0,
        };
        assert!((a.iou(&half) - 50.0 / 150.0).abs() < 1e-6);
    }

    #[test]
    fn expanded_keeps_centre_and_clamped_stays_inside() {
        let a = FaceBox {
            left: 10.0,
            top: 10.0,
            right: 30.0,
            bottom: 50.0,
        };
        let e = a.expanded(0.5);
        assert_eq!(e.center(), a.center());
        assert_eq!(e.width(), 40.0);
        let c = e.clamped(35.0, 100.0);
        assert_eq!((c.left, c.right), (0.0, 35.0));
    }
}
