//! Browser-side unit tests, run inside a dedicated worker in headless
//! Chromium (where the worker protocol is decoded):
//! `scripts/test.sh` runs them with wasm-bindgen-test-runner and chromedriver.
#![cfg(target_arch = "wasm32")]

use facesort::face::embedding::Embedding;
use facesort::face::geometry::{FaceBox, Landmarks, Point};
use facesort::face::timing::StageTimings;
use facesort::web::js::{blob, sha256_hex};
use facesort::wire::export::{Outbox, ZipStream};
use facesort::wire::worker::{
    AnalyseRequest, FaceReport, FromWorker, PhotoReport, RequestId, ToWorker,
};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn report() -> PhotoReport {
    PhotoReport {
        width: 4000,
        height: 3000,
        thumbnail_jpeg: vec![0xFF, 0xD8, 0xFF, 0xD9],
        faces: vec![FaceReport {
            bbox: FaceBox {
                left: 10.0,
                top: 20.0,
                right: 110.0,
                bottom: 140.0,
            },
            landmarks: Landmarks([Point::new(40.0, 60.0); 5]),
            score: 0.93,
            embedding: Embedding::new((0..128).map(|i| i as f32 / 128.0).collect()),
            crop_jpeg: (0..=255).collect(),
            quality: Some(facesort::face::quality::FaceQuality {
                eye_px: 41.5,
                yaw: 0.07,
                outside: 0.0,
                sharpness: 63.0,
                score: 0.93,
            }),
        }],
        timings: StageTimings {
            decode_ms: 1.5,
            detect_ms: 20.0,
            embed_ms: 9.0,
        },
        taken_ms: Some(1_711_927_805_000.0),
    }
}

#[wasm_bindgen_test]
fn photo_reports_cross_the_js_boundary_with_bytes_as_uint8array() {
    let msg = FromWorker::Analysed {
        id: RequestId(42),
        reply: Ok(report()),
    };
    let value = serde_wasm_bindgen::to_value(&msg).unwrap();
    assert_eq!(
        Reflect::get(&value, &"kind".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("Analysed")
    );
    // Bytes must arrive as a typed array, not an array of 256 numbers.
    let reply_js = Reflect::get(&value, &"reply".into()).unwrap();
    let report_js = Reflect::get(&reply_js, &"Ok".into()).unwrap();
    let thumb = Reflect::get(&report_js, &"thumbnail_jpeg".into()).unwrap();
    assert!(thumb.is_instance_of::<Uint8Array>());
    // Structured clone (what postMessage does) keeps everything intact.
    let cloned = js_sys::JSON::parse(
        &js_sys::JSON::stringify(&Reflect::get(&report_js, &"timings".into()).unwrap())
            .unwrap()
            .as_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        Reflect::get(&cloned, &"detect_ms".into()).unwrap().as_f64(),
        Some(20.0)
    );
    let back: FromWorker = serde_wasm_bindgen::from_value(value).unwrap();
    assert_eq!(back, msg);
}

#[wasm_bindgen_test]
fn requests_carry_the_photo_beside_the_message() {
    let request = ToWorker::Analyse {
        id: RequestId(3),
        request: AnalyseRequest::default(),
    };
    let value = serde_wasm_bindgen::to_value(&request).unwrap();
    let bytes = Uint8Array::from(&[1u8, 2, 3][..]);
    Reflect::set(
        &value,
        &facesort::wire::worker::BYTES_FIELD.into(),
        &bytes.buffer(),
    )
    .unwrap();
    // The extra field does not disturb decoding of the typed part.
    let back: ToWorker = serde_wasm_bindgen::from_value(value.clone()).unwrap();
    assert_eq!(back, request);
    let carried = Reflect::get(&value, &facesort::wire::worker::BYTES_FIELD.into()).unwrap();
    assert_eq!(Uint8Array::new(&carried).to_vec(), vec![1, 2, 3]);
}

#[wasm_bindgen_test]
async fn sha256_uses_the_browser_and_matches_the_standard_vector() {
    let digest = sha256_hex(&Uint8Array::from(&b"abc"[..])).await.unwrap();
    assert_eq!(
        digest,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[wasm_bindgen_test]
async fn a_zip_streamed_into_blob_parts_reads_back_byte_for_byte() {
    let photo: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let outbox = Outbox::default();
    let mut zip = ZipStream::new(outbox.clone());
    // One Blob per entry, as the export does: wasm never holds the whole zip.
    let parts = js_sys::Array::new();
    zip.add("Person 1", "a.jpg", &photo, None).unwrap();
    parts.push(&blob(&outbox.take(), "application/octet-stream"));
    zip.add("no-faces", "b.png", b"png", None).unwrap();
    parts.push(&blob(&outbox.take(), "application/octet-stream"));
    zip.finish().unwrap();
    parts.push(&blob(&outbox.take(), "application/octet-stream"));
    let b = web_sys::Blob::new_with_blob_sequence(&parts).unwrap();
    let buffer = wasm_bindgen_futures::JsFuture::from(b.array_buffer())
        .await
        .unwrap();
    let round = Uint8Array::new(&buffer).to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(round)).unwrap();
    let mut entry = archive.by_name("Person 1/a.jpg").unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut out).unwrap();
    assert_eq!(out, photo);
}

// ---- the page's services ----------------------------------------------------

#[cfg(feature = "app")]
mod services {
    use super::report;
    use facesort::face::embedding::Embedding;
    use facesort::people::book::{Counters, Dirty, FaceKey, FaceState, Person};
    use facesort::people::cluster::{Clustering, PersonId, PhotoId};
    use facesort::people::edit::{Applied, Correction, EditError, EditKind};
    use facesort::web::js::blob;
    use facesort::web::services::error::{PoolError, Problem, StorageError};
    use facesort::web::services::library::{EditNote, Library, Settings};
    use facesort::web::services::pool::Inbox;
    use facesort::web::services::store::{
        FolderId, FolderPath, NewPhoto, PickedFolder, Previews, Shelf, Store, StoredPhoto, Upgrade,
    };
    use facesort::web::services::views::Phase;
    use facesort::wire::grouping::GroupingError;
    use facesort::wire::worker::{FaceReport, PhotoReport};
    use facesort::wire::worker::{FromWorker, RequestId};
    use js_sys::Reflect;
    use leptos::prelude::*;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn the_pool_matches_each_reply_to_its_request_by_id() {
        let mut inbox = Inbox::default();
        let first = inbox.wait_for(RequestId(1));
        let second = inbox.wait_for(RequestId(2));
        // Replies arrive out of order, and one for a request nobody waits for.
        inbox.deliver(FromWorker::Grouped {
            id: RequestId(2),
            reply: Ok(Clustering::default()),
        });
        inbox.deliver(FromWorker::Grouped {
            id: RequestId(9),
            reply: Err(GroupingError::MixedLengths(vec![1, 2])),
        });
        inbox.deliver(FromWorker::Analysed {
            id: RequestId(1),
            reply: Ok(report()),
        });
        assert!(matches!(
            second.await.unwrap(),
            Ok(FromWorker::Grouped {
                id: RequestId(2),
                ..
            })
        ));
        assert!(matches!(
            first.await.unwrap(),
            Ok(FromWorker::Analysed {
                id: RequestId(1),
                ..
            })
        ));
        assert_eq!(inbox.outstanding(), 0);
        // A worker that dies answers what waits, and everything asked later.
        let waiting = inbox.wait_for(RequestId(3));
        inbox.fail_all(PoolError::Stopped("out of memory".into()));
        assert_eq!(
            waiting.await.unwrap(),
            Err(PoolError::Stopped("out of memory".into()))
        );
        assert!(inbox.wait_for(RequestId(4)).await.unwrap().is_err());
    }

    #[wasm_bindgen_test]
    fn photos_not_kept_together_are_named_by_the_first_and_how_many_more() {
        let said = |others| {
            Problem::KeepPhoto {
                path: "a/IMG_1.jpg".into(),
                others,
                error: StorageError::Failed("disk error".into()),
            }
            .to_string()
        };
        let tail = "could not be kept in your library: the browser's storage failed (disk error)";
        assert_eq!(said(0), format!("a/IMG_1.jpg {tail}"));
        assert_eq!(said(1), format!("a/IMG_1.jpg and 1 other photo {tail}"));
        assert_eq!(said(3), format!("a/IMG_1.jpg and 3 other photos {tail}"));
    }

    fn stored(seq: u32, name: &str, embedding: Vec<f32>) -> StoredPhoto {
        let mut report = report();
        report.faces[0].embedding = Embedding::new(embedding);
        StoredPhoto {
            hash: format!("hash-{seq}"),
            seq: PhotoId(seq),
            name: name.into(),
            size: 3.0,
            last_modified_ms: 1.7e12,
            added_ms: 1.7e12,
            report,
            in_folder: None,
        }
    }

    /// Stores photos as the library does, in one save: each with its
    /// copy and previews beside it, forgotten as pending under its path.
    async fn save(store: &Store, photos: Vec<(StoredPhoto, Option<&web_sys::Blob>, &str)>) {
        let photos: Vec<NewPhoto> = photos
            .into_iter()
            .map(|(mut stored, file, path)| NewPhoto {
                previews: Previews::take(&mut stored.report),
                stored,
                copy: file.cloned(),
                path: path.into(),
            })
            .collect();
        store
            .save(&photos.iter().collect::<Vec<_>>())
            .await
            .unwrap();
    }

    /// A library in IndexedDB with one placed photo of person 0, one
    /// damaged photo record (both saved together), and a file still pending.
    async fn saved_library() {
        // Start from nothing: tests share the browser profile.
        Store::open().await.unwrap().clear().await.unwrap();
        let store = Store::open().await.unwrap();
        let pending = ["ann.jpg", "damaged.jpg", "later.jpg"].map(String::from);
        store.add_pending(&pending).await.unwrap();
        let file = blob(&[1, 2, 3], "image/jpeg");
        save(
            &store,
            vec![
                (stored(0, "ann.jpg", vec![0.1; 128]), Some(&file), "ann.jpg"),
                (
                    stored(1, "damaged.jpg", vec![0.1; 3]),
                    Some(&file),
                    "damaged.jpg",
                ),
            ],
        )
        .await;
        let key = FaceKey {
            photo: PhotoId(0),
            index: 0,
        };
        let person = Person {
            id: PersonId(0),
            name: None,
            hidden: false,
            provisional: false,
            cover: None,
        };
        let face = FaceState {
            person: Some(PersonId(0)),
            confirmed: false,
            rejected: Vec::new(),
        };
        let dirty = Dirty {
            people: vec![(PersonId(0), Some(person))],
            faces: vec![(key, Some(face))],
            edits_written: Vec::new(),
            edits_deleted: Vec::new(),
            counters: Counters {
                next_person: 1,
                next_seq: 0,
                done: 0,
            },
        };
        store.commit(&dirty).await.unwrap();
    }

    async fn until(what: impl Fn() -> bool) {
        for _ in 0..200 {
            if what() {
                return;
            }
            gloo::timers::future::TimeoutFuture::new(10).await;
        }
        panic!("timed out");
    }

    #[wasm_bindgen_test]
    async fn a_photo_kept_in_a_picked_folder_is_stored_without_a_copy() {
        // Not cleared first: a library service of another test may hold the
        // database open, which would block deleting it. Records of its own
        // (ids 900 and up) keep this test apart.
        let store = Store::open().await.unwrap();
        // The origin's private file system hands out the same kind of handle
        // as the folder picker.
        let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
        let storage: web_sys::StorageManager =
            Reflect::get(&navigator, &"storage".into()).unwrap().into();
        let root: web_sys::FileSystemDirectoryHandle =
            wasm_bindgen_futures::JsFuture::from(storage.get_directory())
                .await
                .unwrap()
                .into();
        let folder = PickedFolder {
            id: FolderId(3),
            name: "Holiday".into(),
            handle: root,
        };
        store.save_folder(&folder).await.unwrap();
        let mut photo = stored(900, "beach.jpg", vec![0.1; 128]);
        photo.in_folder = Some(FolderPath {
            folder: FolderId(3),
            path: "day 1/beach.jpg".into(),
        });
        save(
            &store,
            vec![(photo.clone(), None, "Holiday/day 1/beach.jpg")],
        )
        .await;
        // Neither a copy nor a folder: nothing to download it from.
        save(
            &store,
            vec![(stored(901, "lost.jpg", vec![0.1; 128]), None, "lost.jpg")],
        )
        .await;

        let loaded = store.load().await.unwrap();
        let back = loaded
            .photos
            .iter()
            .find(|p| p.seq == PhotoId(900))
            .expect("the photo kept in its folder");
        assert_eq!(back.in_folder, photo.in_folder);
        let shelf = store.shelf();
        assert_eq!(
            shelf.original(&back.hash).await,
            Err(StorageError::Missing),
            "a copy of a photo that stays in its folder"
        );
        // The previews are read from their own store, not bytes in the record.
        assert!(back.report.thumbnail_jpeg.is_empty());
        assert_previews(&shelf, &back.hash, &photo.report).await;
        assert!(!loaded.photos.iter().any(|p| p.seq == PhotoId(901)));
        assert!(loaded.damaged.contains(&"lost.jpg".to_string()));
        let kept = loaded.folders.iter().find(|f| f.id == FolderId(3)).unwrap();
        assert_eq!(kept.name, "Holiday");
        // The shelf does not keep the library open, and says so once it is closed.
        store.close();
        assert!(matches!(
            shelf.preview(&photo.hash, None).await,
            Err(StorageError::Closed)
        ));
    }

    /// The thumbnail and crops stored for `hash` are `report`'s JPEGs.
    async fn assert_previews(shelf: &Shelf, hash: &str, report: &PhotoReport) {
        let thumb = shelf.preview(hash, None).await.unwrap();
        assert_eq!(thumb.size(), report.thumbnail_jpeg.len() as f64);
        for (i, face) in report.faces.iter().enumerate() {
            let crop = shelf.preview(hash, Some(i)).await.unwrap();
            assert_eq!(crop.size(), face.crop_jpeg.len() as f64);
        }
    }

    /// Writes `record` into the photos store as an older Facesort did, and
    /// forgets that the library's Blobs were moved, as a library of version
    /// 4 or before is.
    async fn put_older_record(record: &JsValue) {
        let put = js_sys::Function::new_with_args(
            "record",
            r#"return new Promise((ok, fail) => {
                const open = indexedDB.open("facesort");
                open.onerror = () => fail(open.error);
                open.onsuccess = () => {
                    const db = open.result;
                    const tx = db.transaction(["photos", "meta"], "readwrite");
                    tx.objectStore("photos").put(record);
                    tx.objectStore("meta").delete("blobs apart");
                    tx.oncomplete = () => { db.close(); ok(); };
                    tx.onerror = () => fail(tx.error);
                };
            })"#,
        );
        let promise: js_sys::Promise = put.call1(&JsValue::NULL, record).unwrap().into();
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn opening_an_older_library_moves_its_blobs_out_of_the_photo_records() {
        Store::open().await.unwrap().close();
        // Version 3 and 4: the original and the previews as Blobs in the record.
        let four = stored(950, "four.jpg", vec![0.1; 128]);
        let record = serde_wasm_bindgen::to_value(&StoredPhoto {
            report: PhotoReport {
                thumbnail_jpeg: Vec::new(),
                faces: four
                    .report
                    .faces
                    .iter()
                    .map(|f| FaceReport {
                        crop_jpeg: Vec::new(),
                        ..f.clone()
                    })
                    .collect(),
                ..four.report.clone()
            },
            ..four.clone()
        })
        .unwrap();
        let crops: js_sys::Array = four
            .report
            .faces
            .iter()
            .map(|f| JsValue::from(blob(&f.crop_jpeg, "image/jpeg")))
            .collect();
        let fields: [(&str, JsValue); 3] = [
            ("file", blob(&[4, 4, 4, 4], "image/jpeg").into()),
            (
                "thumb",
                blob(&four.report.thumbnail_jpeg, "image/jpeg").into(),
            ),
            ("crops", crops.into()),
        ];
        for (field, value) in fields {
            Reflect::set(&record, &field.into(), &value).unwrap();
        }
        put_older_record(&record).await;
        // Version 1 and 2: the previews' bytes in the record.
        let two = stored(951, "two.jpg", vec![0.1; 128]);
        let record = serde_wasm_bindgen::to_value(&two).unwrap();
        Reflect::set(&record, &"file".into(), &blob(&[2, 2], "image/jpeg")).unwrap();
        put_older_record(&record).await;
        // Neither its original nor a folder to find it in: not moved, and named.
        let lost = stored(952, "lost-old.jpg", vec![0.1; 128]);
        put_older_record(&serde_wasm_bindgen::to_value(&lost).unwrap()).await;

        let told = std::cell::RefCell::new(Vec::new());
        let store = Store::open_telling(|u| told.borrow_mut().push(u))
            .await
            .unwrap();
        // Said from the start, and to the end (the record not moved counts as done).
        assert_eq!(
            told.take(),
            vec![Upgrade { done: 0, of: 3 }, Upgrade { done: 3, of: 3 }]
        );
        let loaded = store.load().await.unwrap();
        assert!(!loaded.photos.iter().any(|p| p.seq == lost.seq));
        assert!(loaded.damaged.contains(&lost.name), "{:?}", loaded.damaged);
        let shelf = store.shelf();
        for (photo, size) in [(&four, 4.0), (&two, 2.0)] {
            let back = loaded
                .photos
                .iter()
                .find(|p| p.seq == photo.seq)
                .unwrap_or_else(|| panic!("{} is not in the library", photo.name));
            assert!(back.report.thumbnail_jpeg.is_empty());
            assert!(back.report.faces.iter().all(|f| f.crop_jpeg.is_empty()));
            assert_eq!(shelf.original(&photo.hash).await.unwrap().size(), size);
            assert_previews(&shelf, &photo.hash, &photo.report).await;
        }
        store.close();
        // Opened again: nothing moved twice, nor said to be, and the record
        // left behind is still named.
        let store = Store::open_telling(|u| told.borrow_mut().push(u))
            .await
            .unwrap();
        assert_eq!(told.take(), vec![]);
        let again = store.load().await.unwrap();
        for seq in [four.seq, two.seq] {
            assert_eq!(again.photos.iter().filter(|p| p.seq == seq).count(), 1);
        }
        assert!(again.damaged.contains(&lost.name));
        store.close();
    }

    #[wasm_bindgen_test]
    async fn the_library_restores_names_damage_and_applies_corrections_in_order() {
        saved_library().await;
        let owner = Owner::new();
        owner.set();
        let library = Library::start(Settings::default());
        until(|| library.phase().get_untracked() == Phase::Done).await;
        assert_eq!(library.opening().get_untracked(), None);
        // The sound photo is back with its person; the damaged one is named.
        assert_eq!(library.photos().with_untracked(|p| p.len()), 1);
        // The two saved together are no longer pending; the third still is.
        assert_eq!(library.pending().get_untracked(), vec!["later.jpg"]);
        assert_eq!(library.people().get_untracked()[0].name, "Person 1");
        assert_eq!(
            library.problem().get_untracked(),
            Some(Problem::Damaged(vec!["damaged.jpg".into()]))
        );

        // A refused correction changes nothing.
        let refused = library
            .correct(Correction::Rename {
                person: PersonId(0),
                name: "  ".into(),
            })
            .await;
        assert_eq!(refused, EditNote::Refused(EditError::EmptyName));

        // Two corrections sent at once are applied one after the other.
        let first = library.correct(Correction::Rename {
            person: PersonId(0),
            name: "Ann".into(),
        });
        let second = library.correct(Correction::SetHidden {
            person: PersonId(0),
            hidden: true,
        });
        let (first, second) = futures::join!(first, second);
        assert_eq!(
            first,
            EditNote::Applied(Applied::Made {
                what: EditKind::Rename {
                    from: "Person 1".into(),
                    to: "Ann".into()
                },
                person: Some(PersonId(0)),
            })
        );
        assert!(matches!(
            second,
            EditNote::Applied(Applied::Made {
                what: EditKind::Hide { .. },
                ..
            })
        ));
        assert!(library.people().get_untracked()[0].hidden);
        assert_eq!(
            library.book().with_untracked(|b| b.undoable().cloned()),
            Some(EditKind::Hide {
                person: "Ann".into()
            })
        );

        // Both were saved before they were shown: a fresh read has them.
        let loaded = Store::open().await.unwrap().load().await.unwrap();
        let ann = loaded.book.person(PersonId(0)).unwrap();
        assert_eq!(ann.name.as_deref(), Some("Ann"));
        assert!(ann.hidden);
        assert_eq!(loaded.damaged, vec!["damaged.jpg".to_string()]);
        owner.unset();
    }
}

/// "Find me": a reference removed while it is read must not pass its faces
/// to the one added after it, so ids are never reused.
#[wasm_bindgen_test]
fn find_reference_ids_are_not_reused_after_a_removal() {
    use facesort::web::ui::search::{ChosenFile, Search};
    let file = |name: &str| ChosenFile {
        name: name.into(),
        size: 1000,
        modified_ms: 5,
    };
    let mut search = Search::default();
    let a = search.add([file("a.jpg")]);
    assert!(search.remove(a[0].unwrap()).is_some());
    let b = search.add([file("b.jpg")]);
    assert_ne!(a, b);
    assert!(search.remove(a[0].unwrap()).is_none());
    assert_eq!(search.references.len(), 1);
}

/// "Find me": the same file chosen again (alone or with others) is not a
/// second reference, which would count it twice; another file of the same
/// name is.
#[wasm_bindgen_test]
fn find_takes_a_file_chosen_twice_once() {
    use facesort::web::ui::search::{ChosenFile, Search};
    let file = |name: &str, size: u64| ChosenFile {
        name: name.into(),
        size,
        modified_ms: 5,
    };
    let mut search = Search::default();
    let first = search.add([file("obama.jpg", 1000)]);
    let again = search.add([file("obama.jpg", 1000), file("obama2.jpg", 900)]);
    assert_eq!(again[0], None);
    assert!(again[1].is_some() && again[1] != first[0]);
    let other = search.add([file("obama.jpg", 1200)]);
    assert!(other[0].is_some());
    assert_eq!(search.references.len(), 3);
}

/// The progress bar, count and speed are the run's own: a second batch
/// added later in the same visit does not count the first.
#[wasm_bindgen_test]
fn progress_counts_the_run_it_shows() {
    use facesort::web::services::error::PhotoError;
    use facesort::web::services::views::{FailedFile, Progress};
    let mut p = Progress::default();
    p.start_run(0.0);
    p.total = 10;
    p.done = 10;
    p.duplicates = 1;
    p.failed.push(FailedFile {
        path: "bad.jpg".into(),
        error: PhotoError::Read(facesort::web::js::BrowserError("NotReadableError".into())),
    });
    assert_eq!((p.run_done(), p.run_total(), p.run_sorted()), (10, 10, 8));
    p.start_run(60_000.0);
    assert_eq!((p.run_done(), p.run_total(), p.run_sorted()), (0, 0, 0));
    p.total += 3;
    p.done += 2;
    assert_eq!((p.run_done(), p.run_total(), p.run_sorted()), (2, 3, 2));
    assert_eq!((p.started_ms, p.finished_ms), (60_000.0, None));
    // The files that failed are still listed, from both runs.
    assert_eq!(p.failed.len(), 1);
    // Files already in the library are this run's (not the visit's), and take
    // no time: the speed counts the photos analysed.
    assert_eq!(p.run_duplicates(), 0);
    p.done += 1;
    p.duplicates += 1;
    assert_eq!(
        (p.run_done(), p.run_duplicates(), p.run_sorted()),
        (3, 1, 2)
    );
    assert_eq!(p.run_rate(61_000.0), 2.0);
}

/// The merge bar's caution: photos where two of the chosen people are both.
#[wasm_bindgen_test]
fn photos_shared_by_people_to_merge_are_counted_once_each() {
    use facesort::people::cluster::PhotoId;
    use facesort::web::services::views::photos_together;
    let ids = |ns: &[u32]| ns.iter().map(|n| PhotoId(*n)).collect::<Vec<_>>();
    let (a, b, c) = (ids(&[1, 2, 3]), ids(&[3, 4]), ids(&[3, 4, 5]));
    assert_eq!(photos_together([a.as_slice(), ids(&[6]).as_slice()]), 0);
    assert_eq!(photos_together([a.as_slice(), b.as_slice()]), 1);
    assert_eq!(
        photos_together([a.as_slice(), b.as_slice(), c.as_slice()]),
        2
    );
}

/// A file listed as not sorted on an earlier visit is the one added again
/// from a folder (whose path names the folder), and the other way round.
#[wasm_bindgen_test]
fn a_pending_file_is_recognised_under_a_folders_path() {
    use facesort::web::services::import::same_file;
    assert!(same_file("IMG_1.jpg", "IMG_1.jpg"));
    assert!(same_file("IMG_1.jpg", "Holiday/IMG_1.jpg"));
    assert!(same_file("Holiday/IMG_1.jpg", "Photos/Holiday/IMG_1.jpg"));
    assert!(same_file("Photos/Holiday/IMG_1.jpg", "IMG_1.jpg"));
    assert!(!same_file("IMG_1.jpg", "IMG_11.jpg"));
    assert!(!same_file("1.jpg", "IMG_1.jpg"));
    assert!(!same_file("Holiday/IMG_1.jpg", "Work/IMG_1.jpg"));
}

/// Each content is sorted once: a copy arriving while the first is sorted
/// waits, is a duplicate once the first is kept, and takes its place should
/// the first fail (or stops with the run).
mod claims {
    use facesort::people::cluster::PhotoId;
    use facesort::web::services::claims::{Claimed, Claims};
    use futures::channel::oneshot;
    use wasm_bindgen_test::*;

    fn claim(claims: &mut Claims, hash: &str) -> oneshot::Receiver<Claimed> {
        let (tx, rx) = oneshot::channel();
        claims.claim(hash.to_string(), tx);
        rx
    }

    /// The answer given so far: `None` while the claim waits.
    fn answer(rx: &mut oneshot::Receiver<Claimed>) -> Option<Claimed> {
        rx.try_recv().expect("the claim was not dropped")
    }

    #[wasm_bindgen_test]
    fn a_new_content_is_sorted_and_the_library_s_own_is_not() {
        let mut claims = Claims::default();
        claims.reset(5);
        claims.kept("kept".into(), PhotoId(7));
        assert_eq!(answer(&mut claim(&mut claims, "kept")), Some(Claimed::Have));
        assert_eq!(
            answer(&mut claim(&mut claims, "new")),
            Some(Claimed::Yours(PhotoId(8)))
        );
        assert_eq!(
            answer(&mut claim(&mut claims, "other")),
            Some(Claimed::Yours(PhotoId(9)))
        );
    }

    #[wasm_bindgen_test]
    fn copies_wait_and_are_duplicates_once_the_first_is_kept() {
        let mut claims = Claims::default();
        let mut first = claim(&mut claims, "a");
        let (mut second, mut third) = (claim(&mut claims, "a"), claim(&mut claims, "a"));
        assert_eq!(answer(&mut first), Some(Claimed::Yours(PhotoId(0))));
        assert_eq!((answer(&mut second), answer(&mut third)), (None, None));
        claims.settle("a");
        assert_eq!(answer(&mut second), Some(Claimed::Have));
        assert_eq!(answer(&mut third), Some(Claimed::Have));
        assert_eq!(answer(&mut claim(&mut claims, "a")), Some(Claimed::Have));
    }

    #[wasm_bindgen_test]
    fn a_copy_takes_the_place_of_a_first_that_failed() {
        let mut claims = Claims::default();
        let _first = claim(&mut claims, "a");
        let gone = claim(&mut claims, "a");
        let (mut second, mut third) = (claim(&mut claims, "a"), claim(&mut claims, "a"));
        // A copy whose task was dropped is skipped.
        drop(gone);
        claims.release("a", false);
        assert_eq!(answer(&mut second), Some(Claimed::Yours(PhotoId(1))));
        assert_eq!(answer(&mut third), None);
        // The second fails too: the third goes next, under a new id.
        claims.release("a", false);
        assert_eq!(answer(&mut third), Some(Claimed::Yours(PhotoId(2))));
        claims.settle("a");
        assert_eq!(answer(&mut claim(&mut claims, "a")), Some(Claimed::Have));
    }

    #[wasm_bindgen_test]
    fn waiting_copies_stop_with_the_run_and_the_content_can_be_tried_again() {
        let mut claims = Claims::default();
        let _first = claim(&mut claims, "a");
        let mut copy = claim(&mut claims, "a");
        claims.release("a", true);
        assert_eq!(answer(&mut copy), Some(Claimed::Stopped));
        assert_eq!(
            answer(&mut claim(&mut claims, "a")),
            Some(Claimed::Yours(PhotoId(1)))
        );
    }

    /// A kept photo whose save failed (storage full) is given back: adding
    /// it again sorts it again. Ids are never reused, even after a reload
    /// of a library whose ids run lower.
    #[wasm_bindgen_test]
    fn a_photo_not_kept_after_all_is_given_back_and_ids_only_grow() {
        let mut claims = Claims::default();
        let _first = claim(&mut claims, "a");
        claims.settle("a");
        claims.release("a", true);
        assert_eq!(
            answer(&mut claim(&mut claims, "a")),
            Some(Claimed::Yours(PhotoId(1)))
        );
        claims.reset(0);
        assert_eq!(
            answer(&mut claim(&mut claims, "a")),
            Some(Claimed::Yours(PhotoId(2)))
        );
    }
}

/// Files that failed are grouped by their reason, in the order the reasons
/// came, each group's files by name.
#[wasm_bindgen_test]
fn failed_files_are_grouped_by_reason_in_order() {
    use facesort::web::js::BrowserError;
    use facesort::web::services::error::PhotoError;
    use facesort::web::services::views::{failed_by_reason, FailedFile};
    let failed = |path: &str, why: &str| FailedFile {
        path: path.into(),
        error: PhotoError::Read(BrowserError(why.into())),
    };
    let groups = failed_by_reason(&[
        failed("c.heic", "HEIC"),
        failed("b.jpg", "gone"),
        failed("a.heic", "HEIC"),
    ]);
    let got: Vec<(&str, Vec<&str>)> = groups
        .iter()
        .map(|g| {
            (
                g.reason.as_str(),
                g.paths.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "the browser could not read the file (HEIC)",
                vec!["a.heic", "c.heic"]
            ),
            ("the browser could not read the file (gone)", vec!["b.jpg"]),
        ]
    );
}
