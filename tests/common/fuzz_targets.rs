//! What the fuzzers feed: each entry point takes arbitrary bytes and must
//! return without panicking, whatever they are. Shared by the bounded run in
//! `cargo test` (tests/robustness.rs) and the coverage-guided cargo-fuzz
//! targets (tests/fuzz/), so both exercise exactly the same code.

use facesort::face::geometry::DetectedFace;
use facesort::people::book::{Book, Counters, FaceKey, FaceState, Person};
use facesort::people::edit::Edit;
use facesort::pipeline::decode::{
    decode_photo, decode_with_share, first_decode, probe, DecodeOptions,
};
use facesort::pipeline::format::sniff;
use facesort::pipeline::nms::non_max_suppression;
use facesort::pipeline::taken::taken_ms;
use facesort::pipeline::yunet::{decode_stride, StrideOutputs};
use facesort::wire::grouping::GroupingJob;
use facesort::wire::worker::{FromWorker, ToWorker};

/// Photo bytes, as a file dropped on the page or read by the CLI: every
/// decoding path the pipeline takes.
pub fn decode(bytes: &[u8]) {
    let options = DecodeOptions::default();
    let _ = sniff(bytes);
    let _ = probe(bytes);
    let _ = taken_ms(bytes);
    let _ = decode_photo(bytes, &options);
    let _ = first_decode(bytes, &options, 1024);
    let _ = decode_with_share(bytes, &options, 0.3);
}

/// The detector's raw output tensors, as any model file could produce them:
/// non-finite values, odd lengths, a zero input width.
pub fn detector_output(bytes: &[u8]) {
    let Some((head, rest)) = bytes.split_first_chunk::<4>() else {
        return;
    };
    let input_width = u16::from_le_bytes([head[0], head[1]]) as usize;
    let stride = [8, 16, 32][head[2] as usize % 3];
    let threshold = head[3] as f32 / 255.0;
    let values: Vec<f32> = rest
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // Split into the four heads in the proportions the model's have (1, 1, 4, 10).
    let anchors = values.len() / 16;
    let (cls, rest) = values.split_at(anchors);
    let (obj, rest) = rest.split_at(anchors);
    let (bbox, kps) = rest.split_at(anchors * 4);
    let out = StrideOutputs {
        stride,
        cls,
        obj,
        bbox,
        kps,
    };
    let mut faces: Vec<DetectedFace> = Vec::new();
    decode_stride(&out, input_width, threshold, &mut faces);
    let _ = non_max_suppression(faces, 0.3);
}

/// What crosses a boundary as JSON-shaped data: worker messages (a worker
/// runs any grouping job it is sent) and the library's stored records (the
/// book rebuilt from them, then used).
pub fn records(bytes: &[u8]) {
    let _ = serde_json::from_slice::<ToWorker>(bytes);
    let _ = serde_json::from_slice::<FromWorker>(bytes);
    if let Ok(job) = serde_json::from_slice::<GroupingJob>(bytes) {
        // Bounded like the fuzzers' input: a grouping is quadratic.
        if job.faces.len() + job.known.len() <= 64 {
            let _ = job.run();
        }
    }
    type Stored = (Vec<Person>, Vec<(FaceKey, FaceState)>, Vec<Edit>, Counters);
    if let Ok((people, faces, history, counters)) = serde_json::from_slice::<Stored>(bytes) {
        let mut book = Book::from_parts(people, faces, history, counters);
        let ids: Vec<_> = book.people().map(|p| p.id).collect();
        for id in &ids {
            let _ = book.faces_of(*id);
        }
        let all: Vec<FaceKey> = book
            .people()
            .flat_map(|p| book.faces_of(p.id))
            .chain(book.unassigned())
            .collect();
        let _ = book.regroup_request(all);
        while book.undo().is_ok() {}
        while book.redo().is_ok() {}
        let _ = book.take_dirty();
    }
}
