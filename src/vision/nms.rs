//! Greedy non-maximum suppression over axis-aligned boxes, shared by the detectors: keep the
//! best-scoring box, drop every box overlapping it by more than an IoU threshold, repeat. And
//! the box geometry the stages share: overlap, and whether one box's centre lies in another.

/// Intersection over union of two boxes given as `[x1, y1, x2, y2]` (continuous coordinates,
/// no `+1` pixel convention). Degenerate or disjoint boxes give 0.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// The centre of a box `[x1, y1, x2, y2]`.
pub fn centre(b: &[f32; 4]) -> [f32; 2] {
    [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]
}

/// Whether the centre of `inner` lies in `outer` (edges included): a plate on a vehicle, a
/// weak box on a strong one, a row on a larger plate.
pub fn centre_inside(inner: &[f32; 4], outer: &[f32; 4]) -> bool {
    let [x, y] = centre(inner);
    (outer[0]..=outer[2]).contains(&x) && (outer[1]..=outer[3]).contains(&y)
}

/// Greedy NMS: the indices of the boxes kept, best score first. A box is dropped when its IoU
/// with an already kept box is above `iou_threshold`. Ties in score keep input order; NaN
/// scores sort last. `boxes` and `scores` are paired by index (the shorter one bounds them).
pub fn nms(boxes: &[[f32; 4]], scores: &[f32], iou_threshold: f32) -> Vec<usize> {
    let n = boxes.len().min(scores.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    // total_cmp puts positive NaN above everything: move NaNs to the end.
    order.sort_by_key(|&i| scores[i].is_nan());
    let mut keep: Vec<usize> = Vec::new();
    for i in order {
        if keep
            .iter()
            .all(|&k| iou(&boxes[k], &boxes[i]) <= iou_threshold)
        {
            keep.push(i);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_on_another_when_its_centre_is() {
        let car = [100.0, 100.0, 300.0, 250.0];
        // a plate low on the car, and one whose box runs past the car's edge
        assert!(centre_inside(&[150.0, 220.0, 230.0, 245.0], &car));
        assert!(centre_inside(&[260.0, 230.0, 340.0, 250.0], &car));
        // a plate beside it
        assert!(!centre_inside(&[290.0, 230.0, 370.0, 250.0], &car));
        assert_eq!(centre(&car), [200.0, 175.0]);
    }

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        let a = [0.0, 0.0, 10.0, 10.0];
        assert!((iou(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(iou(&a, &[20.0, 20.0, 30.0, 30.0]), 0.0);
        // overlap 5×10 = 50, union 150
        let b = [5.0, 0.0, 15.0, 10.0];
        assert!((iou(&a, &b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(iou(&[0.0, 0.0, 0.0, 0.0], &[0.0, 0.0, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn overlapping_boxes_are_suppressed_by_the_better_one() {
        let boxes = [
            [0.0, 0.0, 10.0, 10.0],
            [1.0, 1.0, 11.0, 11.0], // IoU with the first ≈ 0.68
            [0.5, 0.0, 10.5, 10.0],
        ];
        let keep = nms(&boxes, &[0.7, 0.9, 0.8], 0.4);
        assert_eq!(keep, vec![1]);
    }

    #[test]
    fn disjoint_boxes_are_all_kept_best_score_first() {
        let boxes = [
            [0.0, 0.0, 10.0, 10.0],
            [20.0, 0.0, 30.0, 10.0],
            [40.0, 0.0, 50.0, 10.0],
        ];
        assert_eq!(nms(&boxes, &[0.6, 0.95, 0.8], 0.4), vec![1, 2, 0]);
    }

    #[test]
    fn overlap_at_or_below_the_threshold_is_kept() {
        let a = [0.0, 0.0, 10.0, 10.0];
        let b = [5.0, 0.0, 15.0, 10.0]; // IoU 1/3
        assert_eq!(nms(&[a, b], &[0.9, 0.8], 0.4), vec![0, 1]);
        assert_eq!(nms(&[a, b], &[0.9, 0.8], 0.3), vec![0]);
    }

    #[test]
    fn nan_scores_go_last_and_empty_input_is_empty() {
        let boxes = [[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0]];
        assert_eq!(nms(&boxes, &[f32::NAN, 0.1], 0.4), vec![1, 0]);
        assert!(nms(&[], &[], 0.4).is_empty());
    }
}
