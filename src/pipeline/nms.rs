//! Greedy non-maximum suppression, deterministic under equal scores.

use crate::face::geometry::DetectedFace;

/// Keeps the best-scoring face of every group whose boxes overlap by more than
/// `iou_threshold`. Ties in score are broken by position so the result never
/// depends on the order the detector emitted candidates in.
/// Faces with a non-finite score or box (only a broken model produces them)
/// are dropped: they have no place in an order, nor any overlap.
pub fn non_max_suppression(mut faces: Vec<DetectedFace>, iou_threshold: f32) -> Vec<DetectedFace> {
    faces.retain(|f| {
        let b = &f.bbox;
        [f.score, b.left, b.top, b.right, b.bottom]
            .iter()
            .all(|v| v.is_finite())
    });
    faces.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.bbox.top.total_cmp(&b.bbox.top))
            .then(a.bbox.left.total_cmp(&b.bbox.left))
    });
    let mut kept: Vec<DetectedFace> = Vec::new();
    for face in faces {
        if kept.iter().all(|k| k.bbox.iou(&face.bbox) <= iou_threshold) {
            kept.push(face);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::geometry::{FaceBox, Landmarks, Point};

    fn face(left: f32, top: f32, size: f32, score: f32) -> DetectedFace {
        DetectedFace {
            bbox: FaceBox {
                left,
                top,
                right: left + size,
                bottom: top + size,
            },
            landmarks: Landmarks([Point::new(0.0, 0.0); 5]),
            score,
        }
    }

    #[test]
    fn suppresses_overlaps_and_keeps_separate_faces() {
        let faces = vec![
            face(0.0, 0.0, 10.0, 0.8),
            face(1.0, 1.0, 10.0, 0.9),
            face(50.0, 0.0, 10.0, 0.7),
        ];
        let kept = non_max_suppression(faces, 0.3);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].score, 0.9);
        assert_eq!(kept[1].bbox.left, 50.0);
    }

    #[test]
    fn result_does_not_depend_on_input_order() {
        let a = face(0.0, 0.0, 10.0, 0.9);
        let b = face(2.0, 0.0, 10.0, 0.9);
        let c = face(40.0, 40.0, 12.0, 0.6);
        let one = non_max_suppression(vec![a, b, c], 0.3);
        let two = non_max_suppression(vec![c, b, a], 0.3);
        assert_eq!(one, two);
        assert_eq!(one[0].bbox.left, 0.0);
    }

    #[test]
    fn threshold_is_exclusive_of_touching_boxes() {
        let kept = non_max_suppression(
            vec![face(0.0, 0.0, 10.0, 0.9), face(10.0, 0.0, 10.0, 0.8)],
            0.0,
        );
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn non_finite_faces_are_dropped_not_sorted() {
        // Many faces, so the sort takes the path that checks its order.
        let mut faces: Vec<_> = (0..40)
            .map(|i| face(i as f32 * 20.0, 0.0, 10.0, 0.5 + i as f32 / 100.0))
            .collect();
        for i in (0..40).step_by(3) {
            faces[i].score = f32::NAN;
        }
        faces[1].bbox.right = f32::INFINITY;
        let kept = non_max_suppression(faces, 0.3);
        assert_eq!(kept.len(), 40 - 14 - 1);
        assert!(kept.iter().all(|f| f.score.is_finite()));
        assert!(kept.windows(2).all(|w| w[0].score >= w[1].score));
    }
}
