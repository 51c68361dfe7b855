//! Downloads built in the page: one photo, zips of albums, crops, everything.

use super::error::Problem;
use super::library::Library;
use super::views::{PersonView, Photo};
use crate::people::book::FaceKey;
use crate::people::cluster::PhotoId;
use crate::web::js::{blob, describe};
use crate::wire::export::{safe_name, ZipBuilder};
use js_sys::Uint8Array;
use leptos::prelude::*;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Offers a Blob as a download under `file_name`.
pub fn save(data: &web_sys::Blob, file_name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(data) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(file_name);
        a.click();
    }
    // Revoke later: the download may not have started when click() returns.
    let url_later = url.clone();
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url_later);
    })
    .forget();
}

/// The photo exactly as the user gave it.
pub fn save_photo(library: Library, id: PhotoId) {
    if let (Some(file), Some(photo)) = (library.file(id), library.photo(id)) {
        save(&file, &photo.name);
    }
}

/// Name and file of each photo, by id, taken once per download.
fn files(library: Library) -> HashMap<PhotoId, (String, web_sys::Blob)> {
    library.photos().with_untracked(|photos| {
        photos
            .iter()
            .map(|p| (p.view.id, (p.view.name.clone(), p.file.clone())))
            .collect()
    })
}

async fn add_photos(
    files: &HashMap<PhotoId, (String, web_sys::Blob)>,
    zip: &mut ZipBuilder,
    folder: &str,
    ids: &[PhotoId],
) -> Result<(), String> {
    for id in ids {
        let (name, file) = files.get(id).ok_or("a photo is no longer available")?;
        zip.add(folder, name, &read_blob(file).await?)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Offers the finished zip, or says why it could not be built.
fn conclude(library: Library, built: Result<ZipBuilder, String>, file_name: &str) {
    match built.and_then(|zip| zip.finish().map_err(|e| e.to_string())) {
        Ok(bytes) => save(&blob(&bytes, "application/zip"), file_name),
        Err(e) => library.report(Problem::Download(e)),
    }
}

/// `<name>.zip` with the person's photos at the top level.
pub async fn album_zip(library: Library, person: PersonView) {
    let file_name = format!("{}.zip", safe_name(&person.name));
    photos_zip(library, person.photos, file_name).await;
}

/// Chosen photos (a search's matches), at the top level of `file_name`.
pub async fn photos_zip(library: Library, ids: Vec<PhotoId>, file_name: String) {
    let mut zip = ZipBuilder::default();
    let built = add_photos(&files(library), &mut zip, "", &ids)
        .await
        .map(|()| zip);
    conclude(library, built, &file_name);
}

/// The person's face crops, one JPEG per face.
pub async fn crops_zip(library: Library, person: PersonView) {
    // Names and crops first (untracked, synchronously), then read each crop.
    let crops: Vec<(String, web_sys::Blob)> = library.photos().with_untracked(|photos| {
        let by_id: HashMap<PhotoId, &Photo> = photos.iter().map(|p| (p.view.id, p)).collect();
        person
            .faces
            .iter()
            .filter_map(|face| {
                let photo = by_id.get(&face.photo)?;
                let name = &photo.view.name;
                let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
                let crop = photo.faces.get(face.index as usize)?;
                Some((
                    format!("{stem}-face{}.jpg", face.index + 1),
                    crop.crop.clone(),
                ))
            })
            .collect()
    });
    let mut zip = ZipBuilder::default();
    let mut built = Ok(());
    for (name, crop) in crops {
        built = built.and(read_blob(&crop).await).and_then(|bytes| {
            zip.add("", &name, &bytes)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        if built.is_err() {
            break;
        }
    }
    conclude(
        library,
        built.map(|()| zip),
        &format!("{} faces.zip", safe_name(&person.name)),
    );
}

async fn read_blob(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| describe(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Everything: a folder per person (a photo with three people is in three
/// folders; hidden people are left out), `no-faces/`, and `other-faces/` for
/// photos whose faces belong to nobody (unclear faces, faces taken away).
pub async fn everything_zip(library: Library) {
    let mut zip = ZipBuilder::default();
    let people = library.people().get_untracked();
    let (no_faces, other_faces) = library.book().with_untracked(|b| {
        library.photos().with_untracked(|photos| {
            let of = |faceless: bool| -> Vec<PhotoId> {
                photos
                    .iter()
                    .map(|p| &p.view)
                    .filter(|p| {
                        if faceless {
                            return p.faces.is_empty();
                        }
                        !p.faces.is_empty()
                            && (0..p.faces.len() as u32)
                                .all(|index| b.person_of(FaceKey { photo: p.id, index }).is_none())
                    })
                    .map(|p| p.id)
                    .collect()
            };
            (of(true), of(false))
        })
    });
    let files = files(library);
    let mut built = Ok(());
    for person in people.iter().filter(|p| !p.hidden) {
        if built.is_ok() {
            built = add_photos(&files, &mut zip, &person.name, &person.photos).await;
        }
    }
    if built.is_ok() && !no_faces.is_empty() {
        built = add_photos(&files, &mut zip, "no-faces", &no_faces).await;
    }
    if built.is_ok() && !other_faces.is_empty() {
        built = add_photos(&files, &mut zip, "other-faces", &other_faces).await;
    }
    conclude(library, built.map(|()| zip), "Facesort.zip");
}
