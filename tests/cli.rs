//! The `facesort` command line on a folder with good and bad files.

mod common;

use common::photo_path;
use std::path::Path;
use std::process::Command;

fn facesort() -> Command {
    Command::new(env!("CARGO_BIN_EXE_facesort"))
}

/// Runs the command and fails the test with its stderr unless it succeeded.
fn succeeds(cmd: &mut Command) -> std::process::Output {
    let run = cmd.output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    run
}

/// A folder with two photos of Collins under the same file name, one of the
/// cameraman (a small face, turned away), two without faces, and three files
/// that are not good photos.
fn messy_folder(root: &Path) {
    for d in ["a", "b"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy(
        photo_path("eileen_collins_nasa.png"),
        root.join("a/photo.png"),
    )
    .unwrap();
    let collins = image::open(photo_path("eileen_collins_nasa.png")).unwrap();
    collins.fliph().save(root.join("b/photo.png")).unwrap();
    std::fs::copy(photo_path("cameraman_cc0.png"), root.join("cameraman.png")).unwrap();
    std::fs::copy(photo_path("rocket_spacex_pd.jpg"), root.join("rocket.jpg")).unwrap();
    std::fs::copy(photo_path("chelsea_cat_cc0.png"), root.join("cat.png")).unwrap();
    let rocket = std::fs::read(photo_path("rocket_spacex_pd.jpg")).unwrap();
    std::fs::write(root.join("broken.jpg"), &rocket[..rocket.len() / 3]).unwrap();
    std::fs::write(root.join("empty.jpg"), b"").unwrap();
    std::fs::write(root.join("notes.txt"), b"not a photo").unwrap();
    // An iPhone photo, a hidden copy of a real one, and a hidden folder.
    let heic = [&[0, 0, 0, 0x18][..], b"ftypheic\0\0\0\0mif1heic", &[0; 64]].concat();
    std::fs::write(root.join("IMG_0001.HEIC"), heic).unwrap();
    std::fs::write(root.join("..%2F..%2Fevil.jpg"), &rocket).unwrap();
    std::fs::create_dir_all(root.join(".thumbnails")).unwrap();
    std::fs::write(root.join(".thumbnails/t.jpg"), &rocket).unwrap();
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn sort_puts_each_person_in_a_folder_and_reports_bad_files_without_stopping() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    messy_folder(input.path());
    let out = output.path().join("sorted");
    let run = succeeds(
        facesort()
            .args(["sort", "--quiet"])
            .arg(input.path())
            .arg(&out),
    );

    assert_eq!(
        files_in(&out),
        ["failed.txt", "no-faces", "other-faces", "person-01"]
    );
    // Collins is in two photos, so she is person 1; both same-named files survive.
    assert_eq!(
        files_in(&out.join("person-01")),
        ["photo-2.png", "photo.png"]
    );
    // The cameraman's face is tiny (14 px between the eyes) and turned to his
    // camera: too unclear to make a person of, so his photo is kept apart.
    assert_eq!(files_in(&out.join("other-faces")), ["cameraman.png"]);
    assert_eq!(files_in(&out.join("no-faces")), ["cat.png", "rocket.jpg"]);
    let failed = std::fs::read_to_string(out.join("failed.txt")).unwrap();
    assert!(
        failed.contains("broken.jpg: the JPEG data is corrupt or truncated"),
        "{failed}"
    );
    assert!(failed.contains("empty.jpg: the file is empty"), "{failed}");
    assert!(
        failed.contains("IMG_0001.HEIC: HEIC photos cannot be read here yet"),
        "{failed}"
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("error: broken.jpg:") && stderr.contains("error: empty.jpg:"),
        "{stderr}"
    );
    // Whatever is not analysed is named, with why.
    for line in [
        "skipped: ..%2F..%2Fevil.jpg: hidden file (its name starts with a dot)",
        "skipped: .thumbnails/: hidden folder",
        "skipped: notes.txt: not a photo",
    ] {
        assert!(stderr.contains(line), "{line:?} missing from:\n{stderr}");
    }
    // Copies are byte-identical to the originals.
    assert_eq!(
        std::fs::read(out.join("other-faces/cameraman.png")).unwrap(),
        std::fs::read(photo_path("cameraman_cc0.png")).unwrap()
    );
}

#[test]
fn sort_refuses_a_non_empty_output_folder() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    std::fs::write(output.path().join("keep.txt"), b"mine").unwrap();
    let run = facesort()
        .args(["sort", "--quiet"])
        .arg(input.path())
        .arg(output.path())
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not empty"));
    assert_eq!(files_in(output.path()), ["keep.txt"]);
}

#[test]
fn predict_writes_the_evaluation_format() {
    let input = tempfile::tempdir().unwrap();
    messy_folder(input.path());
    let json_path = input.path().join("out.json");
    succeeds(
        facesort()
            .args(["predict", "--quiet", "--out"])
            .arg(&json_path)
            .arg(input.path()),
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let images = doc["images"].as_object().unwrap();
    assert_eq!(
        images.len(),
        8,
        "all photo files, including failed ones: {:?}",
        images.keys()
    );
    let a = &images["a/photo.png"].as_array().unwrap()[0];
    let b = &images["b/photo.png"].as_array().unwrap()[0];
    assert_eq!(a["cluster"], b["cluster"]);
    assert_ne!(a["cluster"], images["cameraman.png"][0]["cluster"]);
    let bx: Vec<f64> = a["box"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(bx[0] < bx[2] && bx[1] < bx[3] && bx[2] <= 512.0);
    assert!(images["rocket.jpg"].as_array().unwrap().is_empty());
    assert!(doc["errors"]["empty.jpg"]
        .as_str()
        .unwrap()
        .contains("empty"));
    assert!(doc["timing"]["total_s"].as_f64().unwrap() > 0.0);
}
