//! The face pipeline on real models and real public-domain photos.
//!
//! Needs the model files (`scripts/setup.sh` or `.venv/bin/python models/fetch.py`).

mod common;

use common::{jpeg, models_dir, photo_bytes, with_exif_orientation};
use facesort::face::embedding::Embedding;
use facesort::face::geometry::Point;
use facesort::face::quality::{QualityRules, UnsureReason};
use facesort::people::cluster::{cluster, ClusterConfig, FaceToCluster, PhotoId};
use facesort::pipeline::align::FaceChip;
use facesort::pipeline::{AnalysedPhoto, Pipeline, SystemClock};
use std::sync::OnceLock;

fn pipeline() -> &'static Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(|| {
        Pipeline::from_dir(&models_dir()).unwrap_or_else(|e| {
            panic!("{e}\nRun scripts/setup.sh first: the tests use the real models.")
        })
    })
}

fn analyse(bytes: &[u8]) -> AnalysedPhoto {
    pipeline().analyse(bytes, &SystemClock::default()).unwrap()
}

#[test]
fn embedder_matches_face_api_tfjs_reference_outputs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/embedder");
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("reference.json")).unwrap()).unwrap();
    let chips = reference["chips"].as_object().unwrap();
    assert_eq!(chips.len(), 3);
    let names: Vec<&String> = chips.keys().collect();
    let images: Vec<FaceChip> = names
        .iter()
        .map(|n| FaceChip(image::open(dir.join(n)).unwrap().to_rgb8()))
        .collect();
    // One batch, so the symbolic batch size is exercised too.
    let ours = pipeline().embedder.embed(&images).unwrap();
    let mut by_name = std::collections::BTreeMap::new();
    for (name, got) in names.iter().zip(&ours) {
        let want: Vec<f32> = chips[*name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(got.len(), 128);
        let max_diff = got
            .as_slice()
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(max_diff < 1e-4, "{name}: max |ours − TFJS| = {max_diff}");
        by_name.insert(name.as_str(), got.clone());
    }
    let d = |a: &str, b: &str| by_name[a].distance(&by_name[b]);
    assert!(d("chip_collins.png", "chip_collins_mirror.png") < 0.6);
    assert!(d("chip_collins.png", "chip_cameraman.png") > 0.6);
}

#[test]
fn finds_one_face_with_sensible_landmarks_in_each_portrait() {
    for (name, centre) in [
        ("eileen_collins_nasa.png", Point::new(215.0, 130.0)),
        ("cameraman_cc0.png", Point::new(225.0, 145.0)),
    ] {
        let a = analyse(&photo_bytes(name));
        assert_eq!(a.faces.len(), 1, "{name}");
        let f = &a.faces[0].detection;
        let c = f.bbox.center();
        assert!(
            (c.x - centre.x).abs() < 50.0 && (c.y - centre.y).abs() < 50.0,
            "{name}: face centred at {c:?}"
        );
        assert!(
            f.bbox.width() > 40.0 && f.bbox.width() < 200.0,
            "{name}: {:?}",
            f.bbox
        );
        let lm = f.landmarks;
        assert!(
            lm.right_eye().x < lm.left_eye().x,
            "{name}: subject's right eye is on the image's left"
        );
        assert!(
            lm.nose().y > lm.right_eye().y && lm.right_mouth().y > lm.nose().y,
            "{name}: eyes, nose, mouth top to bottom"
        );
        assert!(f.score > 0.7);
    }
}

#[test]
fn photos_without_faces_give_no_faces() {
    for name in ["rocket_spacex_pd.jpg", "chelsea_cat_cc0.png"] {
        let a = analyse(&photo_bytes(name));
        assert!(
            a.faces.is_empty(),
            "{name}: {:?}",
            a.faces.iter().map(|f| f.detection.bbox).collect::<Vec<_>>()
        );
    }
}

#[test]
fn an_exif_rotated_photo_is_detected_upright_and_boxed_in_stored_pixels() {
    let original = image::load_from_memory(&photo_bytes("eileen_collins_nasa.png"))
        .unwrap()
        .to_rgb8();
    // Stored rotated 90° counter-clockwise with tag 6: viewers show it upright.
    let stored = image::imageops::rotate270(&original);
    let bytes = with_exif_orientation(&jpeg(&stored, 92), 6);
    let a = analyse(&bytes);
    let upright = analyse(&photo_bytes("eileen_collins_nasa.png"));
    assert_eq!(a.faces.len(), 1);
    let ours = a.photo.face_to_stored(&a.faces[0].detection).bbox.center();
    // Where the upright face centre lands in the stored (rotated) file.
    let c = upright.faces[0].detection.bbox.center();
    let expected = Point::new(c.y, original.width() as f32 - c.x);
    assert!(
        (ours.x - expected.x).abs() < 8.0 && (ours.y - expected.y).abs() < 8.0,
        "{ours:?} vs {expected:?}"
    );
    // The same face, seen upright both times, embeds to the same person.
    assert!(a.faces[0].embedding.distance(&upright.faces[0].embedding) < 0.3);
}

#[test]
fn end_to_end_photos_of_two_people_sort_into_two_people() {
    let collins = image::load_from_memory(&photo_bytes("eileen_collins_nasa.png"))
        .unwrap()
        .to_rgb8();
    let cameraman = image::load_from_memory(&photo_bytes("cameraman_cc0.png"))
        .unwrap()
        .to_rgb8();
    let half = |im: &image::RgbImage| {
        image::imageops::resize(
            im,
            im.width() / 2,
            im.height() / 2,
            image::imageops::FilterType::Triangle,
        )
    };
    // Each person in several different photos: the original, a mirror image,
    // a smaller re-encoded copy and (for Collins) a greyscale print.
    let photos: Vec<(&str, Vec<u8>)> = vec![
        ("collins", photo_bytes("eileen_collins_nasa.png")),
        ("cameraman", photo_bytes("cameraman_cc0.png")),
        (
            "collins",
            jpeg(&image::imageops::flip_horizontal(&collins), 90),
        ),
        ("none", photo_bytes("rocket_spacex_pd.jpg")),
        (
            "cameraman",
            jpeg(&image::imageops::flip_horizontal(&cameraman), 90),
        ),
        ("collins", jpeg(&half(&collins), 85)),
        (
            "collins",
            jpeg(
                &image::DynamicImage::ImageLuma8(
                    image::DynamicImage::ImageRgb8(collins.clone()).to_luma8(),
                )
                .to_rgb8(),
                90,
            ),
        ),
        ("cameraman", jpeg(&half(&cameraman), 85)),
        ("none", photo_bytes("chelsea_cat_cc0.png")),
    ];
    let analysed: Vec<(&str, AnalysedPhoto)> =
        photos.iter().map(|(who, b)| (*who, analyse(b))).collect();
    let mut truth: Vec<&str> = Vec::new();
    let mut embeddings: Vec<(PhotoId, &Embedding)> = Vec::new();
    for (i, (who, a)) in analysed.iter().enumerate() {
        let expected = if *who == "none" { 0 } else { 1 };
        assert_eq!(a.faces.len(), expected, "photo {i} ({who})");
        for f in &a.faces {
            truth.push(who);
            embeddings.push((PhotoId(i as u32), &f.embedding));
        }
    }
    let faces: Vec<FaceToCluster> = embeddings
        .iter()
        .map(|(p, e)| FaceToCluster {
            photo: *p,
            embedding: e,
            sure: true,
            hood: None,
        })
        .collect();
    let people = cluster(&faces, &ClusterConfig::default());
    let mut ids: Vec<_> = people.assignments.iter().flatten().collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "{:?}", people.assignments);
    for i in 0..truth.len() {
        for j in 0..truth.len() {
            assert_eq!(
                truth[i] == truth[j],
                people.assignments[i] == people.assignments[j],
                "faces {i} and {j}"
            );
        }
    }
}

/// Collins's portrait pasted onto a 4000×3000 JPEG so that her eyes are
/// `eyes_px` apart at full size.
fn phone_size_jpeg(eyes_px: f32) -> Vec<u8> {
    phone_size_jpeg_at(eyes_px, None)
}

/// As [`phone_size_jpeg`], with her right eye (on the left of the photo)
/// `left_eye_x` pixels from the photo's left edge when given.
fn phone_size_jpeg_at(eyes_px: f32, left_eye_x: Option<f32>) -> Vec<u8> {
    let collins = image::load_from_memory(&photo_bytes("eileen_collins_nasa.png"))
        .unwrap()
        .to_rgb8();
    let [l, r, ..] = analyse(&photo_bytes("eileen_collins_nasa.png")).faces[0]
        .detection
        .landmarks
        .0;
    let k = eyes_px / (r.x - l.x);
    let (w, h) = (
        (collins.width() as f32 * k) as u32,
        (collins.height() as f32 * k) as u32,
    );
    let scaled = image::imageops::resize(&collins, w, h, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(4000, 3000, image::Rgb([90, 110, 100]));
    let x = left_eye_x.map_or(600, |at| (at - l.x * k) as i64);
    image::imageops::overlay(&mut canvas, &scaled, x, 300);
    jpeg(&canvas, 90)
}

#[test]
fn a_large_jpeg_is_searched_small_and_embedded_at_the_size_its_faces_need() {
    let mut full = Pipeline::from_dir(&models_dir()).unwrap();
    full.decode.preview = false;
    let clock = SystemClock::default();
    for (eyes, expect_width) in [(600.0, 2000), (60.0, 4000)] {
        let bytes = phone_size_jpeg(eyes);
        let quick = analyse(&bytes);
        let slow = full.analyse(&bytes, &clock).unwrap();
        // Found in a quarter-size preview halved from a half-size decode: big
        // faces are embedded from that decode, a small one from the photo
        // decoded again whole.
        assert_eq!(quick.photo.image.width(), expect_width, "eyes {eyes} px");
        assert_eq!(slow.photo.image.width(), 4000);
        assert_eq!(quick.faces.len(), 1, "eyes {eyes} px");
        assert_eq!(slow.faces.len(), 1, "eyes {eyes} px");
        let a = quick.photo.face_to_stored(&quick.faces[0].detection).bbox;
        let b = slow.photo.face_to_stored(&slow.faces[0].detection).bbox;
        let off = (a.center().x - b.center().x)
            .abs()
            .max((a.center().y - b.center().y).abs());
        // Both find faces at about 1,000 px (the detector scales the whole
        // photo to 1,024): the boxes differ by the detector's own noise there.
        assert!(off < 0.06 * a.width(), "eyes {eyes} px: {a:?} vs {b:?}");
        let d = quick.faces[0].embedding.distance(&slow.faces[0].embedding);
        eprintln!("eyes {eyes} px: embeddings {d:.3} apart, boxes {off:.1} px");
        assert!(d < 0.2, "eyes {eyes} px: the two embeddings are {d} apart");
    }
}

#[test]
fn a_large_jpeg_is_decoded_larger_only_for_a_face_that_could_be_sure() {
    // A face too small for a half-size decode's chip but cut by the photo's
    // edge (unsure whatever the resolution) leaves the photo at that size;
    // the same face inside the photo has it decoded again whole.
    let cut = analyse(&phone_size_jpeg_at(60.0, Some(5.0)));
    assert_eq!(cut.faces.len(), 1);
    let q = cut.faces[0].quality;
    assert!(
        QualityRules::DEFAULT.judge(&q).contains(&UnsureReason::Cut),
        "{q:?}"
    );
    assert_eq!(cut.photo.image.width(), 2000);
    let inside = analyse(&phone_size_jpeg_at(60.0, Some(600.0)));
    assert!(QualityRules::DEFAULT.is_sure(&inside.faces[0].quality));
    assert_eq!(inside.photo.image.width(), 4000);
}

#[test]
fn yunet_gives_the_same_outputs_with_its_pools_replaced() {
    use facesort::pipeline::max_pool::replace_halving_pools;
    use tract_onnx::prelude::*;
    let file = models_dir().join(&facesort::pipeline::models::manifest().detector.file);
    let mut model = tract_onnx::onnx()
        .with_ignore_output_shapes(true)
        .with_ignore_value_info(true)
        .model_for_path(file)
        .unwrap();
    // As the detector does: a graph of any size, then given one.
    let (h, w) = (model.symbols.sym("H"), model.symbols.sym("W"));
    let any_size = f32::fact([1.to_dim(), 3.to_dim(), h.clone().into(), w.clone().into()]);
    model.set_input_fact(0, any_size.into()).unwrap();
    let shape = [1, 3, 96, 128];
    let model = model
        .into_typed()
        .and_then(|m| m.into_decluttered())
        .and_then(|m| {
            m.set_symbols(&std::collections::HashMap::from([
                (h, shape[2].to_dim()),
                (w, shape[3].to_dim()),
            ]))
        })
        .unwrap();
    let mut replaced = model.clone();
    // YuNet halves its feature maps four times.
    assert_eq!(replace_halving_pools(&mut replaced).unwrap(), 4);
    let portrait = image::load_from_memory(&photo_bytes("eileen_collins_nasa.png"))
        .unwrap()
        .resize_exact(128, 96, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let input: Tensor = tract_ndarray::Array4::from_shape_fn(shape, |(_, c, y, x)| {
        portrait.get_pixel(x as u32, y as u32)[2 - c] as f32
    })
    .into();
    let run = |m: TypedModel| {
        m.into_optimized()
            .unwrap()
            .into_runnable()
            .unwrap()
            .run(tvec!(input.clone().into_tvalue()))
            .unwrap()
    };
    let (theirs, ours) = (run(model), run(replaced));
    assert_eq!(theirs.len(), ours.len());
    for (a, b) in theirs.iter().zip(&ours) {
        assert_eq!(a, b);
    }
}
